"""Works around Gradio 6.31's gr.Image decoding an upload before the handler can check its size and kind;
remove when Gradio can hand a handler the uploaded file unopened (so ganlab's own checks run first)."""

from __future__ import annotations

import base64
import functools
import tempfile
import types
from pathlib import Path
from typing import Any

import gradio as gr


def unopened_image(max_bytes: int = 20 * 2**20, **kwargs: Any) -> gr.Image:
    """A gr.Image input (type="filepath") whose handler gets the uploaded file's path unopened.

    gr.Image opens (and may decode) every upload before the handler runs, so a corrupt file gets
    Gradio's generic error and a huge one costs its full size in memory; here the handler
    (explore.sketch, explore.upscale) checks size and pixel count first. (An instance override,
    not a subclass: Gradio writes a .pyi file beside any module that subclasses a component.)
    """
    image = gr.Image(type="filepath", image_mode=None, **kwargs)
    image.preprocess = types.MethodType(functools.partial(_path_unopened, max_bytes=max_bytes), image)
    return image


def _path_unopened(self: gr.Image, payload: Any, max_bytes: int) -> str | None:
    """The uploaded file's path (a pasted data URL is written to a file first, size-checked)."""
    if payload is None:
        return None
    if payload.url and payload.url.startswith("data:"):
        encoded = payload.url.partition(",")[2]
        if len(encoded) * 3 // 4 > max_bytes:
            raise gr.Error(f"The image is over {max_bytes // 2**20} MB; send a smaller picture.")
        try:
            raw = base64.b64decode(encoded)
        except (ValueError, TypeError):
            raise gr.Error("The pasted image could not be read (bad data URL).") from None
        path = Path(tempfile.mkdtemp(dir=self.GRADIO_CACHE)) / "pasted-image"
        path.write_bytes(raw)
        return str(path)
    if payload.path is None:
        raise gr.Error("No image file was received.")
    return str(payload.path)


# Gradio's Sketchpad opens with no tool selected ("select the draw tool to start"): select the brush
# whenever that prompt shows (on open, after clearing), so a student can draw at once.
_BRUSH_READY_JS = """
const pick = () => {
  const canvas = document.querySelector('#CANVAS_ID');
  if (!canvas || !canvas.offsetParent) return;
  const prompt = [...canvas.querySelectorAll('*')].some(
    (e) => e.childElementCount === 0 && /select the draw tool/i.test(e.textContent || ''));
  const brush = canvas.querySelector('button[aria-label="Brush"]');
  if (prompt && brush) brush.click();
};
setInterval(pick, 600);
"""


def brush_ready(canvas_id: str) -> gr.HTML:
    """An invisible element whose script keeps the brush of the Sketchpad ``#canvas_id`` selected."""
    return gr.HTML("", js_on_load=_BRUSH_READY_JS.replace("CANVAS_ID", canvas_id),
                   elem_id=f"{canvas_id}-brush-ready", padding=False, container=False)
