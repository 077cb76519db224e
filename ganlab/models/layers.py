"""Small builders shared by the model files (dense and conv stacks with a dtype policy)."""

from __future__ import annotations

import keras
from keras import layers


def mlp(x, units: list[int], dtype: str, alpha: float = 0.2):
    """Dense + LeakyReLU layers."""
    for u in units:
        x = layers.Dense(u, dtype=dtype)(x)
        x = layers.LeakyReLU(alpha, dtype=dtype)(x)
    return x


def conv_critic_body(x, filters: tuple[int, ...], dtype: str, dropout: float = 0.0, kernel: int = 5):
    """Strided 5×5 Conv2D + LeakyReLU (+ Dropout) blocks, then Flatten."""
    for f in filters:
        x = layers.Conv2D(f, kernel, strides=2, padding="same", dtype=dtype)(x)
        x = layers.LeakyReLU(0.2, dtype=dtype)(x)
        if dropout:
            x = layers.Dropout(dropout, dtype=dtype)(x)
    return layers.Flatten(dtype=dtype)(x)


def upsampling_generator_body(h, data_shape: tuple[int, int, int], base: int, dtype: str,
                              batchnorm: bool = True, kernel: int = 5):
    """Dense to a small feature map, then stride-2 Conv2DTranspose up to ``data_shape`` (tanh).

    28×28 starts at 7×7 (two upsamplings); 32/64 start at 4×4 (three/four).
    """
    size, _, channels = data_shape
    start = 7 if size % 7 == 0 else 4
    n_up = 0
    while start * 2**n_up < size:
        n_up += 1
    if start * 2**n_up != size:
        raise ValueError(f"Image size {size} is not supported: use 28, 32, 64 or 128.")
    h = layers.Dense(start * start * base, use_bias=not batchnorm, dtype=dtype)(h)
    if batchnorm:
        h = layers.BatchNormalization(dtype=dtype)(h)
    h = layers.LeakyReLU(0.2, dtype=dtype)(h)
    h = layers.Reshape((start, start, base), dtype=dtype)(h)
    f = base
    for _ in range(n_up - 1):
        f = max(f // 2, 16)
        h = layers.Conv2DTranspose(f, kernel, strides=2, padding="same", use_bias=not batchnorm,
                                   dtype=dtype)(h)
        if batchnorm:
            h = layers.BatchNormalization(dtype=dtype)(h)
        h = layers.LeakyReLU(0.2, dtype=dtype)(h)
    return layers.Conv2DTranspose(channels, kernel, strides=2, padding="same", activation="tanh",
                                  dtype="float32")(h)


def model(inputs, outputs, name: str) -> keras.Model:
    """A functional model (plain Keras layers only, so it loads with safe_mode)."""
    return keras.Model(inputs, outputs, name=name)
