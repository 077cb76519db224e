"""Drawing of the Train tab's 2D view, layer by layer, from the numbers of ``/view_2d``.

The layers follow GAN Lab (Kahng et al., VIS 2018): D's heatmap, G's manifold (how G bends a
regular grid of latent space into data space), the real points, the fakes, on each fake the push
G's next update gives it, and short trails of where the fakes came from. Drawing only: every
number comes from ganlab.train.views; this module maps them to pixels with PIL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ganlab.images import points_view

# The layers by id, with the label a student reads (the id is what code, the API and lesson links use).
LAYERS = {"real": "real points", "fakes": "fakes", "heatmap": "D's heatmap", "manifold": "G's manifold",
          "arrows": "gradient arrows", "trails": "trails"}
# Shown until a student unticks them: all but the trails (they cross the picture when the fakes jump).
DEFAULT_LAYERS = ("real", "fakes", "heatmap", "manifold", "arrows")
REAL, FAKE = (30, 140, 60), (110, 40, 170)  # as ganlab.images.points_view draws them
MESH, ARROW, TRAIL, FADED = (60, 60, 60), (200, 90, 0), (150, 110, 190), (190, 160, 215)
ARROW_PX = 36  # an arrow of the 95th-percentile length, in pixels (one scale per picture, stated in the legend)
ARROWS_DRAWN = 128  # arrows on at most about this many fakes (every n-th): more hide the picture


def layer_ids(chosen: Iterable[str]) -> tuple[str, ...]:
    """The layers named in ``chosen`` by id or by label (what ``/layers`` took before ids), in drawing order;
    unknown names are left out."""
    by_label = {label: key for key, label in LAYERS.items()}
    named = {by_label.get(name, name) for name in chosen}
    return tuple(key for key in LAYERS if key in named)


def _pixels(points: Any, extent: Sequence[float], size: int) -> np.ndarray:
    """Data coordinates (..., 2) to pixel coordinates (row 0 at the top)."""
    p = np.asarray(points, np.float32)
    x0, x1, y0, y1 = extent
    px = (p[..., 0] - x0) / (x1 - x0) * (size - 1)
    py = (1 - (p[..., 1] - y0) / (y1 - y0)) * (size - 1)
    return np.stack([px, py], -1)


def arrow_scale(arrows: Any, extent: Sequence[float], size: int) -> float:
    """Pixels per unit of gradient: an arrow as long as the 95th percentile of the lengths is ARROW_PX
    (the few longer ones are cut there, so one outlier does not shrink all others); 0 when all are 0."""
    a = np.asarray(arrows, np.float32).reshape(-1, 2)
    lengths = np.sqrt((a**2).sum(1)) if len(a) else np.zeros(0)
    ref = float(np.percentile(lengths, 95)) if len(lengths) else 0.0
    return ARROW_PX / ref if ref > 0 else 0.0


def _mesh(draw: ImageDraw.ImageDraw, manifold: Any, extent: Sequence[float], size: int) -> None:
    """G's image of the latent grid: its rows and columns as polylines."""
    m = np.asarray(manifold, np.float32)
    if m.ndim != 3 or m.shape[-1] != 2:
        return
    pix = _pixels(m, extent, size)
    for line in (*pix, *pix.transpose(1, 0, 2)):
        draw.line([tuple(p) for p in line], fill=MESH, width=1)


def _arrows(draw: ImageDraw.ImageDraw, fakes: Any, arrows: Any, extent: Sequence[float], size: int,
            scale: float, every: int = 1) -> None:
    """An arrow on every ``every``-th fake: direction and relative strength of G's push (−∂L_G/∂x)."""
    start = _pixels(fakes, extent, size)[::every]
    a = np.asarray(arrows, np.float32).reshape(-1, 2)[::every] * scale
    length = np.sqrt((a**2).sum(1, keepdims=True))
    a = np.where(length > ARROW_PX, a * ARROW_PX / np.maximum(length, 1e-9), a)  # cut at ARROW_PX
    end = start + a * np.array([1, -1])  # pixel y grows downwards
    for (sx, sy), (ex, ey) in zip(start, end):
        length = float(np.hypot(ex - sx, ey - sy))
        if length < 1.5:
            continue
        draw.line([(sx, sy), (ex, ey)], fill=ARROW, width=2)
        ux, uy = (ex - sx) / length, (ey - sy) / length
        head = min(6.0, length / 2)
        for side in (1, -1):  # the two strokes of the head
            draw.line([(ex, ey), (ex - head * (ux + side * 0.5 * uy), ey - head * (uy - side * 0.5 * ux))],
                      fill=ARROW, width=2)


def _trails(draw: ImageDraw.ImageDraw, trails: Iterable[Any], extent: Sequence[float], size: int) -> None:
    """Where each fake was at the last few refreshes: faint lines, oldest first."""
    frames = [np.asarray(t, np.float32) for t in trails]
    if len(frames) < 2:
        return
    every = max(1, len(frames[0]) // ARROWS_DRAWN)  # the fakes that carry arrows
    path = _pixels(np.stack(frames, 1)[::every], extent, size)  # (fakes, refreshes, 2)
    for line in path:
        draw.line([tuple(p) for p in line], fill=TRAIL, width=1)


def draw_view_2d(view: dict, layers: Iterable[str] = DEFAULT_LAYERS, size: int = 420,
                 trails: Sequence[Any] = ()) -> np.ndarray:
    """The 2D view as an RGB array, with the chosen ``layers`` of ``view`` (the /view_2d dict)."""
    on = set(layers)
    extent = view["extent"]
    heat = np.asarray(view["heatmap"], np.float32)[::-1] if "heatmap" in on else None  # row 0 at the top
    none = np.zeros((0, 2), np.float32)
    base = points_view(none, none, heat, extent[1], size=size,
                       probability=view.get("heatmap_kind", "probability") == "probability")
    if "real" in on:
        base = _dots(base, view["real"], extent, REAL, 1)
    img = Image.fromarray(base)
    draw = ImageDraw.Draw(img)
    if "manifold" in on and view.get("manifold") is not None:
        _mesh(draw, view["manifold"], extent, size)
    if "trails" in on and trails:
        _trails(draw, trails, extent, size)
    out = np.asarray(img).copy()
    if "fakes" in on:
        out = _dots(out, view["fakes"], extent, FAKE, 2)
    if "arrows" in on and view.get("arrows") is not None:
        img = Image.fromarray(out)
        _arrows(ImageDraw.Draw(img), view["fakes"], view["arrows"], extent, size,
                arrow_scale(view["arrows"], extent, size), every=max(1, len(view["fakes"]) // ARROWS_DRAWN))
        out = np.asarray(img)
    return out


def _dots(img: np.ndarray, points: Any, extent: Sequence[float], color: tuple[int, int, int], r: int) -> np.ndarray:
    """``points`` as square dots of half-width ``r`` (those outside the picture are left out)."""
    size = img.shape[0]
    pix = _pixels(np.asarray(points, np.float32).reshape(-1, 2), extent, size).round().astype(int)
    keep = (pix >= 0).all(1) & (pix < size).all(1)
    out = img.copy()
    for dx in range(-r, r + 1):
        for dy in range(-r, r + 1):
            out[np.clip(pix[keep, 1] + dy, 0, size - 1), np.clip(pix[keep, 0] + dx, 0, size - 1)] = color
    return out


def legend(view: dict, layers: Iterable[str], size: int = 420) -> str:
    """One line under the picture: what each colour is, and the arrows' scale."""
    on = set(layers)
    bits = []
    if "real" in on:
        bits.append("green dots: real data")
    if "fakes" in on:
        bits.append("purple dots: G's fakes")
    if "heatmap" in on:
        what = "D's verdict" if view.get("heatmap_kind", "probability") == "probability" else "the critic's score"
        bits.append(f"background: {what} (green = real, purple = fake)")
    if "manifold" in on and view.get("manifold") is not None:
        bits.append("grey mesh: G's image of a square grid of latent space")
    if "arrows" in on and view.get("arrows") is not None:
        scale = arrow_scale(view["arrows"], view["extent"], size)
        ref = ARROW_PX / scale if scale else 0.0
        bits.append(f"orange arrows: where G's next update pushes the fakes ({ARROW_PX} px = a push of {ref:.3g}; "
                    "longer ones are cut there)")
    if "trails" in on:
        bits.append("faint lines: where the fakes came from")
    return " · ".join(bits)


def _side_by_side(*pictures: np.ndarray, gap: int = 8) -> np.ndarray:
    """Pictures of one height in a row, white between them."""
    h = pictures[0].shape[0]
    spacer = np.full((h, gap, 3), 255, np.uint8)
    parts: list[np.ndarray] = []
    for p in pictures:
        parts += [p, spacer]
    return np.concatenate(parts[:-1], 1)


def draw_phase(phase: dict, extent: Sequence[float], heatmap_kind: str = "probability",
               size: int = 420) -> np.ndarray:
    """The picture of one slow-motion phase (a dict of SlowStep.phases(), arrays or lists): the batch
    on D's map; a D update as D's map before | after; G's update as the fakes moving along their arrows."""
    base = {"extent": extent, "heatmap_kind": heatmap_kind}
    kind = phase["phase"]
    if kind == "batch":
        view = {**base, "heatmap": phase["heatmap"], "real": phase["real"][-1], "fakes": phase["fakes"][-1]}
        return draw_view_2d(view, ("real", "fakes", "heatmap"), size)
    if kind == "d_update":
        half = size * 3 // 4
        pts = {"real": phase["real"], "fakes": phase["fakes"]}
        before = draw_view_2d({**base, **pts, "heatmap": phase["heatmap_before"]},
                              ("real", "fakes", "heatmap"), half)
        after = draw_view_2d({**base, **pts, "heatmap": phase["heatmap_after"]},
                             ("real", "fakes", "heatmap"), half)
        return _side_by_side(before, after)
    view = {**base, "heatmap": phase["heatmap"], "fakes": phase["fakes_before"], "arrows": phase["arrows"]}
    trails = (phase["fakes_before"], phase["fakes_after"])
    picture = draw_view_2d(view, ("heatmap", "trails"), size, trails=trails)
    picture = _dots(picture, phase["fakes_before"], extent, FADED, 1)
    picture = _dots(picture, phase["fakes_after"], extent, FAKE, 2)
    img = Image.fromarray(picture)
    _arrows(ImageDraw.Draw(img), phase["fakes_before"], phase["arrows"], extent, size,
            arrow_scale(phase["arrows"], extent, size), every=max(1, len(phase["arrows"]) // ARROWS_DRAWN))
    return np.asarray(img)
