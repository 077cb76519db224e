"""Sketch → image with a pix2pix generator, without any UI: input cleaning, compiled inference,
and the PatchGAN "realness" heatmap.

Any image a student draws or uploads (any size, colour, alpha, even white-on-black) becomes what
the model was trained on: black line art on white, square (aspect kept), 128×128, the drawing
centred and scaled like an OpenMoji emoji when it is much smaller or off-centre.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from keras import ops

from ganlab import backend
from ganlab.checkpoints import LoadedGenerator, load_generator
from ganlab.data.base import DataError
from ganlab.data.uploads import check_image

DEFAULT_CHECKPOINT = "pix2pix-openmoji"
MAX_SIDE = 2048  # bigger uploads are shrunk first (memory and time stay bounded)
MAX_FILE_BYTES = 10 * 2**20  # an uploaded sketch file, checked before decoding
MAX_PIXELS = 4096 * 4096  # width × height from the header, checked before decoding (≤ 64 MB as RGBA)
# OpenMoji line art at 128²: the drawing's larger side spans 0.67-0.89 of the canvas (10th-90th
# percentile, median 0.75) and is centred within ±5 px for 90% of emojis.
FIT_RANGE, FIT_TARGET, CENTRE_TOLERANCE = (0.55, 0.97), 0.75, 0.12
INK = 0.5  # darkness above which a pixel counts as a stroke


class SketchError(ValueError):
    """An input that cannot be turned into a sketch (the message says what to do)."""


@dataclass
class Prepared:
    """A cleaned model input and what was done to get it."""

    sketch: np.ndarray  # (S, S) uint8, black lines on white
    message: str  # "" when nothing needs saying
    empty: bool = False


# ----------------------------------------------------------------------------- preprocessing

def _as_array(image: Any) -> np.ndarray:
    """A numpy array from a PIL image, array, file path or a Gradio ImageEditor value dict."""
    if isinstance(image, dict):  # gr.ImageEditor / gr.Sketchpad value
        layers = [x for x in image.get("layers") or [] if x is not None]
        image = image.get("composite")
        if image is None and layers:
            image = layers[-1]
    if image is None:
        raise SketchError("No image: draw on the canvas or upload a sketch.")
    if isinstance(image, (str, os.PathLike)):
        from PIL import Image

        try:  # size on disk and pixel count (from the header) checked before any decoding
            check_image(image, MAX_FILE_BYTES, MAX_PIXELS)
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(image) as im:
                    im.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode a smaller version directly
                    image = np.asarray(im.convert("RGBA"))
        except DataError as e:
            raise SketchError(f"{e} Send a PNG or JPEG sketch.") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise SketchError(f"The image has too many pixels (limit {MAX_PIXELS:,}).") from None
        except (OSError, ValueError, SyntaxError) as e:  # truncated or broken pixel data
            raise SketchError(f"The image file is corrupt ({e}); send a PNG or JPEG sketch.") from None
    if hasattr(image, "convert") and hasattr(image, "size"):  # PIL image
        image = np.asarray(image.convert("RGBA"))
    arr = np.asarray(image)
    if arr.dtype == object or arr.ndim not in (2, 3) or min(arr.shape[:2]) < 1:
        raise SketchError(f"Not an image (array of shape {arr.shape}); upload a PNG or JPEG.")
    return arr


def _to_float_gray(arr: np.ndarray) -> np.ndarray:
    """Grayscale in [0, 1] with transparent areas composited onto white."""
    step = int(np.ceil(max(arr.shape[:2]) / MAX_SIDE))
    if step > 1:  # huge upload: subsample before any float work
        arr = arr[::step, ::step]
    if arr.dtype == bool:
        x = arr.astype(np.float32)
    elif np.issubdtype(arr.dtype, np.integer):
        x = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max if arr.max() > 255 else 255)
    else:
        x = np.nan_to_num(arr.astype(np.float32), nan=1.0, posinf=1.0, neginf=0.0)
        x = x / 255.0 if x.max() > 1.0 else x
    x = np.clip(x, 0.0, 1.0)
    if x.ndim == 3 and x.shape[-1] in (2, 4):  # alpha: composite on white
        alpha = x[..., -1:]
        x = x[..., :-1] * alpha + (1.0 - alpha)
    if x.ndim == 3:
        x = x[..., 0] if x.shape[-1] == 1 else x[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    return x


def _darkness(gray: np.ndarray) -> tuple[np.ndarray, str]:
    """Ink darkness in [0, 1] (0 = paper), inverting light-on-dark drawings; plus a note."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    note = ""
    if np.median(border) < 0.5:  # dark paper (chalkboard, all-black canvas): flip it
        gray, note = 1.0 - gray, "Light lines on a dark background were inverted to black on white."
    paper = float(np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])))
    darkest = float(np.percentile(gray, 0.5))
    d = np.clip((paper - gray) / max(paper - darkest, 0.15), 0.0, 1.0)
    d[d < 0.1] = 0.0  # paper texture, JPEG noise
    return d, note


def _square(d: np.ndarray) -> np.ndarray:
    """Pad a darkness map to a square with paper (aspect kept, centred)."""
    h, w = d.shape
    side = max(h, w)
    square = np.zeros((side, side), np.float32)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = d
    return square


def _fit(d: np.ndarray) -> tuple[np.ndarray, bool]:
    """Square canvas (aspect kept); re-centre and scale the drawing if it is unlike an emoji's framing."""
    square = _square(d)
    side = square.shape[0]
    ys, xs = np.nonzero(square > INK)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    fill = max(y1 - y0, x1 - x0) / side
    off = max(abs((y0 + y1) / 2 - side / 2), abs((x0 + x1) / 2 - side / 2)) / side
    if FIT_RANGE[0] <= fill <= FIT_RANGE[1] and off <= CENTRE_TOLERANCE:
        return square, False
    crop = square[y0:y1, x0:x1]
    new = max(int(np.ceil(max(crop.shape) / FIT_TARGET)), 1)
    out = np.zeros((new, new), np.float32)
    oy, ox = (new - crop.shape[0]) // 2, (new - crop.shape[1]) // 2
    out[oy : oy + crop.shape[0], ox : ox + crop.shape[1]] = crop
    return out, True


def _resize(d: np.ndarray, size: int) -> np.ndarray:
    """Area-style downscale of a darkness map, thickening strokes first when shrinking a lot."""
    from PIL import Image, ImageFilter

    im = Image.fromarray(np.round(d * 255).astype(np.uint8))
    scale = d.shape[0] / size
    k = int(scale / 2) // 2 * 2 + 1  # odd MaxFilter size ~ scale/2 keeps thin lines visible
    if k > 1:
        im = im.filter(ImageFilter.MaxFilter(min(k, 15)))
    return np.asarray(im.resize((size, size), Image.Resampling.LANCZOS if scale > 1 else Image.Resampling.BICUBIC))


def preprocess(image: Any, size: int = 128, fit: bool = True) -> Prepared:
    """Turn a drawing or upload into the model input: black lines on white, size×size uint8.

    Empty or uniform inputs give ``empty=True`` and a message instead of an exception.
    """
    gray = _to_float_gray(_as_array(image))
    if float(np.ptp(gray)) < 0.04:
        dark = float(gray.mean()) < 0.5
        msg = ("The canvas is all dark: draw black lines on a white canvas (press the bin icon to clear)."
               if dark else "The canvas is empty: draw something with the black brush, e.g. a smiley.")
        return Prepared(np.full((size, size), 255, np.uint8), msg, empty=True)
    d, note = _darkness(gray)
    if not (d > INK).any():
        return Prepared(np.full((size, size), 255, np.uint8),
                        "No clear lines found: draw with darker, thicker strokes.", empty=True)
    notes = [note] if note else []
    if fit:
        d, refit = _fit(d)
        if refit:
            notes.append("The drawing was centred and scaled to fill the frame like an emoji.")
    else:
        d = _square(d)
    sketch = 255 - _resize(d, size)
    return Prepared(sketch.astype(np.uint8), " ".join(notes))


# ----------------------------------------------------------------------------- inference

class SketchModel:
    """A pix2pix generator (and its PatchGAN) compiled once for batch-1 inference."""

    def __init__(self, loaded: LoadedGenerator):
        self.loaded = loaded
        gan = loaded.gan
        self.gan = gan
        self.size = int(gan.spec.data_shape[0])
        self.in_channels = int(gan.options.get("in_channels", 1))
        self._generate = backend.compile_step(
            lambda x: ops.cast(gan.generator(x, training=False), "float32"), list(gan.generator.variables))
        self._judge = backend.compile_step(
            lambda x, y: ops.sigmoid(ops.cast(gan.discriminator([x, y], training=False), "float32")),
            list(gan.discriminator.variables))
        self.generate(np.full((self.size, self.size), 255, np.uint8))  # trace/compile now, not on first use

    @classmethod
    def load(cls, name_or_path: str = DEFAULT_CHECKPOINT) -> SketchModel:
        """Load a pix2pix checkpoint (folder or shipped name) with its discriminator."""
        return cls(load_generator(name_or_path, with_discriminator=True, generates_from="sketch"))

    def _input(self, sketch: np.ndarray) -> np.ndarray:
        x = sketch.astype(np.float32)[None, ..., None] / 127.5 - 1.0
        return np.repeat(x, self.in_channels, axis=-1) if self.in_channels > 1 else x

    def generate(self, sketch: np.ndarray) -> np.ndarray:
        """uint8 RGB image (S, S, 3) for a uint8 (S, S) sketch."""
        y = np.asarray(ops.convert_to_numpy(self._generate(self._input(sketch))))[0]
        return np.clip((y + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)

    def realness(self, sketch: np.ndarray, image: np.ndarray) -> np.ndarray:
        """PatchGAN's per-patch probability that (sketch, image) is a real pair: (P, P) in [0, 1]."""
        y = image.astype(np.float32)[None] / 127.5 - 1.0
        return np.asarray(ops.convert_to_numpy(self._judge(self._input(sketch), y)))[0, ..., 0]

    def __call__(self, image: Any, fit: bool = True) -> tuple[np.ndarray, Prepared]:
        """Preprocess any image and generate: (uint8 RGB output, the Prepared input)."""
        prepared = preprocess(image, self.size, fit=fit)
        if prepared.empty:
            return np.full((self.size, self.size, 3), 255, np.uint8), prepared
        return self.generate(prepared.sketch), prepared


def realness_overlay(image: np.ndarray, scores: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """Blend a red (looks fake) → yellow → green (looks real) heatmap of patch scores over an image."""
    from PIL import Image

    h, w = image.shape[:2]
    s = np.asarray(Image.fromarray(np.clip(scores * 255, 0, 255).astype(np.uint8)).resize(
        (w, h), Image.Resampling.BILINEAR), np.float32)[..., None] / 255.0
    red, yellow, green = (np.array(c, np.float32) for c in ((215, 48, 39), (254, 224, 80), (26, 152, 80)))
    colour = np.where(s < 0.5, red + (yellow - red) * (s / 0.5), yellow + (green - yellow) * ((s - 0.5) / 0.5))
    out = image.astype(np.float32) * (1 - alpha) + colour * alpha
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- example drawings

def simple_drawings(size: int = 512, width: int = 12) -> dict[str, np.ndarray]:
    """A few simple black-on-white line drawings (smiley, cat, sun, house) drawn with PIL."""
    from PIL import Image, ImageDraw

    def canvas():
        im = Image.new("L", (size, size), 255)
        return im, ImageDraw.Draw(im)

    s = size / 512
    def box(*v):
        return [round(t * s) for t in v]
    w = max(1, round(width * s))
    out = {}
    im, d = canvas()
    d.ellipse(box(70, 70, 442, 442), outline=0, width=w)
    d.ellipse(box(180, 180, 220, 240), fill=0)
    d.ellipse(box(292, 180, 332, 240), fill=0)
    d.arc(box(160, 200, 352, 370), 20, 160, fill=0, width=w)
    out["smiley"] = np.asarray(im)
    im, d = canvas()
    d.ellipse(box(100, 150, 412, 440), outline=0, width=w)
    d.line(box(125, 230, 140, 70, 230, 165), fill=0, width=w, joint="curve")
    d.line(box(282, 165, 372, 70, 387, 230), fill=0, width=w, joint="curve")
    d.ellipse(box(185, 250, 215, 290), fill=0)
    d.ellipse(box(297, 250, 327, 290), fill=0)
    d.polygon(box(240, 320, 272, 320, 256, 340), fill=0)
    for dy in (-15, 15):
        d.line(box(230, 345 + dy // 3, 130, 330 + dy), fill=0, width=max(1, w // 2))
        d.line(box(282, 345 + dy // 3, 382, 330 + dy), fill=0, width=max(1, w // 2))
    out["cat"] = np.asarray(im)
    im, d = canvas()
    d.ellipse(box(166, 166, 346, 346), outline=0, width=w)
    for k in range(8):
        a = k * np.pi / 4
        c, si = np.cos(a), np.sin(a)
        d.line(box(256 + 120 * c, 256 + 120 * si, 256 + 190 * c, 256 + 190 * si), fill=0, width=w)
    out["sun"] = np.asarray(im)
    im, d = canvas()
    d.rectangle(box(120, 230, 392, 440), outline=0, width=w)
    d.line(box(100, 250, 256, 90, 412, 250), fill=0, width=w, joint="curve")
    d.rectangle(box(220, 330, 292, 440), outline=0, width=w)
    d.rectangle(box(150, 270, 200, 320), outline=0, width=w)
    out["house"] = np.asarray(im)
    return out
