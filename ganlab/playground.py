"""Playground logic (no gradio): which generators exist, and images from seeds, classes, sliders.

Loaded generators are cached per server (read-only), each with a compiled Sampler. Latent
"directions" follow GANSpace (Härkönen et al. 2020): PCA of the generator's first hidden layer over
many random z, regressed back onto z, so a slider moves along the direction that changes the
generator's features most, which usually changes visible properties more than one raw z entry.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from ganlab.checkpoints import CheckpointError, load_generator, read_card, resolve, shipped_names
from ganlab.data import to_uint8
from ganlab.images import grid, upscale
from ganlab.sampling import Sampler, latents, slerp, truncate

MAX_OFFSET = 10.0
DISPLAY = 336  # pixels of the large image (28 px × 12, nearest neighbour)


class PlaygroundError(ValueError):
    """Bad input for the Playground; the message says what is allowed."""


@dataclass
class Loaded:
    """A generator ready to sample, with its card and (lazily) its PCA directions."""

    name: str
    gan: object
    card: dict
    sampler: Sampler
    directions: np.ndarray | None = None  # (k, latent_dim), unit vectors
    explained: np.ndarray | None = None  # share of feature variance per direction
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def class_names(self) -> list[str]:
        """Class names from the card (empty for unconditional models)."""
        return list(self.card.get("class_names", [])) if self.gan.conditional else []


def playable(card: dict) -> bool:
    """Generators this tab can show: image GANs with z (not pix2pix, not 2D points)."""
    return card.get("model") not in ("pix2pix",) and len(card.get("data_shape", [])) == 3


def catalogue(saved: dict[str, Path] | None = None) -> dict[str, Path]:
    """Shipped generators plus this session's saved ones: name -> checkpoint folder."""
    out: dict[str, Path] = {}
    for name in shipped_names():
        if name.startswith("classifier"):
            continue
        path = resolve(name)
        try:
            if playable(read_card(path)):
                out[name] = path
        except CheckpointError:
            continue
    for name, path in (saved or {}).items():
        try:
            if playable(read_card(path)):
                out[f"{name} (yours)"] = Path(path)
        except CheckpointError:
            continue
    return out


def card_line(card: dict) -> str:
    """One line: what it was trained on, how long, and measured quality."""
    q = card.get("quality") or {}
    bits = [f"**{card.get('model')}** on **{card.get('dataset')}**, {card.get('step', '?')} steps"]
    if "class_accuracy" in q:
        bits.append(f"{100 * q['class_accuracy']:.1f}% read as the asked class")
    if "mapping_accuracy" in q:
        bits.append(f"category→digit {100 * q['mapping_accuracy']:.1f}%")
    if "frechet_distance" in q:
        ref = q.get("frechet_distance_real_vs_real")
        bits.append(f"Fréchet distance {q['frechet_distance']:.1f}" + (f" (real vs real {ref:.1f})" if ref else ""))
    return " · ".join(bits)


class Playground:
    """Generator cache and the image functions behind the Playground tab and its API."""

    def __init__(self) -> None:
        self._cache: dict[str, Loaded] = {}
        self._lock = threading.Lock()

    def load(self, path: Path, name: str) -> Loaded:
        """Load (once) the generator at ``path``."""
        key = str(Path(path).resolve())
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        g = load_generator(path)
        loaded = Loaded(name, g.gan, g.card, Sampler(g.gan))
        with self._lock:
            self._cache[key] = loaded
        return loaded

    # -- latents ---------------------------------------------------------------------------
    @staticmethod
    def check_number(name: str, value, lo: float, hi: float) -> float:
        """A finite number in [lo, hi], else a clear error."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise PlaygroundError(f"{name} must be a number; got {value!r}.") from None
        if not math.isfinite(v) or not lo <= v <= hi:
            raise PlaygroundError(f"{name} must be between {lo:g} and {hi:g}; got {value!r}.")
        return v

    def class_index(self, loaded: Loaded, cls) -> int | None:
        """A class given by index or name, validated; None for unconditional models."""
        if not loaded.gan.conditional:
            return None
        names = loaded.class_names
        if cls is None or cls == "":
            return 0
        if isinstance(cls, str) and cls in names:
            return names.index(cls)
        try:
            idx = int(float(cls))
        except (TypeError, ValueError):
            raise PlaygroundError(f"Unknown class {cls!r}; choose 0-{len(names) - 1} or one of {names}.") from None
        if not 0 <= idx < len(names):
            raise PlaygroundError(f"Class {idx} is out of range: this model has classes 0-{len(names) - 1}.")
        return idx

    def directions(self, loaded: Loaded, k: int = 5, samples: int = 1000) -> np.ndarray:
        """GANSpace-style latent directions (k, latent_dim), computed once per model."""
        with loaded.lock:
            if loaded.directions is None:
                gen = loaded.gan.generator
                reshape = next((layer for layer in gen.layers if type(layer).__name__ == "Reshape"), None)
                features = keras.Model(gen.inputs, reshape.input if reshape is not None else gen.output)
                z = latents(samples, loaded.gan.spec.latent_dim, seed=12345)
                inputs = {"z": z}
                if loaded.gan.conditional:
                    inputs["label"] = np.arange(samples, dtype=np.int32) % loaded.gan.spec.num_classes
                feats = np.asarray(features(loaded.gan.generator_inputs(inputs), training=False), np.float64)
                feats = feats.reshape(samples, -1)
                centered = feats - feats.mean(0)
                _, s, vt = np.linalg.svd(centered, full_matrices=False)
                coords = centered @ vt[:k].T
                coords /= coords.std(0) + 1e-9
                w, *_ = np.linalg.lstsq(coords, z, rcond=None)  # z ≈ coords @ w
                loaded.directions = (w / np.linalg.norm(w, axis=1, keepdims=True)).astype(np.float32)
                loaded.explained = (s[:k] ** 2 / (s**2).sum()).astype(np.float32)
            return loaded.directions

    def latent(self, loaded: Loaded, seed, truncation, raw=(), dirs=()) -> np.ndarray:
        """z (1, D) for a seed, truncation and slider offsets (raw dims first, then directions)."""
        seed = int(self.check_number("seed", seed, 0, 2**31 - 1))
        psi = self.check_number("truncation", truncation, 0.01, 1.0)
        dim = loaded.gan.spec.latent_dim
        z = truncate(latents(1, dim, seed), psi)[0]
        raw = [self.check_number(f"latent offset {i}", v, -MAX_OFFSET, MAX_OFFSET) for i, v in enumerate(raw)]
        for i, v in enumerate(raw[:dim]):
            z[i] += v
        dirs = [self.check_number(f"direction {i + 1}", v, -MAX_OFFSET, MAX_OFFSET) for i, v in enumerate(dirs)]
        if any(dirs):
            d = self.directions(loaded)
            for i, v in enumerate(dirs[: len(d)]):
                z = z + v * d[i]
        return z[None].astype(np.float32)

    # -- images ----------------------------------------------------------------------------
    def _run(self, loaded: Loaded, z: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
        latent = {"z": z}
        if loaded.gan.conditional:
            latent["label"] = labels.astype(np.int32)
        return to_uint8(loaded.sampler(latent))

    def image(self, loaded: Loaded, seed, cls, truncation, raw=(), dirs=()) -> tuple[np.ndarray, np.ndarray]:
        """The large image (uint8, upscaled crisply) and the latent vector that made it."""
        z = self.latent(loaded, seed, truncation, raw, dirs)
        idx = self.class_index(loaded, cls)
        img = self._run(loaded, z, None if idx is None else np.array([idx]))[0]
        return upscale(img, max(1, DISPLAY // img.shape[0])), z[0]

    def class_grid(self, loaded: Loaded, seeds: int, truncation, first_seed: int = 0) -> np.ndarray:
        """Rows = classes, columns = seeds (unconditional models: one row of seeds)."""
        seeds = int(self.check_number("seeds", seeds, 1, 16))
        psi = self.check_number("truncation", truncation, 0.01, 1.0)
        dim = loaded.gan.spec.latent_dim
        zs = np.stack([truncate(latents(1, dim, first_seed + s), psi)[0] for s in range(seeds)])
        n_cls = loaded.gan.spec.num_classes if loaded.gan.conditional else 1
        z = np.tile(zs, (n_cls, 1))
        labels = np.repeat(np.arange(n_cls), seeds) if loaded.gan.conditional else None
        return upscale(grid(self._run(loaded, z, labels), cols=seeds), 3)

    def interpolate(self, loaded: Loaded, seed_a, seed_b, cls, truncation, frames: int = 10) -> list[np.ndarray]:
        """Frames along the slerp path between the latents of two seeds (same class)."""
        frames = int(self.check_number("frames", frames, 2, 60))
        za = self.latent(loaded, seed_a, truncation)[0]
        zb = self.latent(loaded, seed_b, truncation)[0]
        z = np.stack([slerp(za, zb, t) for t in np.linspace(0, 1, frames)])
        idx = self.class_index(loaded, cls)
        labels = None if idx is None else np.full(frames, idx)
        return list(self._run(loaded, z, labels))


def strip(frames: list[np.ndarray]) -> np.ndarray:
    """Frames side by side, upscaled ×3."""
    return upscale(grid(np.stack(frames), cols=len(frames)), 3)


def gif_bytes(frames: list[np.ndarray], scale: int = 6, ms: int = 80) -> bytes:
    """An animated GIF that plays forward then back."""
    from PIL import Image

    seq = [Image.fromarray(upscale(f, scale)) for f in frames + frames[-2:0:-1]]
    buf = io.BytesIO()
    seq[0].save(buf, format="GIF", save_all=True, append_images=seq[1:], duration=ms, loop=0)
    return buf.getvalue()
