"""TrainingRun: seeds, pause/resume/stop across threads, divergence, learning-rate changes."""

import threading
import time

import numpy as np
import pytest

from ganlab.config import ConfigError, TrainConfig
from ganlab.data import Dataset
from ganlab.train.run import TrainingDiverged, TrainingRun, TrainingStopped
from tests.ui_helpers import wait_for


def _ring_session(seed=0, **kw):
    return TrainingRun(TrainConfig(model="vanilla", dataset="ring", batch_size=32, seed=seed, **kw))


def test_same_seed_same_run_different_seed_different_run():
    a = [r.d_loss for r in _ring_session(seed=5).run(5)]
    b = [r.d_loss for r in _ring_session(seed=5).run(5)]
    c = [r.d_loss for r in _ring_session(seed=6).run(5)]
    np.testing.assert_allclose(a, b, rtol=1e-5)
    assert not np.allclose(a, c)


def test_run_yields_one_record_per_step_with_timing():
    s = _ring_session(steps=12)
    records = list(s.run())
    assert [r.step for r in records] == list(range(1, 13))
    assert s.status == "finished"
    assert all(r.steps_per_sec > 0 for r in records)
    assert records[-1].time >= records[0].time > 0


def test_pause_resume_stop_from_another_thread():
    s = _ring_session(steps=100000)
    seen = []
    worker = threading.Thread(target=lambda: seen.extend(s.run()))
    worker.start()
    wait_for(lambda: s.step_count >= 5, timeout=120, what="the worker's first 5 steps")
    s.pause()
    wait_for(lambda: s.status == "paused", timeout=60, what="the run to pause at a call boundary")
    paused_at = s.step_count
    time.sleep(0.3)  # the stillness is what is tested: paused, the step count stays put for 0.3 s
    assert s.step_count == paused_at and s.status == "paused"
    s.resume()
    wait_for(lambda: s.step_count >= paused_at + 5, timeout=60, what="5 more steps after resume")
    s.stop()
    worker.join(5)
    assert not worker.is_alive() and s.status == "stopped"
    assert len(seen) == s.step_count
    with pytest.raises(TrainingStopped):
        s.step()


def test_non_finite_loss_stops_with_a_reason():
    x = np.full((64, 2), np.nan, np.float32)
    s = TrainingRun(TrainConfig(model="vanilla", dataset="bad"), dataset=Dataset("bad", x, kind="points"))
    with pytest.raises(TrainingDiverged, match="learning rate"):
        s.step()
    assert s.status == "diverged" and len(s.history) == 1
    assert list(s.run(5)) == []  # a diverged session takes no more steps


def test_k_discriminator_steps_per_generator_step():
    s = _ring_session(k=3)
    s.step()
    assert int(s.d_opt.iterations.numpy()) == 3 and int(s.g_opt.iterations.numpy()) == 1
    s.step("d")
    s.step("g")
    assert int(s.d_opt.iterations.numpy()) == 4 and int(s.g_opt.iterations.numpy()) == 2


def test_learning_rates_are_separate_and_changeable():
    s = _ring_session(lr_g=1e-3, lr_d=5e-4)
    assert float(s.g_opt.learning_rate.numpy()) == pytest.approx(1e-3)
    assert float(s.d_opt.learning_rate.numpy()) == pytest.approx(5e-4)
    s.change_settings(lr_g=2e-4)
    assert float(s.g_opt.learning_rate.numpy()) == pytest.approx(2e-4)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("batch_size", 0, "batch_size must be between 1"),
    ("lr_g", -0.1, "Learning rate lr_g"),
    ("lr_d", 50, "Learning rate lr_d"),
    ("latent_dim", 100000, "latent_dim"),
    ("batch_size", "abc", "whole number"),
    ("lr_g", "fast", "must be a number"),
    ("k", 2.5, "whole number"),
    ("precision", "float8", "precision"),
])
def test_bad_settings_have_clear_messages(field, value, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**{field: value})


def test_numeric_strings_are_accepted():
    c = TrainConfig(batch_size="32", lr_g="0.001")
    assert c.batch_size == 32 and c.lr_g == 0.001


def test_ring_converges_quickly():
    """The classroom promise: the 8-Gaussian ring is covered after a short run."""
    s = TrainingRun(TrainConfig(model="vanilla", dataset="ring", batch_size=256, lr_g=1e-3,
                                    lr_d=1e-3, latent_dim=8, seed=0))
    for _ in s.run(1500):
        pass
    pts = s.samples()
    radius = np.linalg.norm(pts, axis=1)
    angles = np.round((np.arctan2(pts[:, 1], pts[:, 0]) % (2 * np.pi)) / (2 * np.pi / 8)).astype(int) % 8
    near = np.abs(radius - 1.5) < 0.4
    covered = np.bincount(angles[near], minlength=8)
    assert near.mean() > 0.7, near.mean()
    assert (covered >= 10).sum() >= 7, covered


def _rate(opt) -> float:
    import keras

    return float(keras.ops.convert_to_numpy(opt.learning_rate))


def test_learning_rates_fall_linearly_to_zero_from_the_decay_start(tmp_path):
    s = _ring_session(steps=20, k=2, lr_g=1e-3, lr_d=4e-3, lr_decay_start=10)
    list(s.run(10))
    assert _rate(s.g_opt) == pytest.approx(1e-3) and _rate(s.d_opt) == pytest.approx(4e-3)
    list(s.run(5))  # half way from step 10 to 20; D made 2 updates per step
    assert _rate(s.g_opt) == pytest.approx(0.5e-3) and _rate(s.d_opt) == pytest.approx(2e-3)
    resumed = TrainingRun.resume_from(s.save(tmp_path / "ck"))  # the schedule goes on from the saved step
    assert resumed.config.lr_decay_start == 10 and _rate(resumed.g_opt) == pytest.approx(0.5e-3)
    list(resumed.run())
    assert resumed.step_count == 20 and _rate(resumed.g_opt) == 0.0 and _rate(resumed.d_opt) == 0.0
    with pytest.raises(ConfigError, match="lr_decay_start"):
        TrainConfig(steps=20, lr_decay_start=20)
