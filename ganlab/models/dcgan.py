"""DCGAN. For 28×28 images the default is exactly the TensorFlow DCGAN tutorial's architecture."""

from __future__ import annotations

import keras
from keras import layers

from ganlab.models.base import GAN
from ganlab.models.layers import model, upsampling_generator_body


class DCGAN(GAN):
    """Convolutional GAN (Radford et al. 2015); 28×28 = tensorflow.org/tutorials/generative/dcgan."""

    name = "dcgan"
    summary = "convolutional GAN; on 28×28 it is the TensorFlow DCGAN tutorial's model"
    default_latent_dim = 100
    default_options = {"width": 1.0}

    def build_generator(self) -> keras.Model:
        dt, w = self.hidden_dtype(), float(self.options["width"])
        z = keras.Input((self.spec.latent_dim,), name="z")
        if self.spec.data_shape[:2] != (28, 28):
            out = upsampling_generator_body(z, self.spec.data_shape, int(256 * w), dt)
            return model(z, out, "generator")
        # The tutorial: Dense 7·7·256 → BN/LeakyReLU → ConvT 128 (s1) → ConvT 64 (s2) → ConvT C (s2).
        h = layers.Dense(7 * 7 * int(256 * w), use_bias=False, dtype=dt)(z)
        h = layers.BatchNormalization(dtype=dt)(h)
        h = layers.LeakyReLU(dtype=dt)(h)
        h = layers.Reshape((7, 7, int(256 * w)), dtype=dt)(h)
        for filters, stride in ((int(128 * w), 1), (int(64 * w), 2)):
            h = layers.Conv2DTranspose(filters, 5, strides=stride, padding="same", use_bias=False,
                                       dtype=dt)(h)
            h = layers.BatchNormalization(dtype=dt)(h)
            h = layers.LeakyReLU(dtype=dt)(h)
        out = layers.Conv2DTranspose(self.spec.data_shape[-1], 5, strides=2, padding="same",
                                     use_bias=False, activation="tanh", dtype="float32")(h)
        return model(z, out, "generator")

    def build_discriminator(self) -> keras.Model:
        dt, w = self.hidden_dtype(), float(self.options["width"])
        x = keras.Input(self.spec.data_shape, name="x")
        # The tutorial's LeakyReLU uses Keras' default slope (0.3 in Keras 3).
        h = x
        filters = [int(64 * w), int(128 * w)]
        if self.spec.data_shape[0] > 32:
            filters.append(int(256 * w))
        for f in filters:
            h = layers.Conv2D(f, 5, strides=2, padding="same", dtype=dt)(h)
            h = layers.LeakyReLU(dtype=dt)(h)
            h = layers.Dropout(0.3, dtype=dt)(h)
        h = layers.Flatten(dtype=dt)(h)
        return model(x, layers.Dense(1, dtype="float32")(h), "discriminator")
