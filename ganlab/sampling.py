"""Inference helpers: seeded latents, truncation, slerp, and a compiled Sampler for a generator."""

from __future__ import annotations

import numpy as np
from keras import ops

from ganlab import backend
from ganlab.models.base import GAN


def latents(count: int, dim: int, seed: int = 0) -> np.ndarray:
    """Standard-normal latent vectors from a seed (same seed -> same vectors)."""
    return np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)


def truncate(z: np.ndarray, psi: float) -> np.ndarray:
    """Truncation trick: scale z toward the mean (0) by psi in (0, 1]; lower = safer, less varied."""
    if not 0.0 < psi <= 1.0:
        raise ValueError(f"truncation must be in (0, 1]; got {psi}")
    return (np.asarray(z, np.float32) * psi).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: float | np.ndarray) -> np.ndarray:
    """Spherical interpolation between latent vectors a and b (t in [0, 1])."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    t = np.asarray(t, np.float64)[..., None]
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    cos = np.clip(np.dot(a / na, b / nb), -1.0, 1.0)
    omega = np.arccos(cos)
    if omega < 1e-6:
        return ((1 - t) * a + t * b).astype(np.float32)
    so = np.sin(omega)
    return (np.sin((1 - t) * omega) / so * a + np.sin(t * omega) / so * b).astype(np.float32)


class Sampler:
    """Compiled generator inference (never model.predict), in chunks to bound memory."""

    def __init__(self, gan: GAN, chunk: int = 500):
        self.gan, self.chunk = gan, chunk
        self._run = backend.compile_step(
            lambda latent: ops.cast(gan.generate(latent, training=False), "float32"),
            list(gan.generator.variables))

    def __call__(self, latent: dict[str, np.ndarray]) -> np.ndarray:
        """Generate for a latent dict ({'z': (N, D)} plus 'label' for conditional models;
        {'cond': sketches} for pix2pix)."""
        n = len(next(iter(latent.values())))
        outs = [ops.convert_to_numpy(self._run({k: v[i : i + self.chunk] for k, v in latent.items()}))
                for i in range(0, n, self.chunk)]
        return np.concatenate(outs) if outs else np.zeros((0, *self.gan.spec.data_shape), np.float32)

    def sample(self, count: int, seed: int = 0, labels: np.ndarray | None = None,
               truncation: float = 1.0) -> np.ndarray:
        """``count`` samples from a seed; ``labels`` are classes (cGAN) or categorical codes
        (InfoGAN), random when omitted."""
        if count < 1:
            raise ValueError(f"count must be at least 1; got {count}")
        z = truncate(latents(count, self.gan.spec.latent_dim, seed), truncation)
        return self(self.gan.latent_for(z, labels, seed))
