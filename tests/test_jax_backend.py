"""The same core on the JAX backend: one training step per model, and a save/load round trip."""

import textwrap

import pytest

from tests.conftest import run_on_jax

pytest.importorskip("jax")

SCRIPT = textwrap.dedent("""
    import numpy as np, keras
    assert keras.backend.backend() == "jax"
    from ganlab.config import TrainConfig
    from ganlab.data import Dataset
    from ganlab.train.run import TrainingRun
    from ganlab import checkpoints
    from ganlab.sampling import Sampler
    rng = np.random.default_rng(0)
    imgs = Dataset("t", rng.uniform(-1, 1, (32, 28, 28, 1)).astype("float32"),
                   (np.arange(32) % 10).astype("int32"), tuple("0123456789"))
    pts = Dataset("p", rng.normal(0, 1, (64, 2)).astype("float32"), kind="points")
    for model, ds in [("vanilla", pts), ("dcgan", imgs), ("cgan", imgs), ("wgan_gp", imgs)]:
        s = TrainingRun(TrainConfig(model=model, dataset=ds.name, batch_size=8, k=2,
                                        options={"width": 0.25}), dataset=ds)
        before = [np.array(v) for v in s.gan.generator.trainable_variables]
        recs = [s.step(kind) for kind in ("train", "d", "g")]
        after = [np.array(v) for v in s.gan.generator.trainable_variables]
        assert all(np.isfinite([r.d_loss, r.g_loss]).all() for r in recs), model
        assert any(not np.allclose(a, b) for a, b in zip(before, after)), model
        assert int(s.d_opt.iterations.numpy()) == 3 and int(s.g_opt.iterations.numpy()) == 2
        print(model, "ok", recs[0].d_loss, recs[0].extras)
    path = s.save("JAXCKPT")
    loaded = checkpoints.load_generator(path)
    lat = {"z": np.zeros((2, s.spec.latent_dim), "float32")}
    np.testing.assert_allclose(Sampler(loaded.gan)(lat), s.samples(lat), atol=1e-5)
    print("roundtrip ok")
""")


@pytest.mark.slow
def test_jax_backend_trains_every_model(tmp_path):
    out = run_on_jax(SCRIPT.replace("JAXCKPT", str(tmp_path / "ckpt")), "roundtrip ok")
    assert "wgan_gp ok" in out
