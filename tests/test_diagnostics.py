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


def test_monitor_reads_class_shares_at_most_every_few_seconds_and_alarms_on_collapse(tiny_images):
    """Image data: the classifier (any predict callable) reads G's samples; one class taking most
    of them raises the collapse alarm; between readings (throttled) the last one stands."""
    from ganlab.config import TrainConfig
    from ganlab.train.monitor import Monitor
    from ganlab.train.session import TrainingSession

    s = TrainingSession(TrainConfig(model="cgan", dataset="tiny", batch_size=8, precision="float32",
                                    options={"width": 0.25}), dataset=tiny_images)
    calls = []

    def predict(images):
        calls.append(len(images))
        return np.full(len(images), 3)

    m = Monitor(s, predict, tuple("0123456789"), every_s=60.0)
    q = m.measure()
    assert q.coverage is None and q.class_shares[3] == 1.0 and q.reads == 1
    assert q.asked_hit == 0.1  # one row per class was asked for; all are read as 3
    assert m.measure() is q and len(calls) == 1  # throttled: the last reading stands
    assert m.measure(force=True).reads == 2 and len(calls) == 2
    found = m.alarms(s.history)
    assert [a.kind for a in found] == ["collapse"] and "class 3" in found[0].message
    assert Monitor(s).measure().class_shares is None and not Monitor(s).alarms(s.history)  # no classifier


def test_monitor_coverage_on_2d_data_and_its_alarm():
    from ganlab.config import TrainConfig
    from ganlab.train.monitor import REAL_POINTS, Monitor
    from ganlab.train.session import TrainingSession

    s = TrainingSession(TrainConfig(model="vanilla", dataset="ring", batch_size=8, precision="float32"))
    m = Monitor(s, lambda x: 1 / 0)  # never asked: 2D data has no classifier reading
    assert m.real_points.shape == (REAL_POINTS, 2)
    assert m.measure(np.zeros((512, 2), np.float32)).coverage == 0.0  # all fakes in one spot
    assert [a.kind for a in m.alarms(s.history)] == ["collapse"]
    assert m.measure(m.real_points).coverage == 1.0
    assert not m.alarms(s.history)
    assert m.measure() is m.quality  # no samples brought, measured just now: the last measures stand
    assert 0.0 <= m.measure(force=True).coverage <= 1.0  # G's own fixed-latent samples, drawn by the monitor
    assert m.measure().as_dict()["class_shares"] is None
