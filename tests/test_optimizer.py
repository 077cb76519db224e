"""The optimizer setting: adam (the default, as before) or plain sgd, used by the run, kept by checkpoints,
and kept out of the engine's groups (their optimizers are StatelessAdam)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ganlab.config import ConfigError, TrainConfig
from ganlab.data import Dataset
from ganlab.server import engine
from ganlab.train.history import make_optimizer
from ganlab.train.run import TrainingRun
from ganlab.ui.train.presets import PRESETS

POINTS = Dataset("p", np.random.default_rng(0).normal(0, 1, (128, 2)).astype("float32"), kind="points")
MINIMAX = "Compare: minimax vs non-saturating loss"


def _run(**kw) -> TrainingRun:
    config = TrainConfig(model="vanilla", dataset="p", batch_size=16, seed=3, steps=20, precision="float32", **kw)
    return TrainingRun(config, dataset=POINTS)


def test_the_default_is_adam_and_older_configs_load_as_adam():
    assert TrainConfig().optimizer == "adam"
    assert TrainConfig(optimizer="sgd").optimizer == "sgd"
    with pytest.raises(ConfigError, match="optimizer must be one of adam, sgd"):
        TrainConfig(optimizer="rmsprop")
    old = {k: v for k, v in TrainConfig(model="vanilla", dataset="ring").to_dict().items() if k != "optimizer"}
    assert TrainConfig.from_dict(old).optimizer == "adam"  # a card saved before the setting existed


def test_sgd_steps_by_minus_the_learning_rate_times_the_gradient():
    opt = make_optimizer(TrainConfig(optimizer="sgd"), 0.1)
    assert isinstance(opt, keras.optimizers.SGD) and opt.momentum == 0
    v = keras.Variable(np.array([1.0, -2.0, 3.0], "float32"))
    grad = np.array([0.5, 0.01, -4.0], "float32")
    opt.apply([keras.ops.convert_to_tensor(grad)], [v])
    np.testing.assert_allclose(np.asarray(v.value), [1.0, -2.0, 3.0] - 0.1 * grad, rtol=1e-6)
    assert isinstance(make_optimizer(TrainConfig(), 0.1), keras.optimizers.Adam)


def test_a_run_trains_with_the_optimizer_it_asks_for():
    sgd, adam = _run(optimizer="sgd", lr_d=0.1), _run(lr_d=0.1)
    assert isinstance(sgd.d_opt, keras.optimizers.SGD) and isinstance(sgd.g_opt, keras.optimizers.SGD)
    assert sgd.fns.d_opt is sgd.d_opt and isinstance(adam.d_opt, keras.optimizers.Adam)
    moves = []
    for run in (sgd, adam):
        before = [np.array(v.value) for v in run.gan.discriminator.trainable_variables]
        run.step("d")
        after = [np.array(v.value) for v in run.gan.discriminator.trainable_variables]
        moves.append(np.concatenate([np.abs(a - b).ravel() for a, b in zip(after, before)]) / 0.1)
    def full_size(move: np.ndarray) -> float:  # the share of moved weights that moved by the learning rate
        return float(np.mean(np.abs(move[move > 1e-3] - 1.0) < 0.05))

    assert full_size(moves[1]) > 0.9  # Adam's first step is about the learning rate for (nearly) every weight
    assert full_size(moves[0]) < 0.2  # SGD's is the learning rate times |gradient|


def test_an_sgd_run_is_saved_and_resumed_as_sgd_and_stays_out_of_the_engine(tmp_path):
    run = _run(optimizer="sgd", lr_g=0.05, lr_d=0.05)
    run.steps(5)
    assert not engine.eligible([run]) and engine.eligible([_run()])
    resumed = TrainingRun.resume_from(run.save(tmp_path / "ck"), dataset=POINTS)
    assert resumed.config.optimizer == "sgd" and isinstance(resumed.g_opt, keras.optimizers.SGD)
    assert int(resumed.d_opt.iterations.value) == int(run.d_opt.iterations.value) == 5
    np.testing.assert_allclose(resumed.samples(), run.samples(), atol=1e-6)
    assert resumed.step().step == 6  # its saved optimizer state fits the SGD it rebuilt


def test_the_minimax_lesson_trains_with_sgd_and_the_others_with_adam():
    assert PRESETS[MINIMAX].settings["optimizer"] == "sgd"
    a, b = TrainConfig(**PRESETS[MINIMAX].settings).run_configs()
    assert (a.optimizer, b.optimizer, a.loss, b.loss) == ("sgd", "sgd", "non_saturating", "minimax")
    assert all(p.settings.get("optimizer", "adam") == "adam" for name, p in PRESETS.items() if name != MINIMAX)
