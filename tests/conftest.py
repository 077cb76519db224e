"""Shared fixtures: quiet TF, the data folder, tiny synthetic datasets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parent.parent
_shared = REPO.parent / "shared" / "data"
if "GANLAB_DATA_DIR" not in os.environ and _shared.is_dir():
    os.environ["GANLAB_DATA_DIR"] = str(_shared)

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ganlab.data import Dataset  # noqa: E402


def have_mnist() -> bool:
    """True when the MNIST IDX files are reachable through GANLAB_DATA_DIR."""
    d = os.environ.get("GANLAB_DATA_DIR")
    return bool(d) and (Path(d) / "mnist" / "train-images-idx3-ubyte.gz").is_file()


needs_mnist = pytest.mark.skipif(not have_mnist(), reason="MNIST not found (set GANLAB_DATA_DIR)")


def run_on_jax(script: str, expect: str, timeout: int = 600) -> str:
    """Run a Python script under the JAX backend (CPU) in a fresh process from the repository root;
    fail with its stderr unless it exits 0 and prints ``expect``; return its stdout."""
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert expect in proc.stdout, proc.stdout[-3000:]
    return proc.stdout


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items) -> None:
    """Every browser test is slow too: ``pytest -m "not slow"`` (the fast tier) leaves them out."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def tiny_images() -> Dataset:
    """64 labelled 28×28 images: class c is a bright bar at row 2c."""
    rng = np.random.default_rng(0)
    y = np.arange(64, dtype=np.int32) % 10
    x = np.full((64, 28, 28, 1), -1.0, np.float32)
    for i, c in enumerate(y):
        x[i, 2 * c + 2 : 2 * c + 5, 4:24] = 1.0
    x += rng.normal(0, 0.05, x.shape).astype(np.float32)
    return Dataset("tiny", np.clip(x, -1, 1), y, tuple(str(i) for i in range(10)))


@pytest.fixture
def tiny_points() -> Dataset:
    """A tight 2D cluster far from the origin (easy for D to separate from early fakes)."""
    rng = np.random.default_rng(0)
    pts = (rng.normal(0, 0.05, (512, 2)) + [3.0, 3.0]).astype(np.float32)
    return Dataset("cluster", pts, kind="points")


def make_tiny_pairs(n: int = 16, size: int = 32) -> Dataset:
    """Paired data: sketch = a dark square outline; target = the square filled red (learnable fast)."""
    rng = np.random.default_rng(0)
    cond = np.ones((n, size, size, 1), np.float32)
    x = np.ones((n, size, size, 3), np.float32)
    for i in range(n):
        a, b = sorted(rng.integers(4, size - 4, 2))
        b = max(b, a + 4)
        cond[i, a:b, a:b] = -1.0
        cond[i, a + 1 : b - 1, a + 1 : b - 1] = 1.0
        x[i, a:b, a:b] = (1.0, -1.0, -1.0)
    return Dataset("squares", x, cond=cond, meta={"test_cond": cond[:4], "test_x": x[:4]})
