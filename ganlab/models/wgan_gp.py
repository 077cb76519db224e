"""WGAN-GP: a critic without sigmoid, Wasserstein loss, gradient penalty, n_critic D steps per G step."""

from __future__ import annotations

import keras
from keras import layers, ops

from ganlab import backend
from ganlab.models.base import GAN
from ganlab.models.layers import conv_critic_body, mlp, model, upsampling_generator_body


class WGANGP(GAN):
    """Gulrajani et al. (2017): penalty λ·(‖∇D(x̂)‖ − 1)² on random interpolates x̂, λ = 10."""

    name = "wgan_gp"
    summary = "Wasserstein GAN with gradient penalty: the critic scores, it does not classify"
    default_loss = "wasserstein"
    losses = ("wasserstein",)
    data_kinds = ("points", "image")
    default_k = 5
    default_lr = (1e-4, 1e-4)
    default_betas = (0.5, 0.9)
    default_options = {"gp_weight": 10.0, "width": 1.0, "hidden": 128}

    @classmethod
    def latent_dim_for(cls, is_image: bool) -> int:
        """2 latent dimensions for 2D points, 64 for images."""
        return 64 if is_image else 2

    def hidden_dtype(self) -> str:
        # The penalty differentiates D twice; keep the critic in float32 for a stable norm.
        return "float32"

    def build_generator(self) -> keras.Model:
        s = self.spec
        z = keras.Input((s.latent_dim,), name="z")
        if s.is_image:
            out = upsampling_generator_body(z, s.data_shape, int(128 * self.options["width"]),
                                            s.precision)
        else:
            out = layers.Dense(s.data_shape[0], dtype="float32")(
                mlp(z, [int(self.options["hidden"])] * 3, s.precision))
        return model(z, out, "generator")

    def build_discriminator(self) -> keras.Model:
        s = self.spec
        x = keras.Input(s.data_shape, name="x")
        if s.is_image:
            w = float(self.options["width"])
            h = conv_critic_body(x, (int(64 * w), int(128 * w)), "float32")
        else:
            h = mlp(x, [int(self.options["hidden"])] * 3, "float32")
        return model(x, layers.Dense(1, dtype="float32")(h), "critic")

    def discriminator_objective(self, batch: dict, fake, latent: dict):
        """Wasserstein critic loss plus the gradient penalty."""
        loss, metrics = super().discriminator_objective(batch, fake, latent)
        real = ops.cast(batch["x"], "float32")
        shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
        eps = keras.random.uniform(shape, seed=self.seed_generator)
        mixed = eps * real + (1.0 - eps) * fake
        grads = backend.input_gradient(lambda t: self.discriminator(t, training=True), mixed)
        norms = ops.sqrt(ops.sum(ops.square(grads), axis=tuple(range(1, len(real.shape)))) + 1e-12)
        gp = ops.mean(ops.square(norms - 1.0))
        metrics["gp"] = gp
        return loss + float(self.options["gp_weight"]) * gp, metrics

    @property
    def metric_names(self) -> tuple[str, ...]:
        return ("d_real", "d_fake", "gp")
