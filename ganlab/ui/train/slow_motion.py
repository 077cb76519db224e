"""A step in slow motion: one training step of the run's own algorithm shown phase by phase (the batch,
each D update with D's map before and after, G's update with its arrows), GAN Lab's "slow motion".

The numbers come from ganlab.train.slow_motion; the pictures from ui/train/view_2d.py and
ui/train/model_graph.py. The handlers act on the caller's own run only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr
import numpy as np

from ganlab.config import ConfigError
from ganlab.data import DataError
from ganlab.images import grid
from ganlab.train.run import TrainingDiverged, TrainingStopped
from ganlab.train.slow_motion import SlowStep, slow_step
from ganlab.ui.request import session_id
from ganlab.ui.train.form import TrainForm, with_form
from ganlab.ui.train.model_graph import model_graph
from ganlab.ui.train.view_2d import draw_phase

PHASE_NAMES = {"batch": "batch", "d_update": "d", "g_update": "g"}  # phase -> the graph's lit part


def phases_of(slow: SlowStep) -> list[dict[str, Any]]:
    """The phases of a slow step as the pictures need them (each with the heatmap it is drawn on)."""
    first, last = slow.d_updates[0], slow.d_updates[-1]
    out: list[dict[str, Any]] = [{"phase": "batch", "real": [first.real], "fakes": [first.fake],
                                  "heatmap": first.heatmap_before}]
    out += [{"phase": "d_update", "index": u.index, "real": u.real, "fakes": u.fake,
             "heatmap_before": u.heatmap_before, "heatmap_after": u.heatmap_after, "d_loss": u.loss,
             "d_real": u.d_real, "d_fake": u.d_fake} for u in slow.d_updates]
    g = slow.g_update
    out.append({"phase": "g_update", "fakes_before": g.fakes_before, "fakes_after": g.fakes_after,
                "arrows": g.arrows, "g_loss": g.loss, "heatmap": last.heatmap_after})
    return out


def phase_sentence(slow: SlowStep, i: int, ph: dict[str, Any]) -> str:
    """What phase ``i`` (``ph``, of phases_of) of the slow step shows, with its numbers (Markdown)."""
    total, k = slow.k + 2, slow.k
    head = f"**Step {slow.step}, phase {i + 1} of {total}** — "
    if ph["phase"] == "batch":
        n = len(ph["real"][0])
        return head + (f"**the batch**: {n} real examples (green) and {n} fakes G(z) made from fresh noise z "
                       "(purple), on D's current map.")
    if ph["phase"] == "d_update":
        return head + (f"**D update {ph['index'] + 1} of {k}** (left: D's map before, right: after). D's loss "
                       f"{ph['d_loss']:.3f}; on this batch D(x) = {ph['d_real']:.2f}, D(G(z)) = {ph['d_fake']:.2f}. "
                       "D raised its score where the real points are and lowered it on the fakes.")
    push = float(np.sqrt((np.asarray(ph["arrows"], np.float32).reshape(len(ph["arrows"]), -1) ** 2).sum(1)).mean())
    return head + (f"**G's update**: G's loss {ph['g_loss']:.3f}. The arrows are the push −∂ℓ_G/∂x on each fake "
                   f"(mean length {push:.3g}); the fakes moved from the faint dots to the purple ones, toward where "
                   "D says 'real'. Press Start or Step to go on training.")


def phase_picture(slow: SlowStep, ph: dict[str, Any]) -> np.ndarray:
    """The picture of phase ``ph``: a 2D run's views, or an image run's batch / fakes before → after."""
    if slow.extent is not None:
        return draw_phase(ph, slow.extent, slow.heatmap_kind or "probability")
    if ph["phase"] == "batch":
        return grid(np.concatenate([ph["real"][0][:8], ph["fakes"][0][:8]]), cols=8)
    if ph["phase"] == "d_update":
        return grid(np.concatenate([ph["real"][:8], ph["fakes"][:8]]), cols=8)
    return grid(np.concatenate([ph["fakes_before"][:8], ph["fakes_after"][:8]]), cols=8)


class SlowMotion:
    """Handlers of the slow-motion buttons, bound to the Train tab (its store, its per-run display state)."""

    def __init__(self, tab: Any):
        self.tab = tab

    def slow_step(self, form: TrainForm, request: gr.Request):
        """One training step of the run's own algorithm, shown phase by phase (Next phase goes on)."""
        sid = session_id(request)
        try:
            with self.tab.store.control(sid):
                job = self.tab.run_for_step(sid, form)
                slow = slow_step(job.run)
        except (ConfigError, DataError, ValueError, TrainingDiverged, TrainingStopped) as e:
            gr.Warning(str(e))
            return gr.skip(), f"**Cannot step:** {e}", gr.skip(), gr.Button(visible=False)
        display = self.tab.display_of(job)
        display.slow, display.phase = slow, 0
        return self._show_phase(display)

    def next_phase(self, request: gr.Request):
        """The next phase of the slow-motion step (after the last one, the run's normal view)."""
        job = self.tab.store.get(session_id(request))
        display = self.tab.display_of(job) if job is not None else None
        if display is None or display.slow is None:
            return gr.skip(), "Press **Step in slow motion** first.", gr.skip(), gr.Button(visible=False)
        display.phase += 1
        if display.phase >= display.slow.k + 2:
            display.slow, display.drawn = None, None
            try:
                update = self.tab.refresh(request, force=True)
            except RuntimeError:
                if not display.closed:
                    raise
                return gr.skip(), "", gr.skip(), gr.Button(visible=False)  # the run was released meanwhile
            return update.picture, "", update.graph, gr.Button(visible=False)
        return self._show_phase(display)

    def _show_phase(self, display: Any):
        display.show_pictures()  # the page shows the server's picture of the phase, not its canvas
        slow, i = display.slow, display.phase
        ph = phases_of(slow)[i]
        numbers = {"d_real": slow.record.d_real, "d_fake": slow.record.d_fake, "d_loss": slow.record.d_loss,
                   "g_loss": slow.record.g_loss}
        drawn = phase_picture(slow, ph)
        picture = display.frames.write("phase", drawn) if display.frames else drawn
        last = i == slow.k + 1
        return (picture, phase_sentence(slow, i, ph), model_graph(numbers, PHASE_NAMES[ph["phase"]]),
                gr.Button("Back to the live view" if last else "Next phase ▶", visible=True))


def build_controls(picture: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    """The slow-motion buttons right above the picture they change (laid out by ``picture()``) and the
    phase sentence, for the caller to render beside the picture; returns the picture and the controls."""
    with gr.Row(elem_id="train-slow-row"):
        slow = gr.Button("Step in slow motion", size="sm", min_width=120)
        next_phase = gr.Button("Next phase ▶", visible=False, size="sm", variant="primary", min_width=120)
    shown = picture()
    phase = gr.Markdown(elem_id="train-phase", render=False)
    return shown, {"slow": slow, "next": next_phase, "phase": phase}


def wire(handlers: SlowMotion, form: dict[str, Any], form_cls: type, controls: dict[str, Any], graph: Any,
         picture: Any) -> None:
    """Connect Step in slow motion (/slow_step) and Next phase (/next_phase)."""
    phase_out = [picture, controls["phase"], graph, controls["next"]]
    controls["slow"].click(with_form(handlers.slow_step, form_cls), inputs_kwargs=form, outputs=phase_out,
                           api_name="slow_step")
    controls["next"].click(handlers.next_phase, None, phase_out, api_name="next_phase")
