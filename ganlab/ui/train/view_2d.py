"""Drawing of the Train tab's 2D view, layer by layer, from the numbers of ``/view_2d``.

The layers follow GAN Lab (Kahng et al., VIS 2018): D's heatmap, G's manifold (how G bends a
regular grid of latent space into data space), the real points, the fakes, on each fake the push
G's next update gives it, and short trails of where the fakes came from. Drawing only: every
number comes from ganlab.train.views; this module maps them to pixels with PIL.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ganlab.images import points_view
from ganlab.numbers import human_number
from ganlab.train.diagnostics import off_map, push_lengths, push_reference

# The layers by id, with the label a student reads (the id is what code, the API and lesson links use).
LAYERS = {"real": "real points", "fakes": "fakes", "heatmap": "D's heatmap", "manifold": "G's manifold",
          "arrows": "gradient arrows", "trails": "trails"}
# Shown until a student unticks them: all but the trails (they cross the picture when the fakes jump).
DEFAULT_LAYERS = ("real", "fakes", "heatmap", "manifold", "arrows")
REAL, FAKE = (30, 140, 60), (110, 40, 170)  # as ganlab.images.points_view draws them
MESH, ARROW, TRAIL, FADED = (60, 60, 60), (200, 90, 0), (150, 110, 190), (190, 160, 215)
ARROW_PX = 20  # one bar of the arrows' ruler (log): a push as large as the run's reference is one bar, each
# 10× stronger push one bar longer. Measured on the ring (seed 0): the healthy run's pushes grow ~100× from
# step 0 to 1000, so a linear scale fixed at step 0 would cut them all at the picture's edge.
EDGE = (200, 30, 30)  # the tip of an arrow cut at the picture's edge
ARROWS_DRAWN = 96  # arrows on at most about this many fakes (every n-th): more hide the picture


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


def arrow_pixels(lengths: Any, ref: float | None) -> np.ndarray:
    """Drawn lengths (px) of pushes on the run's log ruler: a push of ``ref`` is one bar (ARROW_PX), each
    10× stronger one bar more, and a push 10× weaker than ``ref`` or less is not drawn (length 0)."""
    n = np.asarray(lengths, np.float64)
    if not ref:
        return np.zeros_like(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        bars = 1 + np.log10(np.maximum(n, 1e-300) / ref)
    return np.maximum(np.nan_to_num(bars, nan=0.0), 0.0) * ARROW_PX


def _ref(view: dict) -> float | None:
    """The arrows' scale: the run's (fixed at its first views), else this picture's own."""
    return view.get("arrow_ref") or push_reference(view["arrows"])


def _mesh(draw: ImageDraw.ImageDraw, manifold: Any, extent: Sequence[float], size: int) -> None:
    """G's image of the latent grid: its rows and columns as polylines."""
    m = np.asarray(manifold, np.float32)
    if m.ndim != 3 or m.shape[-1] != 2:
        return
    pix = _pixels(m, extent, size).astype(np.float32)
    segments = [(a, b) for line in (*pix, *pix.transpose(1, 0, 2)) for a, b in itertools.pairwise(line)]
    if not segments:
        return
    lengths = np.array([np.hypot(*(b - a)) for a, b in segments])
    typical = float(np.median(lengths)) or 1.0
    # each segment fades as G stretches it (as the browser draws it): no dark chords across an empty middle
    strength = np.clip(2 * typical / np.maximum(lengths, 1e-6), 0, 1) ** 2
    for (a, b), w in zip(segments, np.maximum(strength, 0.06), strict=True):
        draw.line([tuple(a), tuple(b)], fill=(*MESH, round(255 * w)), width=1)  # blended: draw is RGBA


def _cut(start: np.ndarray, end: np.ndarray, size: int) -> tuple[np.ndarray, bool]:
    """``end`` pulled back along the arrow to the picture's edge, and whether it was cut."""
    delta = end - start
    t = 1.0
    for axis in (0, 1):
        if end[axis] < 0:
            t = min(t, (0 - start[axis]) / delta[axis])
        elif end[axis] > size - 1:
            t = min(t, (size - 1 - start[axis]) / delta[axis])
    return start + t * delta, t < 1.0


def _head(draw: ImageDraw.ImageDraw, tip: np.ndarray, unit: np.ndarray, length: float, cut: bool) -> None:
    """An arrow's head at ``tip``: two strokes, or at the picture's edge a big red triangle (cut there)."""
    ux, uy = unit
    if cut:
        back, side = tip - 11 * unit, np.array([-uy, ux]) * 6
        draw.polygon([tuple(tip), tuple(back + side), tuple(back - side)], fill=EDGE, outline=(90, 0, 0))
        return
    head = min(6.0, length / 2)
    for sign in (1, -1):
        draw.line([tuple(tip), (tip[0] - head * (ux + sign * 0.5 * uy), tip[1] - head * (uy - sign * 0.5 * ux))],
                  fill=ARROW, width=2)


def _arrows(draw: ImageDraw.ImageDraw, fakes: Any, arrows: Any, extent: Sequence[float], size: int,
            ref: float | None, every: int = 1) -> None:
    """An arrow on every ``every``-th fake in the picture: direction and strength of G's push (−∂L_G/∂x)
    on the log ruler of ``ref``; one longer than the picture is cut at its edge with a red tip."""
    start = _pixels(fakes, extent, size)[::every].astype(np.float64)
    a = np.nan_to_num(np.asarray(arrows, np.float64).reshape(-1, 2)[::every])
    pushes = push_lengths(a)
    unit = a / np.maximum(pushes, 1e-300)[:, None] * np.array([1, -1])  # pixel y grows downwards
    px = arrow_pixels(pushes, ref)
    for s, u, n in zip(start, unit, px):
        if n < 1.5 or not ((s >= 0).all() and (s <= size - 1).all()):
            continue
        tip, cut = _cut(s, s + n * u, size)
        draw.line([tuple(s), tuple(tip)], fill=ARROW, width=2)
        _head(draw, tip, u, float(np.hypot(*(tip - s))), cut)


def _off_picture(draw: ImageDraw.ImageDraw, points: Any, extent: Sequence[float], size: int) -> None:
    """Each point outside the picture as a small purple triangle on its edge, pointing the way it left."""
    pix = _pixels(np.asarray(points, np.float32).reshape(-1, 2), extent, size).astype(np.float64)
    pix = pix[np.isfinite(pix).all(1)]
    out = pix[((pix < 0) | (pix > size - 1)).any(1)]
    centre = np.array([size / 2, size / 2])
    for p in out:
        u = (p - centre) / max(float(np.hypot(*(p - centre))), 1e-9)
        tip = np.clip(p, 1, size - 2)
        back, side = tip - 9 * u, np.array([-u[1], u[0]]) * 5
        draw.polygon([tuple(tip), tuple(back + side), tuple(back - side)], fill=FAKE, outline=(40, 0, 70))


def _ruler(draw: ImageDraw.ImageDraw, ref: float, size: int) -> None:
    """The arrows' ruler in the bottom-left corner: three bars, marked with the push each one adds up to."""
    font = ImageFont.load_default(size=11)
    x0, y = 8, size - 12
    draw.rectangle([2, size - 34, x0 + 3 * ARROW_PX + 22, size - 2], fill=(255, 255, 255), outline=(180, 180, 180))
    draw.line([(x0, y), (x0 + 3 * ARROW_PX, y)], fill=ARROW, width=3)
    for i in range(4):
        x = x0 + i * ARROW_PX
        draw.line([(x, y - 4), (x, y + 4)], fill=(60, 60, 60), width=1)
        if i:
            draw.text((x, y - 6), human_number(ref * 10 ** (i - 1)), fill=(40, 40, 40), font=font, anchor="md")


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
    draw = ImageDraw.Draw(img, "RGBA")  # RGBA fills blend onto the picture (the mesh fades where stretched)
    if "manifold" in on and view.get("manifold") is not None:
        _mesh(draw, view["manifold"], extent, size)
    if "trails" in on and trails:
        _trails(draw, trails, extent, size)
    out = np.asarray(img).copy()
    if "fakes" in on:
        out = _dots(out, view["fakes"], extent, FAKE, 2)
    img = Image.fromarray(out)
    draw = ImageDraw.Draw(img)
    if "arrows" in on and view.get("arrows") is not None and (ref := _ref(view)):
        _arrows(draw, view["fakes"], view["arrows"], extent, size, ref,
                every=max(1, len(view["fakes"]) // ARROWS_DRAWN))
        _ruler(draw, ref, size)
    if "fakes" in on:
        _off_picture(draw, view["fakes"], extent, size)
    return np.asarray(img)


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
        bits.append(_arrow_words(view))
    if "fakes" in on and (gone := int(off_map(view["fakes"], view["extent"][1]).sum())):
        bits.append(f"{gone} fake{'s' if gone > 1 else ''} off the picture (purple triangles on the edge)")
    if "trails" in on:
        bits.append("faint lines: where the fakes came from")
    return " · ".join(bits)


def _arrow_words(view: dict) -> str:
    """The arrows' legend: what they are and how to read their ruler (one scale for the whole run)."""
    ref = _ref(view)
    if not ref:
        return "orange arrows: G's push on each fake (all about 0 now: nothing to draw)"
    return (f"orange arrows: how hard G's next update pushes each fake, on the ruler at the bottom left: one bar "
            f"= a push of {human_number(ref)}, each extra bar = 10× harder, no arrow = weaker than "
            f"{human_number(ref / 10)}; a red tip = cut at the edge. The ruler stays the same all run: shrinking "
            "arrows mean a fading push, growing ones a push that blows up")


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
            push_reference(phase["arrows"]), every=max(1, len(phase["arrows"]) // ARROWS_DRAWN))
    return np.asarray(img)
