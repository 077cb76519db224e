"""The InfoGAN panel's "Start from a picture": project a drawing or an upload into an InfoGAN — the
noise z, the category and the continuous codes are searched — show target | projection | difference
with the honest closeness report, and put the found category and codes on the panel's controls (the
found z stays under them while the model and seed are unchanged), so the student moves the codes
from *their* picture.

Logic: ``ganlab.explore.project`` (tested without the UI). The scripted way is the Playground's
``project`` endpoint, which takes InfoGAN checkpoints too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import gradio as gr
import numpy as np

from ganlab.checkpoints import CheckpointError, resolve
from ganlab.explore.infogan import category_names, code_meanings
from ganlab.explore.project import Projection, ProjectionError, Projector, load_projector, prepare_target
from ganlab.ui.gradio_fixes.inputs import brush_ready, unopened_image
from ganlab.ui.gradio_fixes.outputs import shown_image
from ganlab.ui.playground.projection import CANVAS, report

MAX_PROJECTORS = 2
SEARCH = "search all categories"
INTRO = ("**Start from a picture.** Draw a digit (the brush is ready) or upload one: G's noise z, its "
         "category and its two codes are searched for the picture closest to yours (a few seconds). The "
         "found category and codes go on the controls above and the found z stays under them (until you "
         "change the model or the seed), so you can move code 1 or 2 from *your* digit.")


def origin_z(origin: Any, checkpoint: Any, seed: Any, latent_dim: int) -> np.ndarray | None:
    """The projected z the panel draws from, while its checkpoint and seed are unchanged (else None)."""
    if not isinstance(origin, dict) or origin.get("checkpoint") != checkpoint:
        return None
    try:
        if origin.get("seed") != int(seed or 0):
            return None
    except (TypeError, ValueError):
        return None
    z = np.asarray(origin.get("z", ()), np.float32)
    return z if z.shape == (latent_dim,) else None


def infogan_report(p: Projection, card: dict) -> str:
    """The closeness report with the category and codes found (markdown)."""
    names = category_names(card, int(p.label or 0) + 1)
    meanings = code_meanings(card, len(p.codes) if p.codes is not None else 0)
    codes = ", ".join(f"code {j + 1} ({m}) **{v:+.2f}**" for j, (v, m) in enumerate(zip(p.codes, meanings)))
    return f"Found **{names[int(p.label)]}**; {codes}.\n\n{report(p)}"


class InfoGANProjector:
    """Projectors of InfoGAN checkpoints (a few kept compiled) and the panel's handler."""

    def __init__(self) -> None:
        self._projectors: OrderedDict[str, Projector] = OrderedDict()
        self._lock = threading.Lock()

    def projector(self, checkpoint: str) -> Projector:
        """The compiled projector of an InfoGAN checkpoint (a shipped name or a saved folder)."""
        with self._lock:
            if checkpoint not in self._projectors:
                self._projectors[checkpoint] = load_projector(resolve(checkpoint))
                while len(self._projectors) > MAX_PROJECTORS:
                    self._projectors.popitem(last=False)
            self._projectors.move_to_end(checkpoint)
            return self._projectors[checkpoint]

    def project(self, checkpoint, seed, image, category, progress=gr.Progress()):  # noqa: B008 - Gradio's bar
        """UI: project, report, and put the category, the codes and the z on the panel."""
        if not checkpoint:
            raise gr.Error("Pick an InfoGAN model first.")
        label = None if category in (None, "", SEARCH) else int(category)
        try:
            projector = self.projector(checkpoint)
            target = prepare_target(image, projector.shape, digits=projector.digits)
            p = projector(target, label=label, progress=lambda f, text: progress(f, desc=text))
            card = projector.card
        except (ProjectionError, CheckpointError, ValueError, OSError) as e:
            raise gr.Error(str(e)) from None
        origin = {"checkpoint": checkpoint, "seed": int(seed or 0), "z": [float(x) for x in p.z]}
        c1, c2 = (float(p.codes[j]) if p.codes is not None and j < len(p.codes) else 0.0 for j in (0, 1))
        return p.triptych(), infogan_report(p, card), origin, int(p.label), round(c1, 1), round(c2, 1)


def build(model: Any, category: Any, c1: Any, c2: Any, seed: Any, origin: Any, redraw: dict) -> None:
    """Lay out the accordion (inside the InfoGAN panel) and wire it; ``redraw``: the panel's view event."""
    handler = InfoGANProjector()
    with gr.Accordion("Start from a picture: which category and codes draw it?", open=False,
                      elem_id="ig-project"):
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                canvas = gr.Sketchpad(label="Draw", type="numpy", image_mode="RGBA", canvas_size=(CANVAS, CANVAS),
                                      fixed_canvas=True, layers=False, transforms=(), elem_id="ig-project-canvas",
                                      brush=gr.Brush(default_size=18, colors=["#000000"], color_mode="fixed"))
                upload = unopened_image(label="…or upload a picture", sources=("upload", "clipboard"), height=160,
                                        elem_id="ig-project-upload")  # checked before decoding
            with gr.Column(scale=4, min_width=340):
                with gr.Row():
                    fixed = gr.Dropdown([SEARCH, *range(10)], value=SEARCH, label="Category (or search them all)",
                                        elem_id="ig-project-category", scale=2)
                    go = gr.Button("Project my drawing", variant="primary", elem_id="ig-project-go", scale=1)
                triptych = shown_image(label="your picture | G's closest | difference", interactive=False,
                                       elem_id="ig-project-result", height=240)
                text = gr.Markdown(elem_id="ig-project-report")
        brush_ready("ig-project-canvas")
    heavy = {"concurrency_limit": 1, "concurrency_id": "ganlab-project"}  # one projection at a time per server
    for source, event, what in ((canvas, go.click, "drawing"), (upload, upload.upload, "upload")):
        event(handler.project, [model, seed, source, fixed], [triptych, text, origin, category, c1, c2],
              api_name=f"infogan_project_{what}", api_visibility="private", **heavy).then(
            api_name=f"infogan_projected_{what}", **redraw)  # named: the Playground's public one is "project"
    for control in (model, seed):  # a new model or seed starts afresh
        control.change(lambda: None, None, origin, queue=False, api_visibility="private")
