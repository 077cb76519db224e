"""The numbers of a 2D run's view, in one place: D's heatmap on a grid, the real points, G's fakes and on
each the push of G's next update, G's manifold mesh, the extent, and the compact frame the browser draws
from. Used by the ``/view_2d`` API (ganlab.train.views), the live Train view (the browser's canvas and
the server's PNG for comparisons), the snapshots of replays and the class view.

It stands below the run (ganlab.train.run imports the snapshots, which import this): a ``run`` here is
anything with the TrainingRun's ``spec``, ``gan``, ``fns``, ``dataset`` and ``fixed_latent``. Looking
changes nothing: D is called in inference mode and no random number is drawn.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

from ganlab.train.diagnostics import push_lengths

EXTENT = 2.5  # the 2D view and its coverage grid span [-EXTENT, EXTENT]²
GRID = 48  # cells per side of D's heatmap
MANIFOLD = 16  # lines per side of G's manifold
LATENT_SPAN = 2.0  # the manifold's latent grid spans [-2, 2] (±2 standard deviations of z ~ N(0, 1))
REAL_POINTS = 600  # fixed picks of the data that a 2D view draws and measures against
ARROWS_DRAWN = 96  # arrows on at most about this many fakes (every n-th): more hide the picture
DIGITS = 3  # decimals of a point's coordinates in a browser frame (a thousandth of a unit: under a pixel)


def check_2d(run: Any) -> None:
    """Raise a ValueError a student understands unless the run learns 2D points."""
    if run.spec.is_image or tuple(run.spec.data_shape) != (2,):
        raise ValueError("This view is for 2D point data (ring, grid, moons, drawn points ...); "
                         f"this run learns data of shape {run.spec.data_shape}.")


def extent_box(extent: float = EXTENT) -> list[float]:
    """The view's [x0, x1, y0, y1]."""
    return [-float(extent), float(extent), -float(extent), float(extent)]


def heatmap_kind(run: Any) -> str:
    """What the heatmap holds: "probability" (D's belief that a point is real; for least squares D's raw
    output, whose optimum p_data / (p_data + p_g) is one) or "critic" (the Wasserstein critic's score)."""
    return "critic" if run.gan.loss.name == "wasserstein" else "probability"


def grid_points(grid: int = GRID, extent: float = EXTENT) -> np.ndarray:
    """The heatmap's grid as (grid², 2) points, row by row: point i·grid + j is at
    (x_j, y_i), with x_j = y_j = -extent + j · 2·extent / (grid - 1)."""
    xs = np.linspace(-extent, extent, grid, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
    return np.stack([gx.ravel(), gy.ravel()], 1)


def heatmap(run: Any, grid: int = GRID, extent: float = EXTENT) -> np.ndarray:
    """D on the grid (grid, grid) float32: row 0 at y = -extent, column 0 at x = -extent; probabilities,
    or raw outputs for least squares and the critic (see heatmap_kind)."""
    check_2d(run)
    out = np.asarray(run.fns.discriminate(grid_points(grid, extent)), np.float32).reshape(grid, grid)
    return 1.0 / (1.0 + np.exp(-out)) if run.gan.loss.score == "probability" else out


def heat_range(heat: np.ndarray, probability: bool) -> tuple[float, float]:
    """The range a heatmap is stored over: [0, 1] for probabilities, else its own finite minimum and
    maximum ([0, 1] when none is finite)."""
    if probability:
        return 0.0, 1.0
    finite = heat[np.isfinite(heat)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def shade(heat: np.ndarray, kind: str) -> np.ndarray:
    """Each cell's colour position in [0, 1] (0 = fake's purple, 0.5 = white, 1 = real's green), as
    ganlab.images.points_view colours it: a probability as it is, a critic's score squashed around its
    median (one standard deviation ≈ a quarter of the way)."""
    s = np.nan_to_num(np.asarray(heat, np.float32), nan=0.5, posinf=1.0, neginf=0.0)
    if kind != "probability":
        s = 1.0 / (1.0 + np.exp(-(s - np.median(s)) / (s.std() + 1e-6)))
    return np.clip(s, 0.0, 1.0)


def quantize(heat: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """A heatmap as uint8 levels over [lo, hi] (0 at lo, 255 at hi; NaN as lo)."""
    scaled = np.clip((np.nan_to_num(np.asarray(heat, np.float32), nan=lo) - lo) / max(hi - lo, 1e-12), 0, 1)
    return np.round(scaled * 255).astype(np.uint8)


def manifold_latent(run: Any, n: int = MANIFOLD, span: float = LATENT_SPAN,
                    dims: tuple[int, int] = (0, 1)) -> dict[str, np.ndarray]:
    """G's inputs for the manifold: a regular n×n grid over latent dimensions ``dims`` in [-span, span]
    (dims[0] along a row, dims[1] down the rows), the other dimensions 0; one row for a 1D latent."""
    dim = run.spec.latent_dim
    u = np.linspace(-span, span, n, dtype=np.float32)
    rows = 1 if dim < 2 else n
    z = np.zeros((rows, n, dim), np.float32)
    z[:, :, dims[0]] = u[None, :]
    if dim >= 2:
        z[:, :, dims[1]] = u[:, None]
    return run.gan.latent_for(z.reshape(rows * n, dim))


def manifold_mesh(run: Any, n: int = MANIFOLD, span: float = LATENT_SPAN,
                  dims: tuple[int, int] = (0, 1)) -> np.ndarray:
    """G's manifold: the image through G of a regular n×n grid over two latent dimensions in
    [-span, span] (default ±2, z ~ N(0, 1)), the others held at 0, as an (n, n, 2) array: [i, j] is
    G(z) with z[dims[0]] = u_j and z[dims[1]] = u_i (u = linspace(-span, span, n)); with latent size 2
    it is exactly GAN Lab's mesh. A 1D latent gives one row, (1, n, 2)."""
    check_2d(run)
    out = np.asarray(run.fns.generate(manifold_latent(run, n, span, dims)), np.float32)
    return out.reshape(-1, n, 2)


def arrows(run: Any, latent: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """G's fakes for ``latent`` (default: the run's fixed latent batch, 512 points) and on each the
    push of G's next update, −∂ℓ_G/∂x for the run's own generator loss on D's raw scores (the loss the
    training step uses; ℓ_G(x) is one fake's term, L_G their mean, so this is N · −∂L_G/∂x), D in
    inference mode, not rescaled: two (N, 2) float32 arrays from one compiled call."""
    check_2d(run)
    fake, push = run.fns.push(latent or run.fixed_latent)
    return np.asarray(fake, np.float32), np.asarray(push, np.float32)


def real_points(run: Any, count: int = REAL_POINTS) -> np.ndarray:
    """The real points a 2D view draws and measures against: ``count`` fixed picks from the data."""
    x = run.dataset.x
    return x[np.random.default_rng(0).choice(len(x), min(count, len(x)), replace=False)]


def ruler_bars(pushes: Any, ref: float | None) -> np.ndarray:
    """Pushes (N, 2) as lengths on the run's log ruler, in bars: a push of ``ref`` is one bar, each 10×
    stronger one bar more, one 10× weaker than ``ref`` or less 0 (not drawn)."""
    n = push_lengths(pushes)
    if not ref:
        return np.zeros_like(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        bars = 1 + np.log10(np.maximum(n, 1e-300) / ref)
    return np.maximum(np.nan_to_num(bars, nan=0.0), 0.0)


def arrow_stride(count: int) -> int:
    """Every how many fakes an arrow is drawn (at most about ARROWS_DRAWN arrows)."""
    return max(1, count // ARROWS_DRAWN)


def _points(a: Any) -> list:
    """Points as [x, y] lists rounded to DIGITS decimals; NaN and ±inf as None (JSON has neither)."""
    p = np.round(np.asarray(a, np.float64), DIGITS)
    if np.isfinite(p).all():
        return p.tolist()
    return [[v if math.isfinite(v) else None for v in row] for row in p.reshape(-1, 2).tolist()]


def browser_frame(view: dict[str, Any], ref: float | None) -> dict[str, Any]:
    """A view's numbers (the dict the live view computes: extent, fakes, arrows, heatmap, heatmap_kind,
    manifold; any may be None) as the small JSON the browser draws: the heatmap's shades as base64 uint8
    levels (row 0 at y0), points rounded to DIGITS decimals, and the arrows only on every n-th
    fake, as a unit direction and a length in ruler bars (``ref``: the run's fixed ruler)."""
    out: dict[str, Any] = {"extent": [float(v) for v in view["extent"]], "heatmap_kind": view["heatmap_kind"],
                           "fakes": _points(view["fakes"]), "heatmap": None, "manifold": None, "arrows": None,
                           "arrow_ref": ref}
    heat = view.get("heatmap")
    if heat is not None:
        levels = quantize(shade(heat, view["heatmap_kind"]), 0.0, 1.0)
        out["heatmap"] = {"size": list(levels.shape), "levels": base64.b64encode(levels.tobytes()).decode()}
    if view.get("manifold") is not None:
        out["manifold"] = _points(view["manifold"])
    push = view.get("arrows")
    if push is not None and ref:
        every = arrow_stride(len(push))
        a = np.nan_to_num(np.asarray(push, np.float64).reshape(-1, 2)[::every], nan=0.0, posinf=0.0, neginf=0.0)
        unit = a / np.maximum(push_lengths(a), 1e-300)[:, None]
        out["arrows"] = {"every": every, "unit": np.round(unit, 3).tolist(),
                         "bars": np.round(ruler_bars(a, ref), 3).tolist()}
    return out

