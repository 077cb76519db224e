"""The training engine (GANLAB_ENGINE=1): jobs trained in shared groups train as they would alone."""

from __future__ import annotations

import time

import numpy as np
import pytest

from ganlab.config import TrainConfig
from ganlab.server.engine import Ticket, eligible, shape_key
from ganlab.server.store import ServerBusy, SessionStore
from ganlab.train.run import TrainingRun

STEPS = 24
BASE = {"model": "vanilla", "dataset": "ring", "batch_size": 16, "latent_dim": 4, "steps": STEPS,
        "options": {"hidden": 16, "layers": 2}}
# three students who differ in seed (so data), learning rates, loss and k
JOBS = [{"seed": 1, "lr_g": 1e-3, "lr_d": 2e-3, "loss": "non_saturating", "k": 1},
        {"seed": 2, "lr_g": 5e-4, "lr_d": 1e-3, "loss": "least_squares", "k": 3},
        {"seed": 3, "lr_g": 2e-3, "lr_d": 1e-3, "loss": "hinge", "k": 2}]


def config(**changes) -> TrainConfig:
    """A tiny ring run."""
    return TrainConfig(**{**BASE, **changes})


def wait(predicate, timeout: float = 120.0) -> None:
    """Wait until ``predicate()`` holds (or fail)."""
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def alone(store: SessionStore, cfg: TrainConfig, steps: int = STEPS) -> TrainingRun:
    """The same run trained alone by TrainingRun.steps."""
    run = TrainingRun(cfg, dataset=store.dataset(cfg))
    for n in (5, steps - 5):
        run.steps(n)
    return run


def assert_same(a: TrainingRun, b: TrainingRun) -> None:
    """The same history (float tolerance)."""
    assert [r.step for r in a.history] == [r.step for r in b.history]
    for field in ("d_loss", "g_loss", "d_real", "d_fake"):
        np.testing.assert_allclose([getattr(r, field) for r in a.history], [getattr(r, field) for r in b.history],
                                   rtol=1e-4, atol=1e-5)


@pytest.fixture
def store(tmp_path):
    """A store with the engine on."""
    s = SessionStore(root=tmp_path, engine=True, idle_timeout_s=0)
    yield s
    s.close()


def test_three_jobs_together_train_as_alone(store):
    for i, job in enumerate(JOBS):
        store.create(f"s{i}", config(**job))
    jobs = [store.start(f"s{i}") for i in range(3)]
    assert all(isinstance(j.thread, Ticket) for j in jobs)
    assert len({shape_key(j.run) for j in jobs}) == 1
    wait(lambda: not any(j.active for j in jobs))
    assert sorted(g.capacity for g in store._engine.groups()) == []  # every slot freed, groups gone
    for job, cfg in zip(jobs, JOBS):
        assert job.run.status == "finished" and job.run.step_count == STEPS
        assert_same(job.run, alone(store, config(**cfg)))


def test_pause_resume_and_reset_free_the_slot(store):
    store.create("s", config(**JOBS[0], steps=100_000))
    job = store.start("s")
    wait(lambda: job.run.step_count > 5)
    job.pause()
    wait(lambda: job.run.status == "paused")
    at = job.run.step_count
    time.sleep(0.3)
    assert job.run.step_count == at and job.active
    job.resume()
    wait(lambda: job.run.step_count > at)
    assert [g.capacity for g in store._engine.groups()] == [1]
    store.release("s")
    assert not job.active and job.run.stopped
    assert store._engine.groups() == []


def test_fork_inside_the_engine(store):
    store.create("s", config(**JOBS[0], steps=60))
    job = store.start("s")
    wait(lambda: job.run.step_count >= 10)
    store.fork("s", "lr_d", 5e-4)
    b = job.other
    wait(lambda: not job.active)
    assert job.run.step_count == b.step_count == 60
    assert b.changes[-1].name == "lr_d" and b.changes[-1].new == 5e-4
    fork_step = job.fork_step
    ref = alone(store, config(**JOBS[0], steps=60), fork_step)
    branch = ref.fork("lr_d", 5e-4)
    branch.steps(60 - fork_step)
    ref.steps(60 - fork_step)
    assert_same(b, branch)  # the branch trained in the engine as the same fork trained alone
    assert_same(job.run, ref)


def test_a_diverging_run_stops_alone(store):
    bad = store.create("bad", config(**JOBS[0], steps=100_000))
    weights = bad.run.gan.discriminator.trainable_variables[0]
    weights.assign(np.full(weights.shape, np.nan, np.float32))  # its first step's losses are NaN
    store.create("good", config(**JOBS[1]))
    bad, good = store.start("bad"), store.start("good")
    wait(lambda: not bad.active)
    assert bad.run.status == "diverged" and bad.run.step_count == 1
    wait(lambda: not good.active)
    assert good.run.status == "finished"
    assert_same(good.run, alone(store, config(**JOBS[1])))


def paused_job(store, cfg):
    """A job started in the engine and paused after at least 10 steps, and the step it paused at."""
    store.create("s", cfg)
    job = store.start("s")
    wait(lambda: job.run.step_count >= 10)
    job.pause()
    wait(lambda: job.run.status == "paused")
    return job, job.run.step_count


def test_steps_taken_outside_the_engine_are_put_back(store):
    cfg = config(**JOBS[1], steps=80)
    job, at = paused_job(store, cfg)
    job.run.step("d")  # Step's D-only and a single step, while the engine holds its slot
    job.run.step()
    job.resume()
    wait(lambda: not job.active)
    ref = TrainingRun(cfg, dataset=store.dataset(cfg))
    ref.steps(at)
    ref.step("d")
    ref.step()
    ref.steps(80 - ref.step_count)
    assert_same(job.run, ref)


def test_on_by_default_and_only_2d_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("GANLAB_ENGINE", raising=False)
    assert SessionStore(root=tmp_path).use_engine
    monkeypatch.setenv("GANLAB_ENGINE", "0")
    assert not SessionStore(root=tmp_path).use_engine
    ring = TrainingRun(config(), dataset=SessionStore(root=tmp_path).dataset(config()))
    assert eligible([ring])
    ring.dataset.kind = "image"
    assert not eligible([ring])


def test_a_k_past_its_tier_moves_the_run_to_another_group(store):
    cfg = config(**JOBS[0], steps=40)
    job, at = paused_job(store, cfg)
    job.run.change_settings(k=7)  # past the k <= 5 tier
    job.resume()
    wait(lambda: not job.active)
    ref = TrainingRun(cfg, dataset=store.dataset(cfg))
    ref.steps(at)
    ref.change_settings(k=7)
    ref.steps(40 - at)
    assert_same(job.run, ref)


def test_groups_of_one_shape_share_one_compiled_program(store, monkeypatch):
    monkeypatch.setattr("ganlab.server.engine.CAPACITIES", (1, 2))  # two programs to compile, not four
    warm = TrainingRun(config(), dataset=store.dataset(config()))
    store.warm_engine(warm)  # what the server does at launch: every capacity compiled once, in the background
    wait(lambda: len(store._engine._programs) == 2 and all(p.ready.is_set() for p in store._engine._programs.values()))
    programs = list(store._engine._programs.values())
    assert all(p.error is None and p.steps.compiles() == 1 for p in programs)
    jobs = [store.create(f"s{i}", config(**JOBS[i % 2], steps=6)) for i in range(4)]
    for i in range(4):
        store.start(f"s{i}")
    wait(lambda: not any(j.active for j in jobs))
    # groups of 1, 2 and 2 (two groups share the capacity-2 program) compiled nothing more
    assert len(store._engine._programs) == 2 and all(p.steps.compiles() == 1 for p in programs)
    assert all(j.run.step_count == 6 and j.run.remote is None for j in jobs)  # left the engine, state copied home


def test_runs_outside_the_engine_have_their_own_cap(store, monkeypatch):
    monkeypatch.setattr("ganlab.server.store.SOLO_RUNS", 1)
    store.create("sgd", config(steps=100_000, optimizer="sgd"))  # SGD trains in its own thread
    store.create("sgd2", config(steps=100_000, optimizer="sgd"))
    store.create("ring", config(steps=20))
    assert not isinstance(store.start("sgd").thread, Ticket)
    with pytest.raises(ServerBusy, match="besides the 2D runs"):
        store.start("sgd2")
    assert isinstance(store.start("ring").thread, Ticket)  # a 2D Adam run still joins the engine
    store.get("sgd").run.stop()
