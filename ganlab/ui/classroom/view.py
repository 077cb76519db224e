"""What the Class tab shows: the shown run drawn once for every watcher (a RunDisplay of its own,
so the owner's Train tab keeps its own updates), and the teacher's wall of the students' runs made
from the frames their Train tabs already wrote. Drawing and formatting only; the numbers come from
the runs' sessions and collapse monitors."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr

from ganlab.server.classroom import Classroom, Snapshot
from ganlab.server.store import Job, SessionStore
from ganlab.server.wall import WallRow, dataset_name, quality_line
from ganlab.ui.gradio_fixes.frames import cache_root
from ganlab.ui.train.form import TrainForm
from ganlab.ui.train.live_view import LiveView, RunDisplay

PANELS = ("curves", "picture", "quality", "status", "reading", "alarms", "quality_text", "legend")
SETTING_NAMES = ("model", "dataset", "loss", "lr_g", "lr_d", "k", "batch_size", "latent_dim", "seed", "steps")


class ClassDisplay(RunDisplay):
    """The class's own display of a shown run: the live panels without the costly gradient maps."""

    def _why(self, s) -> None:
        return None


def form_values(job: Job) -> dict[str, Any]:
    """The settings the run was made from, as the Train form's values."""
    config = (job.display.requested if job.display is not None else None) or job.run.config
    return {name: getattr(config, name, None) for name in TrainForm.names()}


def settings_text(values: dict[str, Any]) -> str:
    """The shown run's settings in one Markdown table row."""
    shown = {n: dataset_name(str(values.get(n))) if n == "dataset" else values.get(n) for n in SETTING_NAMES}
    return "| " + " | ".join(shown) + " |\n|" + "---|" * len(shown) + "\n| " + " | ".join(
        f"{v:g}" if isinstance(v, float) else str(v) for v in shown.values()) + " |"


class ClassPainter:
    """Draws the shown run into one Snapshot per Broadcast interval (for all watchers at once)."""

    def __init__(self, store: SessionStore, classroom: Classroom, tab: Any):
        self.store, self.classroom, self.tab = store, classroom, tab
        self._run: Job | None = None
        self._display: ClassDisplay | None = None
        self._panels: dict[str, Any] = {}
        self._lock = threading.Lock()

    def draw(self, version: int) -> Snapshot:
        """The shown run now (a new drawing of what changed), or the 'nothing shown' snapshot."""
        sid = self.classroom.shown
        job = self.store.jobs().get(sid) if sid else None  # not get(): no touch
        with self._lock:
            if job is not self._run:
                self._switch(job)
            if job is None or self._display is None:
                return Snapshot(version=version, drawn=time.time())
            s, monitor = job.run, self.tab._monitor(job)
            if job.display is not None:
                self._display.layers = job.display.layers  # the layers its owner ticked
            try:
                self._collect(self._display.redraw(s, monitor, force=False))
            except Exception:
                if self._display.closed or job.display is None or job.display.closed:
                    return Snapshot(version=version, drawn=time.time())  # the run was reset meanwhile
                raise
            history = s.history
            last = history[-1].as_dict() if history else None
            teacher = self.classroom.is_teacher(sid)
            label = (f"{s.config.model} on {dataset_name(s.config.dataset)} · "
                     + ("the teacher's run" if teacher else f"run {self.classroom.code(sid)}"))
            return Snapshot(version=version, drawn=time.time(), sid=sid, status=s.status, step=s.step_count,
                            label=label, last=last, config=form_values(job), panels=dict(self._panels))

    def _switch(self, job: Job | None) -> None:
        """Another run is shown (or none): close the old display, start a fresh one."""
        if self._display is not None:
            self._display.close()
        self._run, self._panels = job, {}
        self._display = ClassDisplay() if job is not None else None

    def _collect(self, view: LiveView) -> None:
        """Keep each panel's newest value (a redraw sends only what changed)."""
        skip = gr.skip()
        for name in PANELS:
            value = getattr(view, name)
            if isinstance(value, gr.components.Component):
                value = value.constructor_args.get("value")
            elif value == skip:
                continue
            self._panels[name] = value

    def close(self) -> None:
        """Free the class display's figures and frames."""
        with self._lock:
            self._switch(None)


class Wall:
    """The students' runs as rows with thumbnails copied from their own frames (so a thumbnail cannot
    vanish while the teacher's browser fetches it); the copies of two refreshes ago are deleted."""

    def __init__(self, store: SessionStore, classroom: Classroom):
        self.store, self.classroom = store, classroom
        self._folder: Path | None = None
        self._batches: list[list[Path]] = []
        self._count = 0
        self._lock = threading.Lock()

    def rows(self) -> list[WallRow]:
        """Every active student run (teachers' runs left out), newest thumbnails copied."""
        with self._lock:
            batch: list[Path] = []
            rows = [self._row(sid, job, batch) for sid, job in self.store.jobs().items()
                    if not self.classroom.is_teacher(sid) and (job.active or job.run.step_count > 0)]
            self._batches.append(batch)
            while len(self._batches) > 2:
                for old in self._batches.pop(0):
                    old.unlink(missing_ok=True)
            return rows

    def _row(self, sid: str, job: Job, batch: list[Path]) -> WallRow:
        display = job.display
        monitor = display.monitor if display is not None else None
        history = list(job.run.history)
        alarms = tuple(a.kind.replace("_", " ") for a in monitor.alarms(history)) if monitor is not None else ()
        code = self.classroom.code(sid)
        frame = display.frames.latest("view") if display is not None and display.frames is not None else None
        v = form_values(job)
        settings = (f"{v['model']} · {dataset_name(str(v['dataset']))} · {v['loss']} · lr {v['lr_g']:g}/{v['lr_d']:g}"
                    f" · k {v['k']} · batch {v['batch_size']}")
        return WallRow(code, self._copy(frame, code, batch), settings, job.run.step_count, job.run.status,
                       alarms, quality_line(monitor))

    def _copy(self, frame: str | None, code: str, batch: list[Path]) -> str | None:
        if frame is None:
            return None
        if self._folder is None:
            base = cache_root() / "ganlab-live"
            base.mkdir(parents=True, exist_ok=True)
            self._folder = Path(tempfile.mkdtemp(dir=base, prefix="wall-"))
        self._count += 1
        target = self._folder / f"{code}-{self._count}.png"
        try:
            shutil.copyfile(frame, target)
        except OSError:  # the student's newest frame was replaced meanwhile: no thumbnail this time
            return None
        batch.append(target)
        return str(target)

    def close(self) -> None:
        """Delete the thumbnails."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
