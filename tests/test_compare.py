"""Comparisons and forks: run A of a comparison is the run trained alone, a fork's branches start from
the parent's exact state, and the comparison's reading comes from the numbers."""

import numpy as np
import pytest

from ganlab.config import ConfigError, TrainConfig
from ganlab.data import Dataset
from ganlab.train import compare
from ganlab.train.compare import Side, lockstep
from ganlab.train.run import StepMetrics, TrainingRun

POINTS = Dataset("p", np.random.default_rng(0).normal(0, 1, (128, 2)).astype("float32"), kind="points")


def _session(**kw) -> TrainingRun:
    config = TrainConfig(model="vanilla", dataset="p", batch_size=16, seed=3, steps=60, precision="float32", **kw)
    return TrainingRun(config, dataset=POINTS)


def _losses(session: TrainingRun) -> np.ndarray:
    return np.array([[r.d_loss, r.g_loss, r.d_real, r.d_fake] for r in session.history])


def test_run_a_of_a_comparison_equals_the_run_trained_alone():
    a, b = _session(), _session(loss="minimax")
    records = list(lockstep([a, b]))
    alone = _session()
    list(alone.run())
    assert a.step_count == b.step_count == 60 and a.status == b.status == "finished"
    assert len(records) == 120
    np.testing.assert_array_equal(_losses(a), _losses(alone))  # same seed, same batches: the same run
    assert not np.array_equal(_losses(b), _losses(alone))  # B's loss differs, so does its history


def test_a_fork_starts_from_the_parents_state_and_the_unchanged_branch_goes_on_as_alone():
    parent = _session()
    parent.steps(20)
    branch = parent.fork("lr_d", 0.01)
    list(lockstep([parent, branch]))
    alone = _session()
    list(alone.run())
    np.testing.assert_array_equal(_losses(parent), _losses(alone))  # the unchanged branch = parent continued
    np.testing.assert_array_equal(_losses(branch)[:20], _losses(alone)[:20])  # up to the fork: the parent's
    # after it: exactly the parent with D's rate changed at step 20 (weights, Adam, noise and data copied)
    changed = _session()
    changed.steps(20)
    changed.change_settings(lr_d=0.01)
    changed.steps(40)
    np.testing.assert_array_equal(_losses(branch), _losses(changed))
    assert [(c.step, c.name, c.new) for c in branch.changes] == [(20, "lr_d", 0.01)]


def test_a_fork_may_change_the_batch_size_but_not_the_networks_shape():
    parent = _session()
    parent.steps(5)
    branch = parent.fork("batch_size", 32)
    branch.steps(3)
    assert branch.config.batch_size == 32 and branch.step_count == 8
    assert [(c.step, c.name, c.old, c.new) for c in branch.changes] == [(5, "batch_size", 16, 32)]
    with pytest.raises(ValueError, match="keep the networks' shapes"):
        parent.fork("latent_dim", 4)


def test_a_comparison_is_two_settings_of_the_table():
    a, b = TrainConfig(model="vanilla", dataset="ring", compare="k", compare_value="5").run_configs()
    assert (a.k, b.k, a.compare, b.compare) == (None, 5, "", "")
    assert TrainConfig(compare="lr_d", compare_value="0.01").comparison() == ("lr_d", 0.01)
    assert TrainConfig().run_configs()[1] is None
    for bad, message in [({"compare": "seed", "compare_value": "1"}, "compare must be one of"),
                         ({"compare": "k", "compare_value": ""}, "Give run B's value of k"),
                         ({"compare": "k", "compare_value": "many"}, "k must be a number"),
                         ({"compare": "lr_g", "compare_value": "3"}, "Learning rate lr_g")]:
        with pytest.raises(ConfigError, match=message):
            TrainConfig(**bad)


def _history(g: np.ndarray, d_fake: np.ndarray, d: np.ndarray | None = None) -> list[StepMetrics]:
    d = np.full(len(g), 0.5) if d is None else d
    return [StepMetrics(i + 1, float(d[i]), float(g[i]), 0.9, float(d_fake[i]), time=0.0, steps_per_sec=1.0)
            for i in range(len(g))]


def test_the_reading_names_a_flat_g_loss_swings_and_the_closer_fakes():
    rng = np.random.default_rng(1)
    n = 300
    flat = Side("B (loss = minimax)", _history(0.01 + 0.001 * rng.normal(size=n), np.full(n, 0.02)), js=0.6,
                coverage=0.25)
    lively = Side("A (loss = non_saturating)", _history(1 + 0.3 * rng.normal(size=n), np.full(n, 0.4)), js=0.1,
                  coverage=1.0)
    text = compare.reading(lively, flat, "loss")
    assert "B (loss = minimax)'s G loss has flattened" in text
    assert "A (loss = non_saturating)'s fakes are closer to the data" in text and "100% of the modes" in text
    wild = Side("B", _history(np.ones(n), np.full(n, 0.4), d=1 + rng.normal(size=n)))
    calm = Side("A", _history(np.ones(n), np.full(n, 0.4), d=1 + 0.01 * rng.normal(size=n)))
    assert "B's losses swing" in compare.reading(calm, wild, "lr_d")
    assert "train a few dozen steps" in compare.reading(Side("A", []), Side("B", []), "k")
