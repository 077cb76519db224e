"""GAN Lab's views of a 2D run, as numbers (Kahng et al., "GAN Lab", IEEE VIS 2018): D's heatmap,
G's manifold, on each fake the push of G's next update, KL / JS on a grid, and ``view_2d``, the one
dict the ``/view_2d`` API returns. Drawing them is the UI's business (ganlab/ui/train/view_2d.py).

Every view comes from the run's own compiled G and D (``StepFunctions.generate``, ``discriminate``,
``push``: traced once per session, then reused), never ``model.predict``, and none takes a training
step: D is called in inference mode and no random number is drawn, so looking changes nothing.
They read the weights as they are, like ``TrainingRun.samples`` (no wait for a running step).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ganlab.train import diagnostics
from ganlab.train.monitor import EXTENT, real_points
from ganlab.train.run import TrainingRun

GRID = 48  # cells per side of D's heatmap
MANIFOLD = 16  # lines per side of G's manifold
LATENT_SPAN = 2.0  # the manifold's latent grid spans [-2, 2] (±2 standard deviations of z ~ N(0, 1))


def check_2d(run: TrainingRun) -> None:
    """Raise a ValueError a student understands unless the run learns 2D points."""
    if run.spec.is_image or run.spec.data_shape != (2,):
        raise ValueError("This view is for 2D point data (ring, grid, moons, drawn points ...); "
                         f"this run learns data of shape {run.spec.data_shape}.")


def heatmap_kind(run: TrainingRun) -> str:
    """What the heatmap holds: "probability" (D's belief that a point is real; for least squares D's raw
    output, whose optimum p_data / (p_data + p_g) is one) or "critic" (the Wasserstein critic's score)."""
    return "critic" if run.gan.loss.name == "wasserstein" else "probability"


def grid_points(grid: int = GRID, extent: float = EXTENT) -> np.ndarray:
    """The heatmap's grid as (grid², 2) points, row by row: point i·grid + j is at
    (x_j, y_i), with x_j = y_j = -extent + j · 2·extent / (grid - 1)."""
    xs = np.linspace(-extent, extent, grid, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
    return np.stack([gx.ravel(), gy.ravel()], 1)


def heatmap(run: TrainingRun, grid: int = GRID, extent: float = EXTENT) -> np.ndarray:
    """D on the grid (grid, grid) float32: row 0 at y = -extent, column 0 at x = -extent; probabilities,
    or raw outputs for least squares and the critic (see heatmap_kind)."""
    check_2d(run)
    out = np.asarray(run.fns.discriminate(grid_points(grid, extent)), np.float32).reshape(grid, grid)
    return 1.0 / (1.0 + np.exp(-out)) if run.gan.loss.score == "probability" else out


def manifold_latent(run: TrainingRun, n: int = MANIFOLD, span: float = LATENT_SPAN,
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


def manifold_mesh(run: TrainingRun, n: int = MANIFOLD, span: float = LATENT_SPAN,
             dims: tuple[int, int] = (0, 1)) -> np.ndarray:
    """G's manifold: the image through G of a regular n×n grid over two latent dimensions in
    [-span, span] (default ±2, z ~ N(0, 1)), the others held at 0, as an (n, n, 2) array: [i, j] is
    G(z) with z[dims[0]] = u_j and z[dims[1]] = u_i (u = linspace(-span, span, n)); with latent size 2
    it is exactly GAN Lab's mesh. A 1D latent gives one row, (1, n, 2)."""
    check_2d(run)
    latent = manifold_latent(run, n, span, dims)
    out = np.asarray(run.fns.generate(latent), np.float32)
    return out.reshape(-1, n, 2)


def arrows(run: TrainingRun, latent: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """G's fakes for ``latent`` (default: the session's fixed latent batch, 512 points) and on each the
    push of G's next update, −∂ℓ_G/∂x for the run's own generator loss on D's raw scores (the loss the
    training step uses; ℓ_G(x) is one fake's term, L_G their mean, so this is N · −∂L_G/∂x), D in
    inference mode, not rescaled: two (N, 2) float32 arrays from one compiled call."""
    check_2d(run)
    fake, push = run.fns.push(latent or run.fixed_latent)
    return np.asarray(fake, np.float32), np.asarray(push, np.float32)


def view_2d(run: TrainingRun, grid: int = GRID, manifold: int = MANIFOLD,
            real: np.ndarray | None = None, extent: float = EXTENT) -> dict[str, Any]:
    """Everything the 2D view draws, JSON-ready (plain floats), for the ``/view_2d`` API.

    Keys: ``step``; ``extent`` [x0, x1, y0, y1]; ``heatmap`` (grid rows, row 0 at y0, column 0 at x0)
    and ``heatmap_kind`` ("probability" | "critic"); ``real`` and ``fakes`` ([x, y] lists: ``real``
    or 600 fixed picks of the data, G's 512 fixed-latent fakes); ``arrows`` (one [dx, dy] per fake,
    −∂ℓ_G/∂x, see ``arrows``); ``manifold`` (manifold × manifold [x, y], see ``manifold_mesh``);
    ``js`` and ``kl`` (bits, diagnostics.divergence_2d) beside ``coverage`` and ``on_data``.
    """
    check_2d(run)
    step = run.step_count  # the step the pictures show (a running run may add steps meanwhile)
    fakes, push = arrows(run)
    real = real_points(run) if real is None else np.asarray(real, np.float32)
    quality = diagnostics.quality_2d(real, fakes, extent)
    return {
        "step": step,
        "extent": [-extent, extent, -extent, extent],
        "heatmap": heatmap(run, grid, extent).tolist(),
        "heatmap_kind": heatmap_kind(run),
        "real": real.tolist(),
        "fakes": fakes.tolist(),
        "arrows": push.tolist(),
        "manifold": manifold_mesh(run, manifold).tolist(),
        **quality,
    }
