"""2D toy distributions (ring, grid, moons, spiral, circle) and user points (drawn or a file)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ganlab.data.base import DataError, Dataset


def _ring(n: int, rng: np.random.Generator) -> np.ndarray:
    k = rng.integers(0, 8, n)
    angle = 2 * np.pi * k / 8
    centers = np.stack([np.cos(angle), np.sin(angle)], 1) * 1.5
    return centers + rng.normal(0, 0.08, (n, 2))


def _grid(n: int, rng: np.random.Generator) -> np.ndarray:
    ij = rng.integers(0, 5, (n, 2))
    return (ij - 2) * 0.7 + rng.normal(0, 0.05, (n, 2))


def _moons(n: int, rng: np.random.Generator) -> np.ndarray:
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    pts = np.stack([x - 0.5, y - 0.25], 1) * 1.2
    return pts + rng.normal(0, 0.06, (n, 2))


def _spiral(n: int, rng: np.random.Generator) -> np.ndarray:
    t = np.sqrt(rng.uniform(0.04, 1, n)) * 3 * np.pi
    pts = np.stack([t * np.cos(t), t * np.sin(t)], 1) / (3 * np.pi) * 1.8
    return pts + rng.normal(0, 0.04, (n, 2))


def _circle(n: int, rng: np.random.Generator) -> np.ndarray:
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.stack([np.cos(angle), np.sin(angle)], 1) * 1.2 + rng.normal(0, 0.03, (n, 2))


TOY_2D: dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {
    "ring": _ring, "grid": _grid, "moons": _moons, "spiral": _spiral, "circle": _circle,
}
TOY_2D_DESCRIPTIONS = {
    "ring": "ring of 8 Gaussians", "grid": "5×5 grid of Gaussians", "moons": "two moons",
    "spiral": "spiral", "circle": "circle",
}


def toy_2d(name: str, n: int = 20000, seed: int = 0) -> Dataset:
    """A 2D toy distribution by name (ring, grid, moons, spiral, circle)."""
    if name not in TOY_2D:
        raise DataError(f"Unknown 2D distribution {name!r}; choose one of {', '.join(TOY_2D)}.")
    pts = TOY_2D[name](n, np.random.default_rng(seed)).astype(np.float32)
    return Dataset(name, pts, kind="points", meta={"description": TOY_2D_DESCRIPTIONS[name]})


def points_dataset(points: np.ndarray | list, name: str = "drawn", jitter: float = 0.03,
                   n: int = 20000, seed: int = 0) -> Dataset:
    """A 2D dataset from user points (drawn or uploaded): resampled with a little noise."""
    pts = np.asarray(points, dtype=np.float32)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 2:
        raise DataError(f"Need at least 2 points with 2 coordinates each; got shape {pts.shape}.")
    if not np.isfinite(pts).all():
        raise DataError("Points contain NaN or infinite values.")
    center = pts.mean(0)
    scale = float(np.abs(pts - center).max()) or 1.0
    pts = (pts - center) / scale * 1.5  # same scale as the built-in toys
    rng = np.random.default_rng(seed)
    sample = pts[rng.integers(0, len(pts), n)] + rng.normal(0, jitter, (n, 2))
    return Dataset(name, sample.astype(np.float32), kind="points",
                   meta={"description": f"{len(pts)} user points"})


def load_points_file(path: str | os.PathLike) -> np.ndarray:
    """Read 2D points from a .csv/.txt (x,y per line) or .npy file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Points file not found: {path}")
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        return np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2)
    except (ValueError, OSError) as e:
        raise DataError(f"Could not read points from {path}: {e}") from None
