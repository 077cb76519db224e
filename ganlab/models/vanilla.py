"""The original GAN: multilayer perceptrons for G and D (2D toy data or flattened images)."""

from __future__ import annotations

import math

import keras
from keras import layers

from ganlab.models.base import GAN
from ganlab.models.layers import mlp, model


class VanillaGAN(GAN):
    """MLP generator and discriminator, as in Goodfellow et al. (2014)."""

    name = "vanilla"
    summary = "MLP generator and discriminator (the original GAN); best on 2D toy data"
    data_kinds = ("points", "image")
    default_options = {"hidden": None, "layers": None}

    @classmethod
    def latent_dim_for(cls, is_image: bool) -> int:
        """2 latent dimensions for 2D points (easy to picture), 64 for images."""
        return 64 if is_image else 2

    def _hidden(self) -> list[int]:
        width = self.options["hidden"] or (64 if not self.spec.is_image else 256)
        depth = self.options["layers"] or (3 if not self.spec.is_image else 2)
        return [int(width)] * int(depth)

    def build_generator(self) -> keras.Model:
        z = keras.Input((self.spec.latent_dim,), name="z")
        h = mlp(z, self._hidden(), self.hidden_dtype())
        size = math.prod(self.spec.data_shape)
        if self.spec.is_image:
            out = layers.Dense(size, activation="tanh", dtype="float32")(h)
            out = layers.Reshape(self.spec.data_shape, dtype="float32")(out)
        else:
            out = layers.Dense(size, dtype="float32")(h)
        return model(z, out, "generator")

    def build_discriminator(self) -> keras.Model:
        x = keras.Input(self.spec.data_shape, name="x")
        h = layers.Flatten(dtype=self.hidden_dtype())(x) if self.spec.is_image else x
        h = mlp(h, self._hidden(), self.hidden_dtype())
        return model(x, layers.Dense(1, dtype="float32")(h), "discriminator")
