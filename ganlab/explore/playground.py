"""Playground logic (no gradio): which generators exist, and images from seeds, classes and sliders.

Loaded generators are cached per server (read-only), each with a compiled Sampler, so one 28×28
image costs a few milliseconds. Everything a handler receives is validated here, with messages a
student understands (``ConfigError``).

Latent "directions" (GANSpace) are computed in ``ganlab.explore.directions``.
"""

from __future__ import annotations

import io
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ganlab import backend
from ganlab.checkpoints import CheckpointError, load_generator, read_card, resolve, shipped_names
from ganlab.config import MAX_SEED, ConfigError, check_number
from ganlab.explore.directions import N_DIRECTIONS, PCA_SAMPLES, Directions, compute_directions, sample_images
from ganlab.images import grid, to_uint8, upscale
from ganlab.models import model_of
from ganlab.sampling import Sampler, latents, slerp, truncate

MAX_OFFSET = 10.0  # largest |offset| accepted for a latent entry or a direction (z entries are ~N(0, 1))
DISPLAY = 336  # pixels of the large image (28 px × 12, nearest neighbour)


@dataclass
class Loaded:
    """A generator ready to sample, with its card and (once computed) its PCA directions."""

    name: str
    path: Path
    gan: Any
    card: dict
    sampler: Sampler
    morph: Callable | None = None  # (z, class embedding) -> images, for class interpolation (cGAN)
    embeddings: np.ndarray | None = None  # (num_classes, embed_dim)
    directions: Directions | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def conditional(self) -> bool:
        """True when the generator takes a class label."""
        return bool(self.gan.conditional)

    @property
    def latent_dim(self) -> int:
        """Length of z."""
        return int(self.gan.spec.latent_dim)

    @property
    def class_names(self) -> list[str]:
        """Class names from the card (empty for unconditional models)."""
        return type(self.gan).class_names(self.card)


@dataclass
class Render:
    """One generated image and everything needed to reproduce it."""

    image: np.ndarray  # uint8, upscaled for display
    small: np.ndarray  # uint8, the generator's own resolution
    z: np.ndarray  # (latent_dim,) float32, after truncation and offsets
    label: int | None


# -- catalogue ---------------------------------------------------------------------------------
def playable(card: dict) -> bool:
    """Generators this tab can show: image GANs driven by z (GAN.playable; not 2D points)."""
    cls = model_of(card)
    return cls is not None and cls.playable and len(card.get("data_shape", [])) == 3


def catalogue(saved: dict[str, Path] | None = None) -> dict[str, Path]:
    """Shipped generators plus this session's saved ones ('name (yours)'): name -> checkpoint folder."""
    out: dict[str, Path] = {}
    for name in shipped_names():
        try:
            path = resolve(name)
            if playable(read_card(path)):
                out[name] = path
        except (CheckpointError, OSError, ValueError):
            continue
    for name, path in (saved or {}).items():
        try:
            if playable(read_card(path)):
                out[f"{name} (yours)"] = Path(path)
        except (CheckpointError, OSError, ValueError):
            continue
    return out


def model_kind(model: str) -> str:
    """What kind of GAN a model name is, in a few words: its summary's first clause ('conditional DCGAN')."""
    cls = model_of({"model": model})
    return re.split(r"[:;(]", cls.summary)[0].strip() if cls is not None else "GAN"


def card_line(card: dict) -> str:
    """One line (markdown): what it was trained on, how long, and measured quality."""
    q = card.get("quality") or {}
    kind = model_kind(card.get("model", ""))
    bits = [f"**{card.get('model')}** ({kind}) on **{card.get('dataset')}**, {card.get('step', '?')} steps"]
    if "class_accuracy" in q:
        bits.append(f"{100 * q['class_accuracy']:.1f}% read as the asked class by an independent classifier")
    if "frechet_distance" in q:
        ref = q.get("frechet_distance_real_vs_real")
        bits.append(f"Fréchet distance {q['frechet_distance']:.1f}" + (f" (real vs real {ref:.1f}; lower is better)"
                                                                          if ref else " (lower is better)"))
    cls = model_of(card)
    own = cls.quality_line(q) if cls is not None else None
    if own:
        bits.append(own)
    if len(bits) == 1:
        bits.append("quality not measured yet")
    return " · ".join(bits)


# -- validation --------------------------------------------------------------------------------
def check_seed(value: Any, name: str = "seed") -> int:
    """A whole number in [0, 2**31 - 1]."""
    return int(check_number(name, value, 0, MAX_SEED, whole=True))


def parse_offsets(value: Any, name: str, max_len: int) -> list[float]:
    """A list of at most ``max_len`` finite numbers in ±MAX_OFFSET (accepts a JSON or comma string)."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        try:
            value = json.loads(text if text.startswith("[") else f"[{text}]")
        except json.JSONDecodeError:
            raise ConfigError(f"{name} must be a list of numbers, e.g. [0.5, -1.2]; got {text!r}.") from None
    if isinstance(value, dict) or (not isinstance(value, Sequence) and not isinstance(value, np.ndarray)):
        raise ConfigError(f"{name} must be a list of numbers, e.g. [0.5, -1.2]; got {value!r}.")
    values = list(value)
    if len(values) > max_len:
        raise ConfigError(f"{name} has {len(values)} numbers but this model takes at most {max_len}.")
    return [check_number(f"{name}[{i}]", v, -MAX_OFFSET, MAX_OFFSET) for i, v in enumerate(values)]


# -- the cache and the image functions -----------------------------------------------------------
MAX_LOADED = 8  # generators kept compiled (shipped ones and sessions' saves, least recently used dropped)


class Playground:
    """Generator cache and the image functions behind the Playground tab and its API."""

    def __init__(self, max_loaded: int = MAX_LOADED) -> None:
        self._cache: OrderedDict[tuple[str, int], Loaded] = OrderedDict()  # least recently used first
        self.max_loaded = max_loaded
        self._lock = threading.Lock()

    def load(self, path: str | Path, name: str | None = None) -> Loaded:
        """Load (once per file version) the generator at ``path``, compiled for inference."""
        path = resolve(path)
        file = path / "generator.keras"
        if not file.is_file():
            raise CheckpointError(f"{path.name}: generator.keras is missing from {path}.")
        key = (str(path.resolve()), file.stat().st_mtime_ns)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        g = load_generator(path)
        loaded = Loaded(name or path.name, path, g.gan, g.card, Sampler(g.gan))
        if loaded.conditional:
            loaded.morph, loaded.embeddings = _class_morph(g.gan)
        with self._lock:
            loaded = self._cache.setdefault(key, loaded)
            self._cache.move_to_end(key)
            while len(self._cache) > self.max_loaded:  # every session's saves pass through here: bounded
                self._cache.popitem(last=False)
            return loaded

    # -- inputs -------------------------------------------------------------------------------
    def class_index(self, loaded: Loaded, cls: Any, strict: bool = True) -> int | None:
        """A class given by index or name, validated; None for unconditional models.

        ``strict``: a class for an unconditional model is an error (API); else it is ignored (UI).
        A conditional model given no class draws class 0.
        """
        given = cls is not None and str(cls).strip().lower() not in ("", "none")
        if not loaded.conditional:
            if given and strict:
                raise ConfigError(f"{loaded.name} is unconditional: it takes no class (pass None).")
            return None
        names = loaded.class_names
        if not given:
            return 0
        if isinstance(cls, str) and cls.strip() in names:
            return names.index(cls.strip())
        lowered = [n.lower() for n in names]
        if isinstance(cls, str) and cls.strip().lower() in lowered:
            return lowered.index(cls.strip().lower())
        allowed = f"0-{len(names) - 1}" + ("" if names == [str(i) for i in range(len(names))]
                                           else f" or one of {names}")
        try:
            as_float = float(cls)
        except (TypeError, ValueError):
            raise ConfigError(f"Unknown class {cls!r} for {loaded.name}; choose {allowed}.") from None
        if not math.isfinite(as_float) or as_float != int(as_float) or not 0 <= as_float < len(names):
            raise ConfigError(f"Class {cls!r} is out of range for {loaded.name}: choose {allowed}.")
        return int(as_float)

    def latent(self, loaded: Loaded, seed: Any, truncation: Any, offsets: Any = (), directions: Any = (),
               start: np.ndarray | None = None) -> np.ndarray:
        """z (latent_dim,) for a seed, truncation, raw offsets (z[i] += offsets[i]) and direction amounts;
        ``start``: begin from this z instead of the seed's (a projected picture, ``explore.project``)."""
        seed = check_seed(seed)
        psi = check_number("truncation", truncation, 0.01, 1.0)
        raw = parse_offsets(offsets, "offsets", loaded.latent_dim)
        amounts = parse_offsets(directions, "directions", N_DIRECTIONS)
        base = latents(1, loaded.latent_dim, seed) if start is None else np.asarray(start, np.float32).reshape(1, -1)
        z = truncate(base, psi)[0]
        z[: len(raw)] += np.asarray(raw, np.float32)
        if any(amounts):
            vectors = self.directions(loaded).vectors
            z = z + np.asarray(amounts[: len(vectors)], np.float32) @ vectors[: len(amounts)]
        return z.astype(np.float32)

    # -- images -------------------------------------------------------------------------------
    def _run(self, loaded: Loaded, z: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        """uint8 images (N, H, W[, C]) for latents z (N, D) and labels."""
        return sample_images(loaded.sampler, z, labels if loaded.conditional else None)

    def image(self, loaded: Loaded, seed: Any, cls: Any, truncation: Any, offsets: Any = (),
              directions: Any = (), strict: bool = True, start: np.ndarray | None = None) -> Render:
        """The large image (uint8, upscaled crisply) and the latent vector that made it (``start``: see latent)."""
        z = self.latent(loaded, seed, truncation, offsets, directions, start)
        idx = self.class_index(loaded, cls, strict)
        small = self._run(loaded, z[None], None if idx is None else np.array([idx]))[0]
        return Render(upscale(small, max(1, DISPLAY // small.shape[0])), small, z, idx)

    def class_grid(self, loaded: Loaded, seeds: Any, truncation: Any, first_seed: Any = 0) -> np.ndarray:
        """Rows = classes, columns = seeds ``first_seed ...``; unconditional models: one row of seeds."""
        n = int(check_number("seeds", seeds, 1, 16))
        first = check_seed(first_seed, "first seed")
        psi = check_number("truncation", truncation, 0.01, 1.0)
        zs = np.stack([truncate(latents(1, loaded.latent_dim, min(first + s, MAX_SEED)), psi)[0]
                       for s in range(n)])
        rows = len(loaded.class_names) if loaded.conditional else 1
        labels = np.repeat(np.arange(rows), n) if loaded.conditional else None
        return grid(self._run(loaded, np.tile(zs, (rows, 1)), labels), cols=n)

    def seed_interpolation(self, loaded: Loaded, seed_a: Any, seed_b: Any, cls: Any, truncation: Any,
                           frames: Any = 10) -> list[np.ndarray]:
        """Frames (uint8) along the slerp path between the latents of two seeds, same class."""
        n = int(check_number("frames", frames, 2, 60))
        za = self.latent(loaded, seed_a, truncation)
        zb = self.latent(loaded, check_seed(seed_b, "second seed"), truncation)
        z = slerp(za, zb, np.linspace(0.0, 1.0, n))
        idx = self.class_index(loaded, cls)
        return list(self._run(loaded, z, None if idx is None else np.full(n, idx)))

    def class_interpolation(self, loaded: Loaded, seed: Any, class_a: Any, class_b: Any, truncation: Any,
                            frames: Any = 10) -> list[np.ndarray]:
        """Frames (uint8) morphing class A into class B for one z (linear path between class embeddings)."""
        if not loaded.conditional or loaded.morph is None:
            raise ConfigError(f"{loaded.name} is unconditional: there are no classes to morph between.")
        n = int(check_number("frames", frames, 2, 60))
        z = np.repeat(self.latent(loaded, seed, truncation)[None], n, 0)
        a, b = self.class_index(loaded, class_a), self.class_index(loaded, class_b)
        t = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
        emb = (1 - t) * loaded.embeddings[a] + t * loaded.embeddings[b]
        return list(to_uint8(keras.ops.convert_to_numpy(loaded.morph(z, emb.astype(np.float32)))))

    # -- directions ---------------------------------------------------------------------------
    def directions(self, loaded: Loaded, k: int = N_DIRECTIONS, samples: int = PCA_SAMPLES) -> Directions:
        """GANSpace directions of this generator (computed once, about a second on 2 CPU cores)."""
        with loaded.lock:
            if loaded.directions is None:
                loaded.directions = compute_directions(loaded.gan, loaded.sampler, k, samples)
            return loaded.directions



def _class_morph(gan: Any) -> tuple[Callable | None, np.ndarray | None]:
    """For a cGAN with an Embedding: a compiled (z, embedding) -> image function and the embedding table."""
    gen = gan.generator
    emb = next((layer for layer in gen.layers if isinstance(layer, keras.layers.Embedding)), None)
    if emb is None or len(gen.inputs) != 2:
        return None, None
    try:
        model = keras.Model([gen.inputs[0], emb.output], gen.output)
    except (ValueError, TypeError):
        return None, None
    table = keras.ops.convert_to_numpy(keras.ops.cast(emb.embeddings, "float32"))
    run = backend.compile_step(lambda z, e: keras.ops.cast(model([z, e], training=False), "float32"),
                               list(model.variables))
    return run, table


# -- export ------------------------------------------------------------------------------------
def strip(frames: list[np.ndarray], scale: int = 3) -> np.ndarray:
    """Frames side by side (uint8), upscaled crisply."""
    return upscale(grid(np.stack(frames), cols=len(frames)), scale)


def gif_bytes(frames: list[np.ndarray], scale: int = 6, ms: int = 90) -> bytes:
    """An animated GIF of the frames that plays forward then back, forever."""
    from PIL import Image

    seq = [Image.fromarray(upscale(f, scale)) for f in [*frames, *frames[-2:0:-1]]]
    buf = io.BytesIO()
    seq[0].save(buf, format="GIF", save_all=True, append_images=seq[1:], duration=ms, loop=0)
    return buf.getvalue()


def png_bytes(image: np.ndarray) -> bytes:
    """PNG file contents of a uint8 image."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def latent_record(loaded: Loaded, seed: int, truncation: float, render: Render, offsets: Any = (),
                  directions: Any = ()) -> dict:
    """JSON-ready record of an image: the settings, the final z, and how to reproduce it."""
    cls = None if render.label is None else render.label
    return {
        "model": loaded.name,
        "seed": int(seed),
        "class": cls,
        "class_name": None if cls is None else loaded.class_names[cls],
        "truncation": float(truncation),
        "offsets": [float(v) for v in (offsets or [])],
        "directions": [float(v) for v in (directions or [])],
        "z": [round(float(v), 7) for v in render.z],
        "reproduce": "ganlab.sampling.Sampler(gan)({'z': np.array([z], 'float32')"
                     + (", 'label': np.array([class], 'int32')})" if cls is not None else "})"),
    }
