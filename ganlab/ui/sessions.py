"""Per-browser-session state, keyed by Gradio's session hash: a training run and saved generators.

Nothing per-user lives in module globals: the app creates one SessionStore and passes it to the
tabs. A run trains in its own background thread; closing the browser tab releases it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ganlab.config import TrainConfig
from ganlab.data import Dataset, load_dataset
from ganlab.train.diagnostics import HistoryColumns
from ganlab.train.session import TrainingSession

if TYPE_CHECKING:
    from ganlab.train.monitor import Monitor
    from ganlab.ui.frames import LiveFrames
    from ganlab.ui.plots import LiveBars, LiveCurves


class ServerBusy(RuntimeError):
    """Too many trainings are running on this server; the message says so plainly."""


@dataclass(eq=False)
class RunView:
    """What the Train tab keeps for one run between updates, to redraw only what changed.

    The pictures (frames, curves, bars) and the monitor are made on first use and live as long
    as the run; ``close`` frees the figures' matplotlib memory and deletes the frame files.
    """

    requested: TrainConfig | None = None  # the form's settings the run was built from
    watcher: object | None = None  # token of the live stream drawing this run (a newer one takes over)
    drawn: tuple[int, str] | None = None  # (records, status) at the last update
    frames: LiveFrames | None = None  # the run's live pictures as PNG files
    columns: HistoryColumns = field(default_factory=HistoryColumns)  # the history, column by column
    curves: LiveCurves | None = None  # the loss / verdict figure
    bars: LiveBars | None = None  # the classifier's samples-per-class figure
    monitor: Monitor | None = None  # collapse measures (coverage, class shares); also read by /metrics
    quality_reads: int = 0  # the classifier reading last drawn (Quality.reads)
    quality_visible: bool | None = None  # whether the quality image is shown (None: not yet set)
    explain_t: float = 0.0  # when the formula panel was last sent
    pause_label: str | None = None  # the pause button's label last sent

    def close(self) -> None:
        """Free the live figures and delete the frame files. They stay referenced, closed: an update
        still drawing the released run then fails, instead of making new ones that nobody closes."""
        for drawn in (self.curves, self.bars, self.frames):
            if drawn is not None:
                drawn.close()


@dataclass
class Run:
    """One browser session's training: the session object, its thread and display state."""

    session: TrainingSession
    thread: threading.Thread | None = None
    created: float = field(default_factory=time.time)
    view: RunView = field(default_factory=RunView)  # what the tab last drew (to skip redraws)

    @property
    def active(self) -> bool:
        """True while the background thread is training (or paused inside run())."""
        return self.thread is not None and self.thread.is_alive()


class SessionStore:
    """Runs and saved generators of each browser session, with a limit on concurrent trainings."""

    def __init__(self, max_runs: int = 4, root: str | Path = "runs/app"):
        self.max_runs = max_runs
        self.root = Path(root)
        self._lock = threading.Lock()
        self._runs: dict[str, Run] = {}
        self._saved: dict[str, dict[str, Path]] = {}
        self._datasets: dict[tuple, Dataset] = {}  # read-only data shared between sessions

    # -- runs ------------------------------------------------------------------------------
    def get(self, sid: str) -> Run | None:
        """This session's run, if any."""
        with self._lock:
            return self._runs.get(sid)

    def dataset(self, config: TrainConfig) -> Dataset:
        """Load (once per server) the dataset a config names."""
        key = (config.dataset, config.data_dir, config.image_size, config.seed, config.limit)
        with self._lock:
            cached = self._datasets.get(key)
        if cached is None:
            cached = load_dataset(config.dataset, config.data_dir, config.image_size, seed=config.seed,
                                  limit=config.limit)
            with self._lock:
                self._datasets[key] = cached
        return cached

    def create(self, sid: str, config: TrainConfig) -> Run:
        """Build a new TrainingSession for this browser session, replacing (stopping) its old one."""
        self.release(sid, keep_saved=True)
        run = Run(TrainingSession(config, dataset=self.dataset(config)))
        with self._lock:
            self._runs[sid] = run
        return run

    def active_count(self) -> int:
        """How many runs are training right now, over all sessions."""
        with self._lock:
            return sum(r.active for r in self._runs.values())

    def start(self, sid: str) -> Run:
        """Start (or resume) training this session's run in a background thread."""
        run = self.get(sid)
        if run is None:
            raise KeyError("no run")
        if run.active:
            run.session.resume()
            return run
        if self.active_count() >= self.max_runs:
            raise ServerBusy(f"The server is busy: {self.max_runs} trainings are already running "
                             "(the limit set with --max-runs). Try again when one finishes.")
        run.session.resume()

        def work() -> None:
            for _ in run.session.run():
                pass

        run.thread = threading.Thread(target=work, name=f"train-{sid[:8]}", daemon=True)
        run.thread.start()
        return run

    def release(self, sid: str, keep_saved: bool = False) -> None:
        """Stop and forget this session's run (tab closed, Reset, or a new run)."""
        with self._lock:
            run = self._runs.pop(sid, None)
            if not keep_saved:
                self._saved.pop(sid, None)
        if run is not None:
            run.session.stop("reset")
            if run.thread is not None:
                run.thread.join(timeout=10)
            run.view.close()  # live figures (curves, bars) hold matplotlib memory

    def save_dir(self, sid: str) -> Path:
        """Where this session's checkpoints go."""
        return self.root / sid[:12]

    # -- saved generators (the Playground lists them) --------------------------------------
    def saved_models(self, session_hash: str) -> dict[str, Path]:
        """Generators this browser session saved from the Train tab: name -> checkpoint folder."""
        with self._lock:
            return dict(self._saved.get(session_hash, {}))

    def add_saved_model(self, session_hash: str, name: str, path: Path) -> None:
        """Record a generator saved by this session (the Playground lists it at once)."""
        with self._lock:
            self._saved.setdefault(session_hash, {})[name] = Path(path)
