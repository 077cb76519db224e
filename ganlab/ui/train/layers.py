"""The 2D view's layers (which ones a student ticked, kept for their session) and the ``/view_2d`` API.

The numbers come from ganlab.train.views; the pictures from ui/train/view_2d.py. The handlers act on
the caller's own run only.
"""

from __future__ import annotations

import functools
import types
from typing import Any

import gradio as gr

from ganlab.train import views
from ganlab.ui.request import session_id
from ganlab.ui.train.model_graph import model_graph
from ganlab.ui.train.view_2d import DEFAULT_LAYERS, LAYERS, layer_ids


class Layers:
    """Handlers of the 2D view's layer boxes and of /view_2d, bound to the Train tab."""

    def __init__(self, tab: Any):
        self.tab = tab

    def view_2d(self, request: gr.Request) -> dict:
        """The caller's 2D view as numbers: step, extent, heatmap (+ heatmap_kind), real, fakes, arrows
        (−∂ℓ_G/∂x per fake, unscaled), manifold, js, kl ({"status": "none"} without a 2D run)."""
        job = self.tab.store.get(session_id(request))
        if job is None:
            return {"status": "none", "step": 0}
        try:
            return views.view_2d(job.run)
        except ValueError as e:
            return {"status": "not 2d", "step": job.run.step_count, "message": str(e)}

    def set_layers(self, layers: list[str], request: gr.Request):
        """Keep the 2D view's ticked layers for this browser session (its runs to come too) and redraw
        the view with them at once (a paused or finished run has no stream to do it)."""
        chosen = layer_ids(layers or ())
        sid = session_id(request)
        self.tab.store.choose(sid, "layers", chosen)
        job = self.tab.store.get(sid)
        if job is None:
            return gr.skip(), gr.skip()
        display = self.tab.display_of(job)
        display.layers = chosen
        if display.slow is not None:
            return gr.skip(), gr.skip()  # a slow-motion phase is on the screen: the next update draws them
        update = self.tab.refresh(request, force=True)
        return update.picture, update.legend


def _ids_or_labels(box: gr.CheckboxGroup, payload: list[Any], preprocess: Any) -> list[str]:
    """The box's preprocess after turning the layers' display labels (what /layers took before ids) into ids."""
    return preprocess(list(layer_ids(payload or ())))


def build_side() -> dict[str, Any]:
    """The column beside the 2D view: the model graph, the layer checkboxes and their legend."""
    graph = gr.HTML(model_graph(), elem_id="train-graph")
    layers = gr.CheckboxGroup([(label, key) for key, label in LAYERS.items()], value=list(DEFAULT_LAYERS),
                              label="Layers of the 2D view", elem_id="train-layers",
                              info="trails: where the fakes were at the last few updates")
    layers.preprocess = types.MethodType(functools.partial(_ids_or_labels, preprocess=layers.preprocess), layers)
    legend = gr.Markdown(elem_id="train-legend", latex_delimiters=[])
    return {"graph": graph, "layers": layers, "legend": legend}


def wire(handlers: Layers, side: dict[str, Any], picture: Any) -> None:
    """Connect the layer boxes (/layers) and /view_2d."""
    side["layers"].change(handlers.set_layers, side["layers"], [picture, side["legend"]], api_name="layers",
                          show_progress="hidden")
    gr.api(handlers.view_2d, api_name="view_2d")
