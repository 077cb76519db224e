"""GANSpace latent directions of a generator (no gradio), and how much each changes the picture.

Latent "directions" follow GANSpace (Härkönen et al. 2020): run 1,000 random z through the
generator, take the activations of its *first hidden layer* (after the first nonlinearity), find
their principal components, and regress z onto the PCA coordinates to get one latent direction per
component. Why that layer: it is the earliest place where the generator has mixed z into the
features that every later layer draws from, it exists in every generator (no classifier needed, so
it also works for a model trained today on any dataset), and the GANSpace paper found early layers
give the most global, "semantic" edits. A unit step along the first directions changes the image
more than a unit step along a raw z entry (``Directions.effect`` measures it per model); classifier
features or raw pixels as PCA input give similar edits, so the model-agnostic choice stays. For
conditional models the features are centred per class, so the directions describe style within a
class (thickness, slant, width), not the class itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from ganlab import backend
from ganlab.images import to_uint8
from ganlab.sampling import Sampler, latents

N_DIRECTIONS = 5
PCA_SAMPLES = 1000


@dataclass
class Directions:
    """GANSpace directions of one generator, and how much they change the picture."""

    vectors: np.ndarray  # (k, latent_dim) unit vectors
    explained: np.ndarray  # share of the (within-class) feature variance per component
    effect: np.ndarray  # mean |Δ grey level| per pixel (0-255) for a +2 step along each direction
    raw_effect: float  # the same for a +2 step along one raw z entry (mean over the first entries)
    layer: str  # the layer whose activations were analysed

    def label(self, i: int) -> str:
        """Slider label in plain words, e.g. 'direction 1 · changes the picture 3.1× as much as one z slider'."""
        ratio = self.effect[i] / max(self.raw_effect, 1e-6)
        return f"direction {i + 1} · changes the picture {ratio:.1f}× as much as one z slider"


def pca_directions(features: np.ndarray, z: np.ndarray, k: int = N_DIRECTIONS,
                   groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """GANSpace: top-k principal components of ``features`` (N, F), mapped to latent directions.

    Returns unit vectors (k, D) such that moving z along vector i moves the features mostly along
    component i (least-squares regression of z on the normalised PCA coordinates), and the share
    of variance per component. ``groups`` (e.g. class labels) are centred separately. The SVD runs
    on the N×N Gram matrix, so F can be large.
    """
    f = np.asarray(features, np.float32).reshape(len(features), -1).copy()
    if groups is None:
        f -= f.mean(0)
    else:
        for g in np.unique(groups):
            f[groups == g] -= f[groups == g].mean(0)
    gram = (f @ f.T).astype(np.float64)
    evals, evecs = np.linalg.eigh(gram)
    order = np.argsort(evals)[::-1]
    evals, evecs = np.clip(evals[order], 0, None), evecs[:, order]
    k = int(min(k, np.sum(evals > evals[0] * 1e-9)))
    coords = evecs[:, :k] * math.sqrt(len(f))  # unit-variance PCA coordinates
    w, *_ = np.linalg.lstsq(coords, np.asarray(z, np.float64), rcond=None)  # z ≈ coords @ w
    w /= np.linalg.norm(w, axis=1, keepdims=True) + 1e-12
    w *= np.sign(w[np.arange(k), np.abs(w).argmax(1)])[:, None]  # deterministic sign
    return w.astype(np.float32), (evals[:k] / max(evals.sum(), 1e-12)).astype(np.float32)


def feature_layer(generator: keras.Model) -> keras.layers.Layer | None:
    """The generator's first nonlinearity (GANSpace's early layer), or None for a one-layer model."""
    for layer in generator.layers:
        if type(layer).__name__ in ("LeakyReLU", "ReLU", "Activation", "ELU", "PReLU"):
            return layer
    return None


def sample_images(sampler: Sampler, z: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
    """uint8 images (N, H, W[, C]) for latents z (N, D) and, for a conditional model, labels."""
    latent = {"z": np.asarray(z, np.float32)}
    if labels is not None:
        latent["label"] = np.asarray(labels, np.int32)
    return to_uint8(sampler(latent))


def _features(gan: Any, sampler: Sampler, inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, str]:
    """Activations of the generator's feature layer for ``inputs`` (its output for a one-layer model)."""
    layer = feature_layer(gan.generator)
    if layer is None:
        return sampler(inputs), "output"
    model = keras.Model(gan.generator.inputs, layer.output)
    run = backend.compile_step(lambda x: keras.ops.cast(model(x, training=False), "float32"),
                               list(model.variables))
    n = len(inputs["z"])
    feats = np.concatenate([keras.ops.convert_to_numpy(run(gan.generator_inputs(
        {key: v[i : i + 250] for key, v in inputs.items()}))) for i in range(0, n, 250)])
    return feats, layer.name


def compute_directions(gan: Any, sampler: Sampler, k: int = N_DIRECTIONS, samples: int = PCA_SAMPLES) -> Directions:
    """GANSpace directions of a generator and each one's effect on the picture (costly: one generator
    pass over ``samples`` latents, a PCA and the effect measurement; compute once per generator)."""
    dim, n_cls = int(gan.spec.latent_dim), int(gan.spec.num_classes)
    z = latents(samples, dim, seed=12345)
    inputs: dict[str, np.ndarray] = {"z": z}
    groups = None
    if gan.conditional:
        groups = np.arange(samples, dtype=np.int32) % n_cls
        inputs["label"] = groups
    feats, name = _features(gan, sampler, inputs)
    vectors, explained = pca_directions(feats, z, k, groups)
    # How much the picture changes per direction, against raw z entries (shown on the sliders).
    base_z = latents(64, dim, seed=999)
    labels = np.arange(64) % n_cls if gan.conditional else None
    base = sample_images(sampler, base_z, labels).astype(np.float32)

    def change(v: np.ndarray) -> float:
        return float(np.abs(sample_images(sampler, base_z + 2.0 * v[None], labels) - base).mean())

    eye = np.eye(dim, dtype=np.float32)
    raw = float(np.mean([change(eye[i]) for i in range(min(8, dim))]))
    return Directions(vectors, explained, np.array([change(v) for v in vectors], np.float32), raw, name)
