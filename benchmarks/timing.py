"""The timing loop the latency benchmarks share."""

from __future__ import annotations

import time
from collections.abc import Callable

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
