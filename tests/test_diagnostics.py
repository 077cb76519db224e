"""Display helpers over the per-step history: incremental columns and downsampling."""

from __future__ import annotations

import numpy as np

from ganlab.train.diagnostics import COLLAPSE_AFTER, HistoryColumns, downsample
from ganlab.train.run import StepMetrics


def _records(n: int, gp_from: int) -> list[StepMetrics]:
    return [StepMetrics(i, 1.0 + i, 2.0 * i, 0.5, 0.25, 0.01 * i, 10.0,
                        extras={"gp": 0.1 * i} if i >= gp_from else {}) for i in range(1, n + 1)]


def _calm(n: int) -> list[StepMetrics]:
    """n records of a run in balance: no loss-based alarm, so only collapse can fire."""
    return [StepMetrics(i, 1.3, 0.8 + 0.001 * i, 0.55, 0.45, 0.01 * i, 100.0) for i in range(1, n + 1)]


def test_collapse_alarms_wait_until_g_has_trained_a_little():
    """An untrained G's samples all look alike (it has not learned yet): no collapse alarm before
    COLLAPSE_AFTER steps, then the same readings raise it."""
    from ganlab.losses import LOSSES
    from ganlab.train.diagnostics import COLLAPSE_AFTER, alarms

    shares, loss = np.array([0.9, 0.1]), LOSSES["non_saturating"]
    assert alarms(_calm(COLLAPSE_AFTER - 1), loss, class_shares=shares, coverage=0.1) == []
    found = alarms(_calm(COLLAPSE_AFTER), loss, class_shares=shares, coverage=0.1)
    assert [a.kind for a in found] == ["collapse", "collapse"]
    assert "90% of samples look like class 0" in found[0].message and "cover only 10%" in found[1].message
    assert alarms(_calm(COLLAPSE_AFTER), loss, class_shares=np.array([0.5, 0.5]), coverage=0.9) == []


def test_incremental_columns_match_a_full_read_even_when_an_extra_appears_late():
    history = _records(3000, gp_from=1200)
    cols = HistoryColumns()
    for n in (1, 7, 1199, 1200, 1201, 2048, 3000, 3000):
        got = cols.update(history[:n])
        want = HistoryColumns().update(history[:n])  # a fresh full read
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
    from ganlab.train.run import TrainingRun

    s = TrainingRun(TrainConfig(model="cgan", dataset="tiny", batch_size=8, precision="float32",
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
    assert not m.alarms(s.history)  # G has not trained yet: alike samples are no collapse
    found = m.alarms(_calm(COLLAPSE_AFTER))
    assert [a.kind for a in found] == ["collapse"] and "class 3" in found[0].message
    assert Monitor(s).measure().class_shares is None and not Monitor(s).alarms(_calm(COLLAPSE_AFTER))  # no classifier


def test_monitor_coverage_on_2d_data_and_its_alarm():
    from ganlab.config import TrainConfig
    from ganlab.train.monitor import REAL_POINTS, Monitor
    from ganlab.train.run import TrainingRun

    s = TrainingRun(TrainConfig(model="vanilla", dataset="ring", batch_size=8, precision="float32"))
    m = Monitor(s, lambda x: 1 / 0)  # never asked: 2D data has no classifier reading
    assert m.real_points.shape == (REAL_POINTS, 2)
    assert m.measure(np.zeros((512, 2), np.float32)).coverage == 0.0  # all fakes in one spot
    assert [a.kind for a in m.alarms(_calm(COLLAPSE_AFTER))] == ["collapse"]
    q = m.measure(m.real_points)
    assert q.coverage == 1.0 and q.as_dict()["on_data"] > 0.9  # real points: a few in sparse cells
    assert not m.alarms(_calm(COLLAPSE_AFTER))
    cloud = np.random.default_rng(0).uniform(-2.5, 2.5, (4000, 2)).astype(np.float32)
    q = m.measure(cloud)  # a wide cloud reaches every region, but most of it lies off the data
    assert q.coverage == 1.0 and 0.0 < q.on_data < 0.3
    assert m.measure() is m.quality  # no samples brought, measured just now: the last measures stand
    assert 0.0 <= m.measure(force=True).coverage <= 1.0  # G's own fixed-latent samples, drawn by the monitor
    assert m.measure().as_dict()["class_shares"] is None


def test_points_view_colours_each_cell_of_ds_surface_and_draws_both_point_sets():
    """GAN-Lab view: purple where D says fake, white at 0.5, green where D says real; dots on top."""
    from ganlab.images import points_view

    surface = np.array([[0.0, 0.5], [1.0, 0.5]], np.float32)  # row 0 is the top
    img = points_view(np.array([[1.25, -1.25]]), np.array([[-1.25, 1.25]]), surface, extent=2.5, size=100)
    assert img.shape == (100, 100, 3) and img.dtype == np.uint8
    assert tuple(img[5, 95]) == (255, 255, 255)      # top right: 0.5 → white
    assert tuple(img[95, 5]) == (170, 225, 180)      # bottom left: D says real → green
    assert tuple(img[25, 25]) == (110, 40, 170)      # the fake point (top left cell, D = 0)
    assert tuple(img[75, 75]) == (30, 140, 60)       # the real point (bottom right)
    assert tuple(img[5, 5]) == (200, 170, 230)       # elsewhere in the top-left cell: purple
    critic = points_view(np.zeros((0, 2)), np.zeros((0, 2)), np.array([[-3.0, 3.0]]), size=10,
                         probability=False)          # raw critic scores are squashed around their median
    assert critic[0, 0, 1] < 255 and critic[0, 9, 1] < 255 and critic.shape == (10, 10, 3)
