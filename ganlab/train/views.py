"""GAN Lab's views of a 2D run, as numbers (Kahng et al., "GAN Lab", IEEE VIS 2018): ``view_2d``, the one
dict the ``/view_2d`` API returns, with KL / JS on a grid. The layers themselves (D's heatmap, G's manifold,
on each fake the push of G's next update) are computed in ganlab.train.layers_2d, the one module of the 2D
view's numbers, and named here too. Drawing them is the UI's business (ganlab/ui/train/view_2d.py and the
browser's canvas).

Every view comes from the run's own compiled G and D (``StepFunctions.generate``, ``discriminate``,
``push``: traced once per session, then reused), never ``model.predict``, and none takes a training
step: D is called in inference mode and no random number is drawn, so looking changes nothing.
They read the weights as they are, like ``TrainingRun.samples`` (no wait for a running step).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ganlab.train import diagnostics
from ganlab.train.layers_2d import (  # noqa: F401  (the numbers' names, as the API and tests know them)
    EXTENT,
    GRID,
    LATENT_SPAN,
    MANIFOLD,
    arrows,
    check_2d,
    extent_box,
    grid_points,
    heatmap,
    heatmap_kind,
    manifold_latent,
    manifold_mesh,
    real_points,
)
from ganlab.train.run import TrainingRun


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
        "extent": extent_box(extent),
        "heatmap": heatmap(run, grid, extent).tolist(),
        "heatmap_kind": heatmap_kind(run),
        "real": real.tolist(),
        "fakes": fakes.tolist(),
        "arrows": push.tolist(),
        "manifold": manifold_mesh(run, manifold).tolist(),
        **quality,
    }
