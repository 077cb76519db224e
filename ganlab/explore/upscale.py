"""4× super-resolution with an SRGAN generator, without any UI: input checks, compiled inference,
the bicubic baseline and the PatchGAN realness map.

Inputs: any PNG/JPEG/... file, PIL image or array. Checked before decoding: file size (at most
``MAX_FILE_BYTES``) and pixel count (at most ``MAX_DECODE_PIXELS``). Grayscale becomes RGB; alpha
is composited over white (the emojis were trained on white); 16-bit and float images are scaled
to 8 bits. The generator is fully convolutional, so inputs up to ``MAX_SIDE`` pixels on their
longer side are upscaled whole (a 128² input gives 512²; the time grows with the pixel count, so
``MAX_SIDE`` bounds what one request costs); larger ones are refused with a message saying to shrink
or crop them, or to tick "shrink it 4× first" in the tab (no tiling: the demo is for small pictures).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from keras import ops

from ganlab import backend
from ganlab.checkpoints import LoadedGenerator, load_generator
from ganlab.images import bicubic_up, nearest_up, to_uint8
from ganlab.models.srgan import SCALE

DEFAULT_CHECKPOINT = "srgan-openmoji"
MAX_SIDE = 128  # longest input side upscaled (→ 512 px out; bounds the time one request takes)
MIN_SIDE = 4
MAX_FILE_BYTES = 20_000_000  # refuse bigger uploads before reading them
MAX_DECODE_PIXELS = 40_000_000  # refuse "decompression bombs" from the header, before decoding
MAX_COMPILED = 16  # compiled input shapes kept
PAD = 8  # inputs are padded (edge) to a multiple of this: fewer compiled shapes


class UpscaleError(ValueError):
    """An input that cannot be upscaled (the message says what to do)."""


@dataclass
class Upscaled:
    """The low-res input and its 4× versions (all uint8 RGB)."""

    low_res: np.ndarray  # (h, w, 3)
    nearest: np.ndarray  # (4h, 4w, 3): the input's pixels, enlarged
    bicubic: np.ndarray  # (4h, 4w, 3): PIL BICUBIC
    srgan: np.ndarray  # (4h, 4w, 3)
    message: str = ""


# ----------------------------------------------------------------------------- input checks

def _open_file(path: str | os.PathLike) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        size = os.path.getsize(path)
    except OSError as e:
        raise UpscaleError(f"Could not read the file: {e}") from None
    if size > MAX_FILE_BYTES:
        raise UpscaleError(f"The file is {size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB. "
                           f"Upload a small picture (at most {MAX_SIDE}×{MAX_SIDE} pixels).")
    try:
        with Image.open(path) as im:  # reads the header only
            w, h = im.size
            if w * h > MAX_DECODE_PIXELS:
                raise UpscaleError(f"The image is {w}×{h} pixels: far too big. Upload at most "
                                   f"{MAX_SIDE}×{MAX_SIDE} pixels.")
            return _pil_to_array(im)
    except UpscaleError:
        raise
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        raise UpscaleError(f"Not an image file PIL can read (PNG, JPEG, WebP, ...): {e}") from None


def _pil_to_array(im: Any) -> np.ndarray:
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, np.float64)
        return (arr / max(arr.max(), 1.0) * 255).astype(np.uint8)
    if im.mode == "F":
        return np.asarray(im, np.float32)
    return np.asarray(im.convert("RGBA") if "A" in im.mode or "transparency" in im.info else
                      im.convert("RGB"))


def to_rgb(image: Any) -> np.ndarray:
    """uint8 (H, W, 3) from a file path, PIL image or array; alpha over white, gray → RGB."""
    if image is None:
        raise UpscaleError("No image: upload a picture or pick an example.")
    if isinstance(image, (str, os.PathLike)):
        image = _open_file(image)
    elif hasattr(image, "convert") and hasattr(image, "size"):
        image = _pil_to_array(image)
    arr = np.asarray(image)
    if arr.dtype == object or arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (1, 2, 3, 4)):
        raise UpscaleError(f"Not an image (array of shape {arr.shape}); upload a PNG or JPEG.")
    if arr.size == 0:
        raise UpscaleError("The image is empty (0 pixels).")
    if arr.dtype == bool:
        x = arr.astype(np.float32)
    elif np.issubdtype(arr.dtype, np.integer):
        x = arr.astype(np.float32) / (65535.0 if arr.max() > 255 else 255.0)
    else:
        x = np.nan_to_num(arr.astype(np.float32), nan=1.0, posinf=1.0, neginf=0.0)
        x = x / 255.0 if x.max() > 1.0 else x
    x = np.clip(x, 0.0, 1.0)
    if x.ndim == 2:
        x = x[..., None]
    if x.shape[-1] in (2, 4):  # alpha: composite over white
        alpha = x[..., -1:]
        x = x[..., :-1] * alpha + (1.0 - alpha)
    if x.shape[-1] == 1:
        x = np.repeat(x, 3, -1)
    return np.round(x * 255).astype(np.uint8)


def check_size(rgb: np.ndarray) -> None:
    """Refuse inputs too small or larger than MAX_SIDE, with what to do."""
    h, w = rgb.shape[:2]
    if min(h, w) < MIN_SIDE:
        raise UpscaleError(f"The image is {w}×{h} pixels: too small (at least {MIN_SIDE}×{MIN_SIDE}).")
    if max(h, w) > MAX_SIDE:
        raise UpscaleError(f"The image is {w}×{h} pixels; this demo upscales pictures up to {MAX_SIDE} pixels "
                           f"on the longer side (the result is 4× as wide). Crop or shrink it first.")


# ----------------------------------------------------------------------------- inference

class UpscaleModel:
    """An SRGAN generator (and its PatchGAN) compiled for batch-1 inference."""

    def __init__(self, loaded: LoadedGenerator):
        self.loaded = loaded
        gan = self.gan = loaded.gan
        # One compiled function per input shape: a function retraced with unknown sizes cannot run the
        # bicubic skip (Keras' resize needs the size); inputs are padded to multiples of PAD, so few shapes.
        self._compiled: dict[tuple[int, ...], Any] = {}
        self._judge = backend.compile_step(
            lambda y: ops.sigmoid(ops.cast(gan.discriminator(y, training=False), "float32")),
            list(gan.discriminator.variables))
        self.upscale(np.full((32, 32, 3), 255, np.uint8))  # compile the emoji size now, not on first use

    @classmethod
    def load(cls, name_or_path: str = DEFAULT_CHECKPOINT) -> UpscaleModel:
        """Load an SRGAN checkpoint (folder or shipped name) with its discriminator."""
        return cls(load_generator(name_or_path, with_discriminator=True, generates_from="low_res"))

    def upscale(self, rgb: np.ndarray) -> np.ndarray:
        """uint8 (4h, 4w, 3) for a uint8 (h, w, 3) image (edge-padded to a multiple of PAD, then cropped)."""
        h, w = rgb.shape[:2]
        ph, pw = -h % PAD, -w % PAD
        x = np.pad(rgb, ((0, ph), (0, pw), (0, 0)), mode="edge") if ph or pw else rgb
        y = np.asarray(ops.convert_to_numpy(self._generator_for(x.shape)(x[None].astype(np.float32) / 127.5 - 1.0)))[0]
        return to_uint8(y[: h * SCALE, : w * SCALE])

    def _generator_for(self, shape: tuple[int, ...]) -> Any:
        """The compiled generator for one input shape (at most MAX_COMPILED kept)."""
        fn = self._compiled.get(shape)
        if fn is None:
            if len(self._compiled) >= MAX_COMPILED:
                self._compiled.pop(next(iter(self._compiled)))
            gan = self.gan
            fn = self._compiled[shape] = backend.compile_step(
                lambda x: ops.cast(gan.generator(x, training=False), "float32"), list(gan.generator.variables))
        return fn

    def realness(self, image: np.ndarray) -> np.ndarray:
        """The PatchGAN's per-patch probability that a high-res image is real: (P, Q) in [0, 1]."""
        y = image.astype(np.float32)[None] / 127.5 - 1.0
        return np.asarray(ops.convert_to_numpy(self._judge(y)))[0, ..., 0]

    def __call__(self, image: Any) -> Upscaled:
        """Check and convert any image, then low-res | nearest | bicubic | SRGAN."""
        rgb = to_rgb(image)
        check_size(rgb)
        return Upscaled(rgb, nearest_up(rgb), bicubic_up(rgb[None])[0], self.upscale(rgb))
