"""The Train tab's live view of a comparison: run B's display state beside run A's, the two pictures
side by side under their labels, and B's lines dashed over A's curves. Drawing only; the numbers
come from the core (TrainingRun, compare.reading, the Monitor)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ganlab.train import compare
from ganlab.train.diagnostics import HistoryColumns
from ganlab.train.monitor import Monitor
from ganlab.train.run import TrainingRun
from ganlab.ui.train import text

LABEL_H = 16  # the least height of the label strip above each picture
TRAILS = 6


@dataclass(eq=False)
class Partner:
    """Run B of a comparison, as the display draws it: its session, monitor and what it keeps between
    updates (history columns, the 2D view's trails and divergence)."""

    run: TrainingRun
    monitor: Monitor
    labels: tuple[str, str]  # 'A (loss = non_saturating)', 'B (loss = minimax)'
    setting: str
    fork_step: int | None = None
    columns: HistoryColumns = field(default_factory=HistoryColumns)
    trails: deque = field(default_factory=lambda: deque(maxlen=TRAILS))
    divergence: list[tuple[int, float, float]] = field(default_factory=list)


@cache
def _font(size: int) -> Any:
    """DejaVu Sans when installed (Debian: fonts-dejavu-core), else Pillow's own font."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size)


def side_by_side(images: list[np.ndarray], labels: list[str], gap: int = 8) -> np.ndarray:
    """RGB pictures in one row, each under its label (A solid, B dashed, as on the curves), equal heights."""
    rgb = [np.repeat(im[..., None], 3, axis=-1) if im.ndim == 2 else im[..., :3] for im in images]
    height = max(im.shape[0] for im in rgb)
    width = sum(im.shape[1] for im in rgb) + gap * (len(rgb) - 1)
    narrow = min(im.shape[1] for im in rgb)  # the label fits the narrowest picture, big enough to read
    size = max(9, min(28, int(1.7 * narrow / max(len(max(labels, key=len)), 1))))
    strip = max(LABEL_H, int(size * 1.5))
    canvas = Image.new("RGB", (width, height + strip), "white")
    draw, x = ImageDraw.Draw(canvas), 0
    for im, label in zip(rgb, labels):
        canvas.paste(Image.fromarray(np.ascontiguousarray(im.astype(np.uint8))), (x, strip))
        draw.text((x + 4, (strip - size) // 2), label, fill="#111", font=_font(size))
        x += im.shape[1] + gap
    return np.asarray(canvas)


def sides(a: TrainingRun, partner: Partner, quality_a: Any, quality_b: Any) -> tuple[compare.Side, compare.Side]:
    """The two runs as compare.reading reads them (with the 2D measures when there are some)."""
    made = []
    for s, label, q in ((a, partner.labels[0], quality_a), (partner.run, partner.labels[1], quality_b)):
        js, coverage = getattr(q, "js", None), getattr(q, "coverage", None)
        made.append(compare.Side(label, list(s.history), s.status, js, coverage))
    return made[0], made[1]


def status_line(partner: Partner) -> str:
    """B's step and state, for the status line under A's."""
    b = partner.run
    last = b.history[-1] if b.history else None
    speed = text.speed_text(last)
    forked = f" · forked from A at step {partner.fork_step}" if partner.fork_step is not None else ""
    return f"**{partner.labels[1]}:** step {b.step_count} · {speed} steps/s · *{b.status}*{forked}"
