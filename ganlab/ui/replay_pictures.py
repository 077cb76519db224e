"""Drawing of a recorded run's snapshots (no Gradio here: the replay panel and ``python -m ganlab replay``
both use it): one frame's picture — the sample grid, or the 2D view drawn as the live one — a band under
it with the step and a progress bar, and the cursor on the curves. Drawing only: the numbers come from
ganlab.train.snapshots."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ganlab.train.snapshots import Snapshots
from ganlab.ui.plots import LiveCurves
from ganlab.ui.view_2d import DEFAULT_LAYERS, draw_view_2d

BAND_PX = 30  # the step / progress band under a frame
BAR, BAR_BG, CURSOR = (29, 78, 216), (225, 228, 235), (180, 83, 9)


def frame_picture(snaps: Snapshots, index: int, layers: Iterable[str] = DEFAULT_LAYERS, size: int = 420) -> np.ndarray:
    """Frame ``index`` as an RGB array about ``size`` pixels wide: the sample grid enlarged (crisp pixels), or
    the 2D view with ``layers``."""
    frame = snaps.frame(index)
    if snaps.kind != "image":
        return draw_view_2d(frame, tuple(layers), size)
    grid = np.asarray(frame["grid"], np.uint8)
    rgb = np.repeat(grid[..., None], 3, -1) if grid.ndim == 2 else grid[..., :3]
    factor = max(1, size // max(rgb.shape[:2]))
    return np.repeat(np.repeat(rgb, factor, 0), factor, 1)


def with_progress(picture: np.ndarray, step: int, last_step: int) -> np.ndarray:
    """``picture`` with a band under it: "step S / L" and a bar filled to S / L."""
    w = picture.shape[1]
    band = Image.new("RGB", (w, BAND_PX), (255, 255, 255))
    draw = ImageDraw.Draw(band)
    font = ImageFont.load_default(size=14)
    text = f"step {step:,} / {last_step:,}"
    draw.text((6, 7), text, fill=(20, 20, 20), font=font)
    x0 = int(draw.textlength(text, font=font)) + 16
    x1 = w - 8
    if x1 - x0 > 20:
        draw.rectangle((x0, 10, x1, BAND_PX - 10), fill=BAR_BG)
        done = x0 + (x1 - x0) * min(1.0, step / max(last_step, 1))
        draw.rectangle((x0, 10, int(done), BAND_PX - 10), fill=BAR)
    return np.concatenate([np.asarray(picture, np.uint8)[..., :3], np.asarray(band)], 0)


def with_cursor(curves_image: np.ndarray, curves: LiveCurves, step: int) -> np.ndarray:
    """The curves (as ``curves.update`` drew them) with a vertical line at ``step`` on both panels."""
    out = curves_image.copy()
    height = out.shape[0]
    for ax in (curves.ax1, curves.ax2):
        x = round(float(ax.transData.transform((step, 0))[0]))
        box = ax.bbox  # display pixels, y up from the bottom
        top, bottom = int(height - box.y1), int(height - box.y0)
        lo, hi = int(box.x0), int(box.x1)
        if lo <= x <= hi:
            out[max(top, 0):min(bottom, height), max(x - 1, 0):x + 1] = CURSOR
    return out
