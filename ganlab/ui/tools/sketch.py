"""Sketch tab: draw black lines on a canvas (or upload a sketch) and a pix2pix U-Net colours it in.

Layout first, then the event wiring; the work happens in plain functions (``SketchTab.render``
and friends) that tests call without a browser. The named endpoint ``sketch`` takes an image and
returns the generated 128×128 image.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from ganlab.data.paired import OPENMOJI_CREDIT
from ganlab.explore.sketch import (
    DEFAULT_CHECKPOINT,
    MAX_FILE_BYTES,
    SketchError,
    SketchModel,
    preprocess,
    realness_overlay,
    simple_drawings,
)
from ganlab.server.store import SessionStore
from ganlab.ui.context import TabContext
from ganlab.ui.gradio_fixes.inputs import brush_ready, unopened_image
from ganlab.ui.gradio_fixes.outputs import shown_image
from ganlab.ui.lazy import LazyModel

CANVAS = 512  # drawn at 512², shrunk 4× to the model's 128²
BRUSHES = {"thin": 5, "medium": 7, "thick": 10}  # brush radii on the 512² canvas (lines ≈2.5-5 px at 128²)
DISPLAY = 384  # pictures are shown at 3× (smooth upscaling); the API returns the model's 128²
# The tab: its title, its id (a lesson link's tab=), its docs page and what to try first (see ui/context.py)
LABEL, ID, DOCS = "Sketch", "sketch", "docs/models/pix2pix.md"
INTRO = ("Draw a few black strokes (a face, a sun) on the canvas: when a stroke ends, pix2pix paints it.\n"
         "Click an example to see a held-out emoji's line art, and tick *realness* to see D's verdict per patch.")
HELP = ("Draw with the **black brush** (it is ready: just draw). Each time you lift the mouse, a pix2pix "
         "U-Net turns your lines into a colour emoji-like picture. It learned from ~1,400 OpenMoji line "
         "drawings and their colour versions, so faces, animals, food and objects work best.")
REALNESS_TEXT = ("**Realness overlay:** the PatchGAN discriminator judges every 34×34-pixel patch of the "
                 "picture together with your sketch; green patches look like real emoji pieces to it, red "
                 "ones look generated.")
CREDIT = f"Training data and example line art: {OPENMOJI_CREDIT} (https://openmoji.org)."
EXAMPLE_PICKS = ("grinning cat with smiling eyes", "dog face", "tomato", "rocket", "owl", "pineapple")


class SketchTab:
    """The tab's logic: one compiled model per process, loaded once on first use."""

    def __init__(self, checkpoint: str = DEFAULT_CHECKPOINT):
        self.checkpoint = checkpoint
        self.loader: LazyModel[SketchModel] = LazyModel(lambda: SketchModel.load(self.checkpoint), "sketch model")
        self.last_state: gr.State | None = None  # set by build(): the last prepared sketch

    def model(self) -> SketchModel | None:
        """The loaded model, or None (``self.loader.error`` says why) when it cannot be loaded."""
        return self.loader.get()

    # -- handlers (plain functions) ---------------------------------------------------------
    def render(self, image: Any, overlay: bool = False) -> tuple[np.ndarray | None, np.ndarray | None, str, Any]:
        """Any drawing/upload -> (picture, model input, message, prepared sketch for the state)."""
        model = self.model()
        if model is None:
            return None, None, self.loader.error, None
        try:
            prepared = preprocess(image, model.size)
        except SketchError as e:
            return None, None, str(e), None
        if prepared.empty:
            return None, enlarge(prepared.sketch, 2, smooth=False), prepared.message, None
        return (self.rerender(prepared.sketch, overlay), enlarge(prepared.sketch, 2, smooth=False),
                prepared.message, prepared.sketch)

    def rerender(self, sketch: np.ndarray | None, overlay: bool) -> np.ndarray | None:
        """Redraw the picture for the last sketch (overlay switched on or off)."""
        model = self.model()
        if model is None or sketch is None:
            return None
        sketch = np.asarray(sketch, np.uint8)
        picture = model.generate(sketch)
        if overlay:
            picture = realness_overlay(picture, model.realness(sketch, picture))
        return enlarge(picture, DISPLAY // model.size)

    def sketch_api(self, image: np.ndarray | str | None) -> np.ndarray:
        """The ``sketch`` endpoint: image in (any size/colour; a file path is checked before decoding),
        128×128 RGB picture out; a corrupt, oversized or huge image gives a plain message."""
        if image is None:
            raise gr.Error("No image: send a sketch (black lines on white work best).")
        model = self.model()
        if model is None:
            raise gr.Error(self.loader.error)
        try:
            picture, prepared = model(image)
        except SketchError as e:
            raise gr.Error(str(e)) from None
        if prepared.empty:
            raise gr.Error(prepared.message)
        return picture


def enlarge(image: np.ndarray, factor: int, smooth: bool = True) -> np.ndarray:
    """Upscale for display: bicubic for pictures, nearest for the model's input pixels."""
    from PIL import Image

    if factor <= 1:
        return image
    im = Image.fromarray(image)
    method = Image.Resampling.BICUBIC if smooth else Image.Resampling.NEAREST
    return np.asarray(im.resize((im.width * factor, im.height * factor), method))


def canvas_value(image: str) -> dict:
    """An ImageEditor value with the PNG file ``image`` as its background (for examples). A file, not
    its pixels: gr.Examples compares and serialises each value, which is slow for canvas-sized arrays."""
    return {"background": image, "layers": [], "composite": image}


def example_files(folder: Path, count: int = 6) -> list[str]:
    """PNG example sketches: held-out OpenMoji line art (when the data is there) + simple drawings."""
    from PIL import Image

    paths = []
    try:
        from ganlab.data.paired import is_test_name, load_openmoji_arrays

        arrays = load_openmoji_arrays(size=128, keys=("sketch", "hexcode", "annotation"))
        wanted = {name: i for i, name in enumerate(arrays["annotation"]) if is_test_name(str(arrays["hexcode"][i]))}
        picks = [wanted[n] for n in EXAMPLE_PICKS if n in wanted][:count]
        picks += [i for i in wanted.values() if i not in picks][: count - len(picks)]
        for i in picks:
            big = Image.fromarray(arrays["sketch"][i]).resize((CANVAS, CANVAS), Image.Resampling.BICUBIC)
            path = folder / f"openmoji-{arrays['hexcode'][i]}.png"
            big.save(path)
            paths.append(str(path))
    except Exception:  # no data folder: only the hand-made drawings
        pass
    for name, image in simple_drawings(CANVAS).items():
        path = folder / f"drawing-{name}.png"
        Image.fromarray(image).save(path)
        paths.append(str(path))
    return paths


def lay_out(store: SessionStore | None = None, checkpoint: str = DEFAULT_CHECKPOINT) -> SketchTab:
    """Lay out the Sketch tab inside the current Blocks and wire its events."""
    del store  # the shipped model is shared; nothing per browser session to keep
    tab = SketchTab(checkpoint)
    tab.loader.warm_up()  # load and compile now, so the first request is answered quickly
    brush = gr.Brush(default_size=BRUSHES["medium"], colors=["#000000"], color_mode="fixed")

    gr.Markdown(HELP)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=360):
            canvas = gr.Sketchpad(
                label="Your sketch", type="numpy", image_mode="RGB", canvas_size=(CANVAS, CANVAS),
                fixed_canvas=True, brush=brush, eraser=gr.Eraser(default_size=16), layers=False,
                transforms=(), height=560, elem_id="sketch-canvas")
            with gr.Row():
                width = gr.Radio(list(BRUSHES), value="medium", label="Brush width", scale=2)
                make = gr.Button("Make picture", variant="primary", scale=1, elem_id="sketch-make")
            gr.Markdown("Undo, redo, eraser and clear (bin) are in the canvas toolbar.")
        with gr.Column(scale=2, min_width=280):
            picture = shown_image(label="pix2pix picture", type="numpy", interactive=False, height=400,
                                  format="png", elem_id="sketch-output")
            message = gr.Markdown("", elem_id="sketch-message")
            overlay = gr.Checkbox(label="Show realness overlay", value=False)
            gr.Markdown(REALNESS_TEXT)
            model_input = shown_image(label="What the model sees (128×128)", type="numpy", interactive=False,
                                      height=200, format="png", image_mode="L")
    with gr.Accordion("Upload a sketch instead (any size or colour)", open=False):
        upload = unopened_image(label="Sketch to colour in", sources=("upload", "clipboard"), height=240,
                                elem_id="sketch-upload", max_bytes=MAX_FILE_BYTES)
    last = gr.State(None)
    with tempfile.TemporaryDirectory(prefix="ganlab-sketch-") as tmp:
        files = example_files(Path(tmp))
        examples = gr.Examples(examples=[[canvas_value(f)] for f in files], inputs=[canvas],
                               label="Examples: click one to see its picture, then draw on it",
                               examples_per_page=12)
    gr.Markdown(CREDIT)
    brush_ready("sketch-canvas")

    # -- events ----------------------------------------------------------------------------
    outputs = [picture, model_input, message, last]
    canvas.change(tab.render, [canvas, overlay], outputs, trigger_mode="always_last", show_progress="hidden",
                  api_visibility="private")
    make.click(tab.render, [canvas, overlay], outputs, api_visibility="private")
    # an example lands on the canvas without a stroke: colour it in at once
    examples.load_input_event.then(tab.render, [canvas, overlay], outputs, show_progress="hidden",
                                   api_visibility="private")
    overlay.change(tab.rerender, [last, overlay], picture, show_progress="hidden", api_visibility="private")
    upload.upload(tab.sketch_api, upload, picture, api_name="sketch").then(
        tab.render, [upload, overlay], outputs, show_progress="hidden", api_visibility="private")
    width.change(lambda w: gr.update(brush=gr.Brush(default_size=BRUSHES[w], colors=["#000000"],
                                                    color_mode="fixed")),
                 width, canvas, api_visibility="private")
    tab.last_state = last  # the Upscale tab reads the last sketch from it
    return tab


def build(ctx: TabContext) -> None:
    """The Sketch tab in the app (the Upscale tab reads its last picture)."""
    ctx.shared["sketch"] = lay_out(ctx.store)
