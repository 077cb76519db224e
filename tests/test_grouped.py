"""GroupedSteps: runs trained together in one program each train as they would alone."""

from __future__ import annotations

import textwrap

import keras
import numpy as np
import pytest

from ganlab.config import TrainConfig
from ganlab.data.toy import toy_2d
from ganlab.models import ModelSpec, get_model_class
from ganlab.train.grouped import GroupedSteps
from ganlab.train.run import TrainingRun
from tests.conftest import run_on_jax

BATCH, MAX_K = 16, 3
SPEC = ModelSpec((2,), 4, 0, "float32", {"hidden": 16, "layers": 2})
LOSSES = get_model_class("vanilla").losses
# (seed, lr_g, lr_d, loss, k) of three runs that differ in everything live
RUNS = [(1, 1e-3, 2e-3, "non_saturating", 1), (2, 5e-4, 1e-3, "least_squares", 3), (3, 2e-3, 1e-3, "hinge", 2)]


def fresh_state(seed: int) -> list[np.ndarray]:
    """A new run's state, built as a TrainingRun builds its GAN."""
    keras.utils.set_random_seed(seed)
    gan = get_model_class("vanilla")(SPEC, "non_saturating", seed=seed)
    return GroupedSteps.values_of(gan, keras.optimizers.Adam(), keras.optimizers.Adam())


def make_group(capacity: int) -> GroupedSteps:
    """A group of tiny vanilla GANs."""
    keras.utils.set_random_seed(0)
    return GroupedSteps(get_model_class("vanilla")(SPEC, seed=0), capacity=capacity, max_k=MAX_K, max_steps=8)


def train(group: GroupedSteps, slots: dict[int, tuple], calls: int = 2, n: int = 3,
          active: set[int] | None = None, lr_d: dict[int, float] | None = None) -> list[dict]:
    """``calls`` calls of n steps for runs ``slots`` {slot: RUNS entry}; each call's metrics."""
    data = toy_2d("ring", 512)
    cap = group.capacity
    active = set(slots) if active is None else active
    settings = {"lr_g": [1e-3] * cap, "lr_d": [1e-3] * cap, "loss": [0] * cap, "k": [1] * cap, "active": [False] * cap}
    for slot, (_, lr_g, lr_d_, loss, k) in slots.items():
        settings["lr_g"][slot], settings["lr_d"][slot] = lr_g, (lr_d or {}).get(slot, lr_d_)
        settings["loss"][slot], settings["k"][slot] = LOSSES.index(loss), k
        settings["active"][slot] = slot in active
    samplers = {slot: data.index_sampler(BATCH, run[0]) for slot, run in slots.items()}
    source = {"x": np.repeat(data.x[None], cap, axis=0)}
    out = []
    for _ in range(calls):
        rows = {s: samplers[s](n * slots[s][4]).reshape(n, slots[s][4], BATCH) for s in slots if s in active}
        out.append(group.train(source, rows, n, group.settings(**settings)))
    return out


@pytest.fixture(scope="module")
def together() -> tuple[GroupedSteps, list[dict], dict[int, list]]:
    """The three runs trained together in slots 0, 2 and 3 of a group of 4 (slot 1 free): the group,
    its metrics, each slot's final state."""
    group = make_group(4)
    for slot, run in zip((0, 2, 3), RUNS):
        group.put(slot, fresh_state(run[0]))
    metrics = train(group, dict(zip((0, 2, 3), RUNS)))
    return group, metrics, {slot: group.take(slot) for slot in (0, 2, 3)}


def test_runs_together_train_as_alone(together):
    _, metrics, finals = together
    alone = make_group(1)
    for slot, run in zip((0, 2, 3), RUNS):
        alone.put(0, fresh_state(run[0]))
        mine = train(alone, {0: run})
        for call, ref in zip(metrics, mine):
            assert set(call) == {"d_loss", "g_loss", "d_real", "d_fake"}
            for name in call:
                np.testing.assert_allclose(call[name][:, slot], ref[name][:, 0], rtol=1e-5, atol=1e-6)
        for a, b in zip(finals[slot], alone.take(0)):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert alone.take(0)[-1] == LOSSES.index(RUNS[-1][3])  # the loss choice is written into the state


def test_paused_slot_unchanged_and_neighbours_unaffected(together):
    _, reference, _ = together
    group = make_group(4)
    for slot, run in zip((0, 2, 3), RUNS):
        group.put(slot, fresh_state(run[0]))
    before = group.take(2)
    metrics = train(group, dict(zip((0, 2, 3), RUNS)), active={0, 3})
    for a, b in zip(group.take(2), before):
        np.testing.assert_array_equal(a, b)
    for call, ref in zip(metrics, reference):
        for name in call:
            np.testing.assert_allclose(call[name][:, [0, 3]], ref[name][:, [0, 3]], rtol=1e-5, atol=1e-6)


def test_diverging_run_leaves_neighbours_alone(together):
    _, reference, _ = together
    group = make_group(4)
    for slot, run in zip((0, 2, 3), RUNS):
        group.put(slot, fresh_state(run[0]))
    metrics = train(group, dict(zip((0, 2, 3), RUNS)), lr_d={2: 1e30})
    assert not np.isfinite(metrics[-1]["d_loss"][:, 2]).all()  # it blew up
    for call, ref in zip(metrics, reference):
        for name in call:
            np.testing.assert_allclose(call[name][:, [0, 3]], ref[name][:, [0, 3]], rtol=1e-5, atol=1e-6)


def test_joining_and_changing_settings_compile_nothing(together):
    group, _, _ = together
    compiled = group.compiles()
    assert compiled == 1
    group.put(1, fresh_state(7))  # a run joins the free slot, with its own lr, loss and k
    runs = {0: RUNS[0], 1: (7, 3e-4, 3e-4, "minimax", 2), 2: RUNS[1], 3: RUNS[2]}
    metrics = train(group, runs, calls=2, n=2)
    assert np.isfinite(metrics[-1]["d_loss"]).all()
    train(group, runs, calls=1, n=5, active={1, 3})  # another chunk length, a paused run
    assert group.compiles() == compiled


def test_a_run_may_take_fewer_steps_in_a_call(together):
    _, reference, _ = together
    group = make_group(4)
    for slot, run in zip((0, 2, 3), RUNS):
        group.put(slot, fresh_state(run[0]))
    data = toy_2d("ring", 512)
    rows = {slot: data.index_sampler(BATCH, run[0])(3 * run[4]).reshape(3, run[4], BATCH)
            for slot, run in zip((0, 2, 3), RUNS)}
    rows[2] = rows[2][:2]  # slot 2 takes 2 of the call's 3 steps
    settings = group.settings([r[1] for r in RUNS[:1]] + [1e-3] + [r[1] for r in RUNS[1:]],
                              [r[2] for r in RUNS[:1]] + [1e-3] + [r[2] for r in RUNS[1:]],
                              [LOSSES.index(r[3]) for r in (RUNS[0], RUNS[0], *RUNS[1:])],
                              [r[4] for r in (RUNS[0], RUNS[0], *RUNS[1:])], [True, False, True, True],
                              steps=[3, 0, 2, 3])
    metrics = group.train({"x": np.repeat(data.x[None], 4, axis=0)}, rows, 3, settings)
    for name in metrics:
        np.testing.assert_allclose(metrics[name][:2, [0, 2, 3]], reference[0][name][:2, [0, 2, 3]], rtol=1e-5,
                                   atol=1e-6)
    assert group.take(2)[-2].tolist() != fresh_state(RUNS[1][0])[-2].tolist()  # it trained (its seed moved)
    before = group.take(2)
    settings["steps"][2] = 1
    group.train({"x": np.repeat(data.x[None], 4, axis=0)}, {2: rows[2][:1]}, 3, settings)
    assert group.take(2)[-2].tolist() != before[-2].tolist()


def test_group_of_one_matches_training_session():
    """The ring preset alone in a group: the same history and weights as TrainingRun's run."""
    config = TrainConfig(model="vanilla", dataset="ring", loss="non_saturating", lr_g=0.001, lr_d=0.001, k=1,
                         batch_size=64, latent_dim=8, seed=0, steps=100)
    session = TrainingRun(config, dataset=toy_2d("ring", 2000), data_on_device=False)
    group = GroupedSteps(get_model_class("vanilla")(session.spec, seed=0), capacity=1, max_k=1, max_steps=8)
    group.put(0, GroupedSteps.values_of(session.gan, session.g_opt, session.d_opt))
    rows = session.dataset.index_sampler(64, 0)
    source = {"x": session.dataset.x[None]}
    settings = group.settings([0.001], [0.001], [LOSSES.index("non_saturating")], [1], [True])
    mine = [group.train(source, {0: rows(4).reshape(4, 1, 64)}, 4, settings) for _ in range(2)]
    theirs = session.steps(4) + session.steps(4)
    np.testing.assert_allclose(np.concatenate([m["d_loss"][:, 0] for m in mine]), [r.d_loss for r in theirs],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.concatenate([m["g_loss"][:, 0] for m in mine]), [r.g_loss for r in theirs],
                               rtol=1e-5, atol=1e-6)
    for a, b in zip(group.take(0), GroupedSteps.values_of(session.gan, session.g_opt, session.d_opt)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_grouped_on_jax():
    script = textwrap.dedent("""
        import sys, pytest
        code = pytest.main(["-q", "-p", "no:cacheprovider", "-o", "addopts=", "-m", "not slow",
                            "tests/test_grouped.py"])
        print("grouped on jax:", "ok" if code == 0 else "failed")
        sys.exit(int(code))
    """)
    run_on_jax(script, "grouped on jax: ok")
