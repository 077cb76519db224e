"""A new model is one class plus a registry line: the training core, checkpoints and sampling need
no change. This test registers a tiny model from inside the test and drives it end to end."""

from __future__ import annotations

import numpy as np
import pytest
from keras import layers, ops

from ganlab import models
from ganlab.checkpoints import load_generator
from ganlab.config import TrainConfig
from ganlab.models.base import GAN
from ganlab.models.layers import mlp, model
from ganlab.sampling import Sampler
from ganlab.train.run import TrainingRun


class TinyHingeGAN(GAN):
    """A 2D MLP GAN with its own defaults, its own preview and an extra per-step metric."""

    name = "tiny_test_gan"
    data_kinds = ("points",)
    default_loss = "hinge"
    default_latent_dim = 3
    default_lr = (1e-3, 5e-4)
    default_batch_size = 16
    default_k = 2

    def build_generator(self):
        z = layers.Input((self.spec.latent_dim,))
        return model(z, layers.Dense(2, dtype="float32")(mlp(z, [8], self.hidden_dtype())), "generator")

    def build_discriminator(self):
        x = layers.Input((2,))
        return model(x, layers.Dense(1, dtype="float32")(mlp(x, [8], self.hidden_dtype())), "discriminator")

    def generator_objective(self, batch, fake, latent):
        loss, metrics = super().generator_objective(batch, fake, latent)
        return loss, {**metrics, "spread": ops.std(fake)}

    def preview_inputs(self, dataset, seed, per_class=6, count=36):
        rng = np.random.default_rng(seed)
        return {"z": rng.standard_normal((5, self.spec.latent_dim)).astype(np.float32)}, {}


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(models.REGISTRY, TinyHingeGAN.name, TinyHingeGAN)
    yield TinyHingeGAN


def test_registered_model_trains_saves_and_loads(registered, tmp_path):
    # float32 pinned: under mixed_bfloat16 (auto on a bf16 CPU) two compiled paths round differently
    session = TrainingRun(TrainConfig(model="tiny_test_gan", dataset="ring", steps=4, precision="float32"))
    c = session.config
    # Its defaults were resolved once from the class, a user's choice wins over them.
    assert (c.loss, c.lr_g, c.lr_d, c.batch_size, c.k, c.latent_dim) == ("hinge", 1e-3, 5e-4, 16, 2, 3)
    assert TrainingRun(TrainConfig(model="tiny_test_gan", dataset="ring", k=1)).config.k == 1
    records = list(session.run())
    assert [r.step for r in records] == [1, 2, 3, 4]
    assert all("spread" in r.extras and np.isfinite(r.extras["spread"]) for r in records)
    assert session.fixed_latent["z"].shape == (5, 3) and session.samples().shape == (5, 2)
    path = session.save(tmp_path / "tiny")
    loaded = load_generator(path, precision="float32")
    assert isinstance(loaded.gan, TinyHingeGAN)
    z = session.fixed_latent["z"]
    np.testing.assert_allclose(Sampler(loaded.gan)({"z": z}), session.samples(), atol=1e-5)
    resumed = TrainingRun.resume_from(path)
    assert resumed.step_count == 4 and [r.extras["spread"] for r in resumed.history] == pytest.approx(
        [r.extras["spread"] for r in records], rel=1e-5)


def test_register_refuses_a_taken_name():
    class Clash(TinyHingeGAN):
        name = "dcgan"

    with pytest.raises(ValueError, match="already registered"):
        models.register(Clash)
