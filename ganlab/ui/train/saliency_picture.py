"""Drawing of the image GANs' "why" panel: G's push on a few fixed fakes and D's saliency on a real
and a fake image (numbers from ganlab.train.saliency). Drawing only."""

from __future__ import annotations

import numpy as np

from ganlab.images import grid, to_uint8, upscale
from ganlab.train.saliency import ImageGradients

ADD, REMOVE = np.array((220, 40, 40), np.float32), np.array((40, 90, 220), np.float32)  # red: more, blue: less
SCALE = 3  # pixels per image pixel (28² → 84²)


def _grey_rgb(images: np.ndarray) -> np.ndarray:
    """Images in [-1, 1] as uint8 RGB (grey images repeated over three channels)."""
    u8 = to_uint8(images)
    if u8.ndim == 3:
        u8 = u8[..., None]
    return np.repeat(u8, 3, axis=-1) if u8.shape[-1] == 1 else u8


def signed_map(values: np.ndarray) -> np.ndarray:
    """Signed maps (N, H, W, C) as RGB: red where positive, blue where negative, white at 0; one
    scale for all of them (the largest magnitude is full colour)."""
    v = np.asarray(values, np.float32).mean(-1)  # over colour channels
    peak = float(np.abs(v).max()) or 1.0
    t = (v / peak)[..., None]
    white = np.float32(255)
    rgb = np.where(t > 0, white + (ADD - white) * t, white + (REMOVE - white) * -t)
    return rgb.clip(0, 255).astype(np.uint8)


def heat_map(values: np.ndarray) -> np.ndarray:
    """Non-negative maps (N, H, W, C) as RGB, white (0) to dark orange (the largest), one scale."""
    v = np.asarray(values, np.float32).mean(-1)
    t = (v / (float(v.max()) or 1.0))[..., None]
    dark = np.array((150, 60, 0), np.float32)
    return (255 + (dark - 255) * t).clip(0, 255).astype(np.uint8)


def why_picture(g: ImageGradients) -> np.ndarray:
    """Two rows: the fixed fakes over G's push on them; then a real image, D's saliency on it, the
    first fake and D's saliency on it."""
    top = grid(np.concatenate([_grey_rgb(g.fakes), signed_map(g.push)]), cols=len(g.fakes), pad_value=255)
    bottom = grid(np.concatenate([_grey_rgb(g.real), heat_map(g.real_saliency), _grey_rgb(g.fakes[:1]),
                                  heat_map(g.fake_saliency)]), cols=4, pad_value=255)
    width = max(top.shape[1], bottom.shape[1])
    pad = lambda a: np.pad(a, ((0, 0), (0, width - a.shape[1]), (0, 0)), constant_values=255)
    gap = np.full((6, width, 3), 255, np.uint8)
    return upscale(np.concatenate([pad(top), gap, pad(bottom)]), SCALE)

