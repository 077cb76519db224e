"""The timing loop the latency benchmarks share."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and 95th-percentile wall time of ``fn()`` in ms, after 3 warm-up calls."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times)), float(np.percentile(times, 95))


def arguments(description: str, checkpoint: str) -> argparse.Namespace:
    """The options every latency benchmark takes: --checkpoint and --runs."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--checkpoint", default=checkpoint)
    p.add_argument("--runs", type=int, default=50)
    return p.parse_args()


def load(get: Callable[[], Any], loader: Any) -> tuple[Any, float]:
    """The tab's model, loaded the way the app loads it (once), and the seconds it took."""
    t0 = time.perf_counter()
    model = get()
    if model is None:
        raise SystemExit(loader.error)
    return model, time.perf_counter() - t0


def report(model: Any, load_note: str, runs: int, rows: list[tuple[str, Callable[[], object]]]) -> None:
    """Print the device line and a median / p95 row per (name, fn)."""
    from ganlab import backend

    print(f"device: {backend.device_description()}, precision {model.gan.spec.precision}, "
          f"checkpoint {model.loaded.path.name}, {load_note}, {runs} runs each")
    width = max(len(name) for name, _ in rows) + 2
    print(f"{'':{width}s} {'median ms':>10s} {'p95 ms':>8s}")
    for name, fn in rows:
        med, p95 = timed(fn, runs)
        print(f"{name:{width}s} {med:10.1f} {p95:8.1f}")
