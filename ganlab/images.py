"""Image helpers: value-range conversions, sample grids, crisp upscaling, PNG output, the 2D view."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> float32 -1..1 with a channel axis."""
    x = images.astype(np.float32) / 127.5 - 1.0
    return x[..., None] if x.ndim == 3 else x


def to_uint8(images: np.ndarray) -> np.ndarray:
    """float -1..1 -> uint8 0..255 (channel axis of size 1 dropped)."""
    x = np.clip((np.asarray(images, np.float32) + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    return x[..., 0] if x.ndim == 4 and x.shape[-1] == 1 else x


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


def bicubic_up(low_res: np.ndarray, factor: int = 4) -> np.ndarray:
    """uint8 (N, h, w, 3) images enlarged ``factor``× with PIL BICUBIC (the baseline)."""
    from PIL import Image

    return np.stack([np.asarray(Image.fromarray(im).resize((im.shape[1] * factor, im.shape[0] * factor),
                                                           Image.Resampling.BICUBIC)) for im in low_res])


def nearest_up(low_res: np.ndarray, factor: int = 4) -> np.ndarray:
    """uint8 images enlarged by repeating pixels (what the low-res image really holds)."""
    return np.repeat(np.repeat(low_res, factor, -3), factor, -2)


def save_png(image: np.ndarray, path: str | Path) -> Path:
    """Write a uint8 grayscale or RGB array as PNG."""
    from PIL import Image

    Image.fromarray(image).save(path)
    return Path(path)


def points_view(real: np.ndarray, fake: np.ndarray, surface: np.ndarray | None = None,
                extent: float = 2.5, size: int = 360, probability: bool = True) -> np.ndarray:
    """GAN-Lab-style RGB view: D's decision surface as a heatmap, real (green) and fake (purple) points.

    ``surface`` is D's score on a grid over [-extent, extent]² with row 0 at the top. Probabilities
    are shown from purple (D says fake) through white (0.5) to green (D says real).
    """
    img = np.full((size, size, 3), 255, np.uint8)
    if surface is not None:
        s = np.asarray(surface, np.float32)
        if not probability:  # raw critic scores: map to 0..1 around their median
            s = 1.0 / (1.0 + np.exp(-(s - np.median(s)) / (s.std() + 1e-6)))
        s = s[:, :, None]
        fake_col, real_col, white = (np.array(c, np.float32) for c in
                                     ((200, 170, 230), (170, 225, 180), (255, 255, 255)))
        cells = np.where(s < 0.5, white + (fake_col - white) * (0.5 - s) * 2,
                         white + (real_col - white) * (s - 0.5) * 2).astype(np.uint8)
        reps = int(np.ceil(size / s.shape[0]))  # colour each grid cell once, then enlarge (nearest)
        img = np.ascontiguousarray(nearest_up(cells, reps)[:size, :size])

    def dots(pts: np.ndarray, color: tuple[int, int, int], r: int) -> None:
        pix = ((np.asarray(pts)[:, :2] + extent) / (2 * extent) * (size - 1)).round().astype(int)
        pix[:, 1] = size - 1 - pix[:, 1]
        keep = (pix >= 0).all(1) & (pix < size).all(1)
        for dx in range(-r, r + 1):
            for dy in range(-r, r + 1):
                x = np.clip(pix[keep, 0] + dx, 0, size - 1)
                y = np.clip(pix[keep, 1] + dy, 0, size - 1)
                img[y, x] = color

    dots(real, (30, 140, 60), 1)
    dots(fake, (110, 40, 170), 2)
    return img
