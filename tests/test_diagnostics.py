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
    found = alarms(_calm(COLLAPSE_AFTER), loss, class_shares=shares) + alarms(_calm(COLLAPSE_AFTER), loss, coverage=0.1)
    assert [a.kind for a in found] == ["collapse", "collapse"]  # one collapse alarm per run (images, 2D)
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


# -- readings and alarms agree (synthetic histories) --------------------------------------------------
def _steps(n: int, d_loss: float = 1.3, g_loss: float = 0.8, d_real: float = 0.52,
           d_fake: float = 0.48) -> list[StepMetrics]:
    return [StepMetrics(i, d_loss, g_loss, d_real, d_fake, 0.01 * i, 100.0) for i in range(1, n + 1)]


def _spread(**kw):
    from ganlab.train.diagnostics import Spread

    return Spread(**kw)


def test_close_to_equilibrium_only_when_the_fakes_also_sit_on_the_data():
    """D's verdicts near 0.5 at step 11 (D has not learned yet) with fakes scattered off the data is no
    equilibrium; the same verdicts with the fakes on the data is."""
    from ganlab.losses import LOSSES
    from ganlab.train.diagnostics import reading

    loss = LOSSES["non_saturating"]
    scattered = _spread(coverage=1.0, on_data=0.1, off_map=0.05)
    early = reading(_steps(11), loss, quality=scattered)
    assert "equilibrium" not in early and "not on the data" in early and "only 10%" in early
    assert reading(_steps(325), loss, quality=_spread(coverage=1.0, on_data=0.8, off_map=0.0)).startswith(
        "Close to equilibrium")
    assert reading(_steps(325), loss).startswith("Close to equilibrium")  # no measure of the fakes: the verdicts


def test_a_blow_up_is_named_divergence_and_silences_collapse_and_d_wins():
    """Losses of 4e9, or most fakes off the picture: the reading and the only alarm say it blew up."""
    from ganlab.losses import LOSSES
    from ganlab.train.diagnostics import alarms, reading

    loss = LOSSES["non_saturating"]
    history = _steps(300, d_loss=0.01, d_real=0.99, d_fake=0.01)  # D winning: d_wins would fire
    history[-20] = StepMetrics(281, 0.01, 4018357248.0, 0.99, 0.01, 2.8, 100.0)
    found = alarms(history, loss, coverage=0.0, off_map=0.0)
    assert [a.kind for a in found] == ["diverged"] and "4.0e9" in found[0].message
    text = reading(history, loss, quality=_spread(coverage=0.0, on_data=0.0, off_map=0.0))
    assert text.startswith("Training blew up") and "4.0e9" in text and "weak gradients" not in text
    flung = _spread(coverage=0.0, on_data=0.0, off_map=0.9)  # calm losses, fakes off the map
    assert [a.kind for a in alarms(_steps(300), loss, coverage=0.0, off_map=0.9)] == ["diverged"]
    assert "90% of the fakes were flung off the picture" in reading(_steps(300), loss, quality=flung)
    nan = _steps(50)
    nan[-1] = StepMetrics(50, float("nan"), 1.0, 0.5, 0.5, 0.5, 100.0)
    assert "NaN" in reading(nan, loss) and [a.kind for a in alarms(nan, loss)] == ["diverged"]
    assert reading(nan, loss, status="diverged", stop_reason="D loss became NaN at step 50").startswith(
        "Training blew up: D loss became NaN")


def test_collapse_only_when_the_fakes_stay_on_the_map():
    from ganlab.losses import LOSSES
    from ganlab.train.diagnostics import alarms, reading

    loss = LOSSES["non_saturating"]
    clump = _spread(coverage=0.12, on_data=0.9, off_map=0.0)
    assert reading(_steps(300), loss, quality=clump).startswith("Mode collapse: generated points cover only 12%")
    assert [a.kind for a in alarms(_steps(300), loss, coverage=0.12, off_map=0.0)] == ["collapse"]
    half_gone = _spread(coverage=0.12, on_data=0.0, off_map=0.4)  # scattered, many off the map: not a collapse
    assert alarms(_steps(300), loss, coverage=0.12, off_map=0.4) == []
    assert not reading(_steps(300), loss, quality=half_gone).startswith("Mode collapse")


def test_every_state_has_one_reading_that_the_alarms_do_not_contradict():
    """For each synthetic state: the reading's first words, and alarm kinds that fit it."""
    from ganlab.losses import LOSSES
    from ganlab.train.diagnostics import alarms, assess

    loss = LOSSES["minimax"]
    cases = {  # name: (history, spread, expected state, allowed alarm kinds)
        "d_wins": (_steps(300, d_loss=0.01, d_real=0.99, d_fake=0.01), {}, "d_wins", {"d_wins", "no_progress"}),
        "g_fools": (_steps(300, d_real=0.4, d_fake=0.6), {}, "g_fools", set()),
        "tug": (_steps(300, d_real=0.75, d_fake=0.3), {}, "tug", set()),
        "collapse": (_steps(300, d_real=0.9, d_fake=0.1), {"coverage": 0.1, "off_map": 0.0}, "collapse",
                     {"collapse"}),
    }
    for name, (history, kw, state, allowed) in cases.items():
        assert assess(history, loss, _spread(**kw)).kind == state, name
        assert {a.kind for a in alarms(history, loss, **kw)} <= allowed, name


def test_where_the_fakes_are_in_plain_words():
    from ganlab.train.diagnostics import where_fakes_are
    from ganlab.train.monitor import Quality

    words = where_fakes_are(Quality(coverage=0.75, on_data=0.3, kl=10.94, js=0.9, off_map=0.1))
    assert "reach 75% of the places" in words and "only 30%" in words and "hardly at all" in words
    assert "10% are off the picture" in words and "KL 10.9 bits" in words
    assert where_fakes_are(Quality()) == ""


def test_human_numbers():
    from ganlab.numbers import human_number

    assert human_number(4018357248.0) == "4.0e9" and human_number(1.386) == "1.39"
    assert human_number(0.0500) == "0.05" and human_number(-3e-5) == "-3.0e-5" and human_number(0) == "0"
    assert (human_number(float("nan")), human_number(float("inf")), human_number(None)) == ("NaN", "∞", "–")
