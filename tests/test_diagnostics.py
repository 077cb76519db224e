"""Display helpers over the per-step history: incremental columns and downsampling."""

from __future__ import annotations

import numpy as np

from ganlab.train.diagnostics import HistoryColumns, downsample, history_arrays
from ganlab.train.session import StepMetrics


def _records(n: int, gp_from: int) -> list[StepMetrics]:
    return [StepMetrics(i, 1.0 + i, 2.0 * i, 0.5, 0.25, 0.01 * i, 10.0,
                        extras={"gp": 0.1 * i} if i >= gp_from else {}) for i in range(1, n + 1)]


def test_incremental_columns_match_a_full_read_even_when_an_extra_appears_late():
    history = _records(3000, gp_from=1200)
    cols = HistoryColumns()
    for n in (1, 7, 1199, 1200, 1201, 2048, 3000, 3000):
        got = cols.update(history[:n])
        want = history_arrays(history[:n])
        assert list(got) == list(want)
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])
    assert np.isnan(got["gp"][:1199]).all() and got["gp"][-1] == 300.0


def test_downsample_keeps_the_newest_step_and_the_mean():
    steps = np.arange(1, 10_001, dtype=float)
    x, out = downsample(steps, {"d": steps.copy()}, points=300)
    assert len(x) == 300 and x[-1] == 10_000
    assert abs(out["d"].mean() - steps.mean()) < 1.0
