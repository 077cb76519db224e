"""Fused execution: N steps in one compiled call give the same weights and per-step metrics as N single
steps (same seed), on TensorFlow and JAX, with the data gathered on the host or from a device copy;
pause and single steps keep their granularity; every step is in the history and the CSV."""

import itertools
import textwrap

import numpy as np
import pytest

from ganlab.config import TrainConfig
from ganlab.data import Dataset
from ganlab.train.run import TrainingRun
from tests.conftest import run_on_jax
from tests.ui_helpers import wait_for

RNG = np.random.default_rng(0)
IMAGES = Dataset("t", RNG.uniform(-1, 1, (64, 28, 28, 1)).astype("float32"),
                 (np.arange(64) % 10).astype("int32"), tuple("0123456789"))
POINTS = Dataset("p", RNG.normal(0, 1, (128, 2)).astype("float32"), kind="points")


def _pair(model, data, on_device, **kw):
    make = lambda: TrainingRun(TrainConfig(model=model, dataset=data.name, batch_size=8, seed=4, steps=50,
                                               precision="float32", **kw), dataset=data, data_on_device=on_device)
    return make(), make()


def _assert_same(single, fused, a, b):
    assert [r.step for r in single] == [r.step for r in fused] == list(range(1, len(single) + 1))
    for x, y in zip(single, fused):
        np.testing.assert_allclose([x.d_loss, x.g_loss, x.d_real, x.d_fake],
                                   [y.d_loss, y.g_loss, y.d_real, y.d_fake], rtol=1e-5, atol=1e-6)
        assert x.extras.keys() == y.extras.keys()
    for p, q in zip(a.gan.generator.get_weights() + a.gan.discriminator.get_weights(),
                    b.gan.generator.get_weights() + b.gan.discriminator.get_weights()):
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("model,data,on_device,kw", [
    ("vanilla", POINTS, False, {}),
    ("wgan_gp", POINTS, True, {"k": 2}),  # k D updates per step, input gradients, device-side gather
    ("cgan", IMAGES, False, {"options": {"width": 0.25}}),
    ("infogan", IMAGES, True, {"options": {"width": 0.25}}),
])
def test_fused_steps_equal_single_steps(model, data, on_device, kw):
    a, b = _pair(model, data, on_device, **kw)
    single = [a.step() for _ in range(6)]
    fused = b.steps(6)
    _assert_same(single, fused, a, b)
    assert int(a.g_opt.iterations.numpy()) == int(b.g_opt.iterations.numpy()) == 6


def test_run_records_every_step_and_adapts_the_chunk(tmp_path):
    s = TrainingRun(TrainConfig(model="vanilla", dataset="p", batch_size=8, steps=300), dataset=POINTS)
    records = list(s.run())
    assert [r.step for r in records] == list(range(1, 301)) and s.status == "finished"
    assert [r.step for r in s.history] == list(range(1, 301))
    assert s.chunk > 1  # a vanilla step is far under 50 ms: calls fuse several steps
    times = [r.time for r in records]
    assert all(t1 > t0 for t0, t1 in itertools.pairwise(times))  # each step its own (spread) time
    from ganlab.checkpoints import read_history

    path = s.save(tmp_path / "ck")
    rows = read_history(path / "history.csv")
    assert [int(r["step"]) for r in rows] == list(range(1, 301))


def test_pause_stops_at_a_call_boundary_and_single_steps_stay_single(monkeypatch):
    import threading
    import time

    # 1,600 steps: a snapshot every 16 (run() ends its calls on them), so calls of 16 are whole
    s = TrainingRun(TrainConfig(model="vanilla", dataset="p", batch_size=8, steps=1600), dataset=POINTS)
    monkeypatch.setattr(s, "_measure", lambda *a: None)  # keep the chunk fixed for the test
    s.chunk = 16
    seen = []

    def watch():
        for r in s.run():
            seen.append(r)
            if len(seen) == 1:
                s.pause()  # asked during the first call's records: the run stops after that call

    worker = threading.Thread(target=watch)
    worker.start()
    wait_for(lambda: s.status == "paused", timeout=120, what="the run to pause after its first call")
    time.sleep(0.3)  # the stillness is what is tested: paused, no second call's steps arrive in 0.3 s
    assert s.status == "paused" and len(seen) == 16 and s.step_count == 16
    for kind in ("train", "d", "g"):
        before = s.step_count
        assert s.step(kind).step == before + 1 and s.step_count == before + 1
    s.stop()
    worker.join(30)
    assert not worker.is_alive() and s.step_count == 19
    tail = TrainingRun(TrainConfig(model="vanilla", dataset="p", batch_size=8, steps=1600), dataset=POINTS)
    monkeypatch.setattr(tail, "_measure", lambda *a: None)
    tail.chunk = 16
    assert [r.step for r in tail.run(20)] == list(range(1, 21))  # one call of 16, then the 4 left
    assert tail.status == "paused"  # 20 of 1600 steps done


def test_a_divergence_inside_a_fused_call_keeps_the_steps_before_it():
    s = TrainingRun(TrainConfig(model="vanilla", dataset="p", batch_size=8, steps=100), dataset=POINTS)
    n = 5
    values = {k: np.linspace(0.1, 0.5, n).astype("float32") for k in ("d_loss", "g_loss", "d_real", "d_fake")}
    values["g_loss"][3] = np.nan
    records = s._append(values, "train", 0.5)
    assert [r.step for r in records] == [1, 2, 3, 4] and np.isnan(records[-1].g_loss)
    assert s.status == "diverged" and "step 4" in s.stop_reason and "g_loss" in s.stop_reason
    assert len(s.history) == 4 and s.stopped


JAX_SCRIPT = textwrap.dedent("""
    import numpy as np, keras
    assert keras.backend.backend() == "jax"
    from ganlab.config import TrainConfig
    from ganlab.data import Dataset
    from ganlab.train.run import TrainingRun
    rng = np.random.default_rng(0)
    imgs = Dataset("t", rng.uniform(-1, 1, (64, 28, 28, 1)).astype("float32"),
                   (np.arange(64) % 10).astype("int32"), tuple("0123456789"))
    pts = Dataset("p", rng.normal(0, 1, (128, 2)).astype("float32"), kind="points")
    cases = [("vanilla", pts, {}), ("wgan_gp", pts, {"k": 2}), ("cgan", imgs, {"options": {"width": 0.25}})]
    for model, ds, kw in cases:
        make = lambda: TrainingRun(TrainConfig(model=model, dataset=ds.name, batch_size=8, seed=4, steps=50,
                                                   precision="float32", **kw), dataset=ds)
        a, b = make(), make()
        single = [a.step() for _ in range(6)]
        fused = b.steps(4) + b.steps(2)  # two lengths, one compiled program
        assert b.fns.train_many.compiles() == 1, b.fns.train_many.compiles()
        for x, y in zip(single, fused):
            np.testing.assert_allclose([x.d_loss, x.g_loss], [y.d_loss, y.g_loss], rtol=1e-5, atol=1e-6)
        for p, q in zip(a.gan.generator.get_weights(), b.gan.generator.get_weights()):
            np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)
        print(model, "same")
    s = TrainingRun(TrainConfig(model="vanilla", dataset="p", batch_size=8, steps=200), dataset=pts)
    assert [r.step for r in s.run()] == list(range(1, 201))
    print("run ok", s.chunk)
""")


@pytest.mark.slow
def test_fused_steps_equal_single_steps_on_jax():
    assert "cgan same" in run_on_jax(JAX_SCRIPT, "run ok")


def test_compiling_flag_is_up_only_while_a_program_is_first_compiled():
    """The Train tab says "compiling" while a call first builds its program: the first single step of
    each kind and the first fused call, not the calls after them."""
    s = TrainingRun(TrainConfig(model="vanilla", dataset="p", batch_size=8, steps=50), dataset=POINTS)
    seen = []
    for name in ("train", "d_only", "train_many"):
        fn = getattr(s.fns, name)

        def watched(*args, _fn=fn, _name=name):
            seen.append((_name, s.compiling))
            return _fn(*args)

        watched.compiles = getattr(fn, "compiles", None)
        setattr(s.fns, name, watched)
    s.step(), s.step(), s.step("d"), s.step("d"), s.steps(4), s.steps(4)
    assert seen == [("train", True), ("train", False), ("d_only", True), ("d_only", False),
                    ("train_many", True), ("train_many", False)]
    assert not s.compiling


def test_a_resumed_run_fuses_its_steps_like_a_fresh_one(tmp_path):
    """The first call of a resumed run compiles too: its seconds must not set the chunk (it once did,
    as if one step took seconds, and a resumed run then trained one step per call for good)."""
    fresh = TrainingRun(TrainConfig(model="vanilla", dataset="p", batch_size=8, steps=10**6), dataset=POINTS)
    for _ in fresh.run(600):
        pass
    fresh.save(tmp_path / "run")
    resumed = TrainingRun.resume_from(tmp_path / "run", dataset=POINTS)
    for _ in resumed.run(600):
        pass
    assert fresh.chunk > 1 and resumed.chunk > 1 and resumed.step_count == 1200
