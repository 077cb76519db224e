"""Image helpers: sample grids, crisp upscaling, PNG output."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganlab.data import to_uint8


def grid(images: np.ndarray, cols: int | None = None, pad: int = 2, pad_value: int = 40) -> np.ndarray:
    """Tile N images (float in [-1, 1] or uint8) into one uint8 image, row-major."""
    imgs = images if images.dtype == np.uint8 else to_uint8(images)
    if imgs.ndim == 3:
        imgs = imgs[..., None]
    n, h, w, c = imgs.shape
    cols = cols or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), pad_value, np.uint8)
    for i in range(n):
        r, q = divmod(i, cols)
        out[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + q * (w + pad) : pad + q * (w + pad) + w] = imgs[i]
    return out[..., 0] if c == 1 else out


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling (crisp pixels, no blur)."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def save_png(image: np.ndarray, path: str | Path) -> Path:
    """Write a uint8 grayscale or RGB array as PNG."""
    from PIL import Image

    Image.fromarray(image).save(path)
    return Path(path)
