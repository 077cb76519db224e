"""Drawing of a recorded run's snapshots (no Gradio here: the replay panel and ``python -m ganlab replay``
both use it): one frame's picture — the sample grid, or the 2D view drawn as the live one — a band under
it with the step and a progress bar, and the cursor on the curves. Drawing only: the numbers come from
ganlab.train.snapshots."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ganlab.losses import get_loss
from ganlab.train import diagnostics
from ganlab.train.diagnostics import HistoryColumns
from ganlab.train.history import StepMetrics
from ganlab.train.snapshots import Snapshots
from ganlab.ui.train.plots import LiveCurves
from ganlab.ui.train.view_2d import DEFAULT_LAYERS, draw_view_2d

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


@dataclass(frozen=True)
class Curves:
    """A recorded run's whole curves as an RGB array, and where each panel's step axis lies in it
    (pixels: left, right, top, bottom; steps: at left, at right), to draw a cursor without matplotlib."""

    image: np.ndarray
    panels: tuple[tuple[float, float, int, int, float, float], ...]


def curves_picture(history: list[dict], loss_name: str) -> Curves:
    """The losses / verdicts figure of the Train tab, drawn once for a whole recorded history."""
    loss = get_loss(loss_name)
    cols = HistoryColumns().update([StepMetrics.from_dict(r) for r in history])
    extras = tuple(k for k in cols if k not in diagnostics.CORE_COLUMNS)
    x, series = diagnostics.downsample(cols["step"], {k: v for k, v in cols.items() if k != "step"})
    eq = loss.equilibrium_d_loss if loss.score == "probability" and loss.name != "hinge" else None
    figure = LiveCurves(eq, loss.score == "probability", extras)
    try:
        figure.update(x, series)
        last = max(float(x[-1]) if len(x) else 1.0, 1.0)
        for ax in (figure.ax1, figure.ax2):  # the whole run fills the step axis (a live one leaves room to grow)
            ax.set_xlim(0, last * 1.02)
        figure.fig.tight_layout()
        figure.fig.canvas.draw()
        for line in figure.lines.values():
            line.axes.draw_artist(line)
        image = np.asarray(figure.fig.canvas.buffer_rgba())[..., :3].copy()
        height = image.shape[0]
        panels = tuple((ax.bbox.x0, ax.bbox.x1, int(height - ax.bbox.y1), int(height - ax.bbox.y0), *ax.get_xlim())
                       for ax in (figure.ax1, figure.ax2))
    finally:
        figure.close()
    return Curves(image, panels)


def with_cursor(curves: Curves, step: int) -> np.ndarray:
    """The curves with a vertical line at ``step`` on both panels."""
    out = curves.image.copy()
    for left, right, top, bottom, lo, hi in curves.panels:
        x = round(left + (step - lo) / max(hi - lo, 1e-9) * (right - left))
        if left <= x <= right:
            out[max(top, 0):bottom, max(x - 1, 0):x + 1] = CURSOR
    return out
