"""Works around Gradio 6.31's gr.Image rewriting an existing cached PNG while a browser downloads it;
remove when Gradio writes its cache files atomically (or skips a file that is already there).

gr.Image (Gradio 6.31) saves an array as ``<cache>/<hash of the PNG>/image.png`` with a plain
``write_bytes`` every time, even when that file is already there. When two events make the same
picture (two students at the Playground's default seed; a tab's first drawing and the change event it
sets off), the second write truncates the file while a browser is downloading it: the server logs
"Too much data for declared Content-Length" and the browser shows a broken image. Here the PNG is
written once, under a temporary name and renamed into place; an existing copy is reused.
(An instance override, as in ganlab.ui.gradio_fixes.inputs: Gradio writes a .pyi file beside a subclass's module.)
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import tempfile
import types
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from gradio.data_classes import ImageData
from PIL import Image


def shown_image(**kwargs: Any) -> gr.Image:
    """A gr.Image output (numpy in, PNG out) whose pictures are written to Gradio's cache atomically."""
    kwargs.setdefault("type", "numpy")
    kwargs.setdefault("format", "png")
    image = gr.Image(**kwargs)
    image.postprocess = types.MethodType(functools.partial(_postprocess_atomic, plain=image.postprocess), image)
    return image


def cached_png(picture: np.ndarray | Image.Image, cache_dir: str | os.PathLike) -> Path:
    """The picture (uint8 array or PIL image) as a PNG in ``cache_dir``, named by its content; written
    once, atomically."""
    if not isinstance(picture, Image.Image):
        array = np.asarray(picture, np.uint8)
        picture = Image.fromarray(array[..., 0] if array.ndim == 3 and array.shape[-1] == 1 else array)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    data = buffer.getvalue()
    folder = Path(cache_dir) / hashlib.sha256(data).hexdigest()
    path = folder / "image.png"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(dir=folder, prefix=".image.", suffix=".png")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(staging, path)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise
    return path


def _postprocess_atomic(self: gr.Image, value: Any, plain: Any) -> ImageData | None:
    """uint8 arrays and PIL images through cached_png; anything else (paths, floats, None) as Gradio does it."""
    png = (self.format or "png").lower() == "png"
    if png and (isinstance(value, Image.Image) or (isinstance(value, np.ndarray) and value.dtype == np.uint8)):
        path = cached_png(value, self.GRADIO_CACHE)
        return ImageData(path=str(path), orig_name=path.name)
    return plain(value)
