"""Upscale tab: SRGAN makes a picture 4× larger; low-res (nearest) | bicubic | SRGAN side by side.

Layout first, then the event wiring; the work happens in plain methods of ``UpscaleTab`` that tests
call without a browser. The named endpoint ``upscale`` takes an image and returns it 4× larger.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from gradio.context import Context

from ganlab.data.paired import OPENMOJI_CREDIT
from ganlab.explore.sketch import realness_overlay
from ganlab.explore.upscale import (
    DEFAULT_CHECKPOINT,
    MAX_FILE_BYTES,
    MAX_SIDE,
    Upscaled,
    UpscaleError,
    UpscaleModel,
    check_size,
    to_rgb,
)
from ganlab.images import grid
from ganlab.models.srgan import bicubic_down
from ganlab.server.store import SessionStore
from ganlab.ui.context import TabContext
from ganlab.ui.gradio_fixes.inputs import unopened_image
from ganlab.ui.gradio_fixes.outputs import shown_image
from ganlab.ui.lazy import LazyModel

DISPLAY = 256  # small results are shown enlarged (nearest) to about this size; the API returns 4× exactly
# The tab: its title, its id (a lesson link's tab=), its docs page and what to try first (see ui/context.py)
LABEL, ID, DOCS = "Upscale", "upscale", "docs/models/srgan.md"
INTRO = ("Pick an example emoji (or **Use my last Sketch-tab picture**): low-res | bicubic | SRGAN, "
         "side by side.\n"
         "Compare the zoomed crops, and tick the realness overlay to see where D thinks it looks made up.")
HELP = (f"Upload a **small** picture (up to {MAX_SIDE} px; an emoji at 32×32 is ideal) or pick an example. SRGAN "
         "makes it **4× larger**: compare what the low-res picture really holds (big square pixels), the "
         "usual bicubic smoothing, and SRGAN's guess at the missing detail. It learned from ~1,450 OpenMoji "
         "emojis shrunk 4× (the examples below were never trained on).")
REALNESS_TEXT = ("**Realness overlay:** the discriminator judges every patch of the SRGAN picture; green patches "
                 "look like pieces of real full-size emojis to it, red ones look made up or blurry.")
ZOOM_TEXT = "Zoomed centre (same region of each, pixels enlarged): low-res | bicubic | SRGAN."


class UpscaleTab:
    """The tab's logic: one compiled model per process, loaded once on first use."""

    def __init__(self, checkpoint: str = DEFAULT_CHECKPOINT, sketch: Any = None):
        self.checkpoint = checkpoint
        self.sketch = sketch  # the Sketch tab's SketchTab, for "use my Sketch picture"
        self.loader: LazyModel[UpscaleModel] = LazyModel(lambda: UpscaleModel.load(self.checkpoint), "SRGAN model")
        self.first_example: np.ndarray | None = None  # shown when the tab first opens with nothing uploaded

    def model(self) -> UpscaleModel | None:
        """The loaded model, or None (``self.loader.error`` says why) when it cannot be loaded."""
        return self.loader.get()

    # -- handlers (plain functions) ---------------------------------------------------------
    def run(self, image: Any, shrink: bool = False) -> tuple[Upscaled, str]:
        """Check the input (optionally shrink it 4× first, as in training) and upscale it."""
        model = self.model()
        if model is None:
            raise UpscaleError(self.loader.error)
        rgb = to_rgb(image)
        note = ""
        if shrink:
            h, w = rgb.shape[:2]
            if h < 16 or w < 16:
                raise UpscaleError(f"The picture is {w}×{h}: too small to shrink 4× first. Untick 'shrink'.")
            rgb = bicubic_down(rgb[None, : h // 4 * 4, : w // 4 * 4])[0]
            note = f"Your {w}×{h} picture was shrunk 4× (bicubic, as in training) to {rgb.shape[1]}×{rgb.shape[0]}. "
        check_size(rgb)
        result = model(rgb)
        h, w = result.low_res.shape[:2]
        return result, note + f"{w}×{h} → {4 * w}×{4 * h}."

    def render(self, image: Any, overlay: bool = False, shrink: bool = False) -> tuple:
        """Any upload -> (nearest, bicubic, SRGAN, zoom strip, message) for display."""
        if image is None:
            return None, None, None, None, ""
        try:
            result, message = self.run(image, shrink)
        except UpscaleError as e:
            return None, None, None, None, f"**{e}**"
        sr = result.srgan
        if overlay:
            sr = realness_overlay(sr, self.model().realness(result.srgan))
        big = [enlarge(im) for im in (result.nearest, result.bicubic, sr)]
        return (*big, zoom_strip([result.nearest, result.bicubic, result.srgan]), message)

    def from_sketch(self, sketch: np.ndarray | None, overlay: bool = False) -> tuple:
        """The Sketch tab's last picture (128²), shrunk 4× to 32² and upscaled back."""
        if sketch is None:
            return None, None, None, None, "Make a picture in the **Sketch** tab first, then press this button."
        model = self.sketch.model() if self.sketch is not None else None
        if model is None:
            return None, None, None, None, "The sketch model is not available."
        picture = model.generate(np.asarray(sketch, np.uint8))
        out = self.render(picture, overlay, shrink=True)
        return (*out[:4], "Your Sketch-tab picture, shrunk 4× and upscaled back. " + out[4])

    def first_look(self, image: Any, shown: bool) -> tuple:
        """On opening the tab: put the first held-out example in the upload box (its change event then
        draws the three pictures) the first time, unless the student already uploaded one."""
        if shown or image is not None or self.first_example is None:
            return gr.skip(), True
        return self.first_example, True

    def upscale_api(self, image: Any) -> np.ndarray:
        """The ``upscale`` endpoint: an image (at most MAX_SIDE px a side) in, the 4× SRGAN image out."""
        if image is None:
            raise gr.Error(f"No image: send a picture of at most {MAX_SIDE}×{MAX_SIDE} pixels.")
        try:
            return self.run(image)[0].srgan
        except UpscaleError as e:
            raise gr.Error(str(e)) from None


def enlarge(image: np.ndarray, target: int = DISPLAY) -> np.ndarray:
    """Nearest-neighbour enlargement by a whole factor so the longer side nears ``target`` (never shrinks)."""
    factor = max(1, target // max(image.shape[:2]))
    return np.repeat(np.repeat(image, factor, 0), factor, 1) if factor > 1 else image


def zoom_strip(images: list[np.ndarray], frac: float = 0.375, target: int = 192) -> np.ndarray:
    """The same centre crop (``frac`` of each side) of same-sized images, enlarged, side by side."""
    h, w = images[0].shape[:2]
    ch, cw = max(1, int(h * frac)), max(1, int(w * frac))
    y, x = (h - ch) // 2, (w - cw) // 2
    crops = np.stack([enlarge(im[y : y + ch, x : x + cw], target) for im in images])
    return grid(crops, cols=len(images), pad=4, pad_value=255)


def example_files(folder: Path, count: int = 8) -> list[str]:
    """32² low-res PNGs of held-out OpenMoji emojis (BICUBIC ÷4 of the 128² colour emoji)."""
    from PIL import Image

    paths = []
    try:
        from ganlab.data.paired import is_test_name, load_openmoji_arrays

        arrays = load_openmoji_arrays(size=128, keys=("photo", "hexcode"))
        picks = [i for i, h in enumerate(arrays["hexcode"]) if is_test_name(str(h))][:: 7][:count]
        low = bicubic_down(arrays["photo"][picks])
        for i, im in zip(picks, low):
            path = folder / f"emoji-{arrays['hexcode'][i]}-32px.png"
            Image.fromarray(im).save(path)
            paths.append(str(path))
    except Exception:  # no data folder: no examples
        pass
    return paths


def lay_out(store: SessionStore | None = None, checkpoint: str = DEFAULT_CHECKPOINT,
          sketch: Any = None) -> UpscaleTab:
    """Lay out the Upscale tab inside the current Blocks and wire its events; ``sketch`` is the Sketch
    tab's SketchTab (its ``last_state`` holds the last sketch, for the "use my Sketch picture" button)."""
    del store  # the shipped model is shared; nothing per browser session to keep
    tab = UpscaleTab(checkpoint, sketch)
    opened = Context.block  # the gr.Tab this is built in, if any: it shows an example when first opened
    sketch_state = getattr(sketch, "last_state", None)
    tab.loader.warm_up()  # load and compile now, so the first request is answered quickly
    gr.Markdown(HELP)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=240):
            upload = unopened_image(label=f"Picture to upscale (at most {MAX_SIDE}×{MAX_SIDE})",
                                    sources=("upload", "clipboard"), height=240, elem_id="upscale-upload",
                                    max_bytes=MAX_FILE_BYTES)  # checked by explore.upscale before decoding
            shrink = gr.Checkbox(label="Shrink it 4× first (for a full-size picture: see how much SRGAN recovers)",
                                 value=False)
            overlay = gr.Checkbox(label="Show realness overlay on the SRGAN picture", value=False)
            if sketch_state is not None:
                from_sketch = gr.Button("Use my last Sketch-tab picture", elem_id="upscale-from-sketch")
            message = gr.Markdown("", elem_id="upscale-message")
        with gr.Column(scale=3, min_width=480):
            with gr.Row():
                nearest = shown_image(label="Low-res (its real pixels)", type="numpy", interactive=False,
                                      format="png", height=280, elem_id="upscale-nearest")
                bicubic = shown_image(label="Bicubic ×4", type="numpy", interactive=False, format="png",
                                      height=280, elem_id="upscale-bicubic")
                srgan = shown_image(label="SRGAN ×4", type="numpy", interactive=False, format="png",
                                    height=280, elem_id="upscale-output")
            zoom = shown_image(label=ZOOM_TEXT, type="numpy", interactive=False, format="png", height=240,
                               elem_id="upscale-zoom")
            gr.Markdown(REALNESS_TEXT)
    with tempfile.TemporaryDirectory(prefix="ganlab-upscale-") as tmp:
        files = example_files(Path(tmp))
        if files:
            tab.first_example = to_rgb(files[0])
            gr.Examples(examples=[[f] for f in files], inputs=[upload],
                        label="Held-out emojis at 32×32 (never trained on): click one", examples_per_page=8)
    gr.Markdown(f"Training data and examples: {OPENMOJI_CREDIT} (https://openmoji.org).")
    api_button = gr.Button(visible=False)

    # -- events ----------------------------------------------------------------------------
    outputs = [nearest, bicubic, srgan, zoom, message]
    for event in (upload.change, overlay.change, shrink.change):
        event(tab.render, [upload, overlay, shrink], outputs, show_progress="hidden", api_visibility="private")
    api_button.click(tab.upscale_api, upload, srgan, api_name="upscale")
    if sketch_state is not None:
        from_sketch.click(tab.from_sketch, [sketch_state, overlay], outputs, api_visibility="private")
    if isinstance(opened, gr.Tab) and tab.first_example is not None:  # per browser session, on first opening
        shown = gr.State(False)
        opened.select(tab.first_look, [upload, shown], [upload, shown], api_visibility="private",
                      show_progress="hidden")
    return tab


def build(ctx: TabContext) -> None:
    """The Upscale tab in the app, after the Sketch tab (its "use my Sketch picture" button)."""
    lay_out(ctx.store, sketch=ctx.shared.get("sketch"))
