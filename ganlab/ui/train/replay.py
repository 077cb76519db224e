"""The Train tab's "Open a recorded run" panel: a shipped model that has snapshots, or a run zip (what Save
gives), shown as its whole curves and a step slider that scrubs its samples / 2D view through training,
the curves' cursor following. A teacher shows a long GPU run on a laptop, offline, without training it.

The zip's checks and reading are in ganlab.train.replay (size first, then names, links, sizes; only the
run's card, history and snapshots are unpacked, into this session's upload area, deleted at once); the
pictures are drawn by ganlab.ui.train.replay_pictures. Here only widgets and handlers.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from typing import Any

import gradio as gr
import numpy as np

from ganlab.checkpoints import CheckpointError
from ganlab.data import DataError
from ganlab.data.uploads import MAX_UPLOAD_BYTES, remove_tree
from ganlab.server.store import SessionStore
from ganlab.train.replay import RecordedRun, open_run, open_run_zip, recorded_shipped
from ganlab.ui.request import session_id
from ganlab.ui.train.replay_pictures import Curves, curves_picture, frame_picture, with_cursor

STATE_TTL_S = 3600  # a replay opened in a browser session is dropped an hour after its last use
HELP = ("Replay a run trained earlier — at home, or on a GPU — without training it here: pick a shipped model "
        "recorded with `python -m ganlab record`, or upload a run zip (the **Save** button's download, up to "
        f"{MAX_UPLOAD_BYTES // 2**20} MB). Then drag the step slider: the samples (or the 2D view) change as "
        "they did during training, and the orange line on the curves shows where you are.")


@dataclass
class Replay:
    """One opened run, as a browser session keeps it: the run and its curves drawn once."""

    run: RecordedRun
    curves: Curves


def _picture(snaps: Any, index: int) -> np.ndarray:
    """A frame as the panel shows it: a sample grid enlarged to about 640 px, a 2D view as the live one."""
    return frame_picture(snaps, index, size=640 if snaps.kind == "image" else 420)



class ReplayPanel:
    """Handlers bound to one SessionStore; shipped runs are read once and shared (read-only)."""

    def __init__(self, store: SessionStore):
        self.store = store
        self._shipped: dict[str, Replay] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _replay(run: RecordedRun) -> Replay:
        return Replay(run, curves_picture(run.history, str(run.card.get("loss") or "non_saturating")))

    def _show(self, replay: Replay) -> tuple:
        """The outputs of an opened run: state, curves, first picture, the slider set to its steps, a message."""
        run, snaps = replay.run, replay.run.snapshots
        name = run.card.get("model", "?")
        what = (f"**{run.name}**: {name} on {run.card.get('dataset', '?')}, {run.last_step:,} steps, "
                f"{len(run.history):,} rows of curves")
        if not len(snaps):
            return (replay, with_cursor(replay.curves, run.last_step), None, gr.Slider(visible=False),
                    what + ". It has **no snapshots** (saved before ganlab kept them): only its curves.")
        first, last = snaps.steps[0], snaps.steps[-1]
        slider = gr.Slider(minimum=first, maximum=last, value=last, step=1, visible=True, interactive=True)
        return (replay, with_cursor(replay.curves, last), _picture(snaps, len(snaps) - 1), slider,
                what + f"; {len(snaps)} snapshots, one every {snaps.every:,} steps. Drag the slider.")

    def open_shipped(self, name: str | None) -> tuple:
        """Open a shipped model's recorded run (read once per server)."""
        if not name:
            return (gr.skip(),) * 4 + ("",)
        if name not in recorded_shipped():
            gr.Warning(f"{name!r} is not a shipped model with snapshots.")
            return (gr.skip(),) * 4 + (f"**Not opened:** {name!r} is not a shipped model with snapshots.",)
        with self._lock:
            if name not in self._shipped:
                try:
                    self._shipped[name] = self._replay(open_run(name))
                except (CheckpointError, DataError) as e:
                    gr.Warning(str(e))
                    return (gr.skip(),) * 4 + (f"**Not opened:** {e}",)
            replay = self._shipped[name]
        return self._show(replay)

    def open_zip(self, file: Any, request: gr.Request) -> tuple:
        """Check and read an uploaded run zip (in this session's upload area, deleted at once)."""
        path = str(getattr(file, "name", file)) if file else ""
        if not path:
            return (gr.skip(),) * 4 + ("",)
        work = self.store.uploads.folder(session_id(request))
        try:
            if not path.lower().endswith(".zip"):
                raise DataError(f"{os.path.basename(path)!r} is not a .zip: upload the zip the Save button gives.")
            replay = self._replay(open_run_zip(path, work))
        except DataError as e:
            gr.Warning(str(e))
            return (gr.skip(),) * 4 + (f"**Run zip refused:** {e}",)
        finally:  # what the run needs is in memory now: the unpacked files and Gradio's copy go
            remove_tree(work)
            with contextlib.suppress(OSError):
                os.remove(path)
        return self._show(replay)

    @staticmethod
    def frame(replay: Replay | None, step: float | None) -> tuple[np.ndarray | Any, np.ndarray | Any, str]:
        """The picture of the snapshot at (or just before) ``step``, the curves' cursor there, and a caption."""
        if replay is None or not len(replay.run.snapshots) or step is None:
            return gr.skip(), gr.skip(), ""
        snaps = replay.run.snapshots
        i = snaps.nearest(int(step))
        shown = snaps.steps[i]
        return (_picture(snaps, i), with_cursor(replay.curves, shown),
                f"Step **{shown:,}** of {replay.run.last_step:,} (snapshot {i + 1} of {len(snaps)})")


def build(store: SessionStore) -> ReplayPanel:
    """Lay out the accordion (inside the current column) and wire its events."""
    panel = ReplayPanel(store)
    picture = dict(type="numpy", interactive=False, buttons=[], format="png")
    with gr.Accordion("Open a recorded run", open=False, elem_id="replay-panel"):
        gr.Markdown(HELP)
        with gr.Row():
            shipped = gr.Dropdown(recorded_shipped(), value=None, label="A shipped model with snapshots",
                                  elem_id="replay-shipped")
            upload = gr.File(label="…or a run zip", file_types=[".zip"], file_count="single", height=120,
                             elem_id="replay-upload")
        message = gr.Markdown(elem_id="replay-message")
        curves = gr.Image(label="The whole run: losses and D's verdicts (orange: the step shown)",
                          elem_id="replay-curves", height=260, **picture)
        slider = gr.Slider(0, 1, value=0, step=1, label="Step", visible=False, elem_id="replay-step")
        caption = gr.Markdown(elem_id="replay-caption")
        view = gr.Image(label="Samples / 2D view at this step", elem_id="replay-view", height=420, **picture)
        state = gr.State(None, time_to_live=STATE_TTL_S)
    opened = [state, curves, view, slider, message]
    shipped.change(panel.open_shipped, shipped, opened, api_name="replay_open")
    upload.upload(panel.open_zip, upload, opened, api_name="replay_open_zip", concurrency_limit=2)
    slider.change(panel.frame, [state, slider], [view, curves, caption], api_name="replay_frame",
                  show_progress="hidden", trigger_mode="always_last")
    return panel
