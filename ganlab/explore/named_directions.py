"""Named latent directions (no UI): a direction in z with a name, saved, shared and checked.

A direction comes from GANSpace PCA (``explore.directions.Directions``) or from the difference of two
projected pictures (``explore.project``: thin 7 → thick 7). It is stored as a unit vector, so an
amount of 1 moves z by one standard deviation of a z entry. Files are small JSON::

    {"format": "ganlab-directions", "version": 1, "model": "cgan-mnist", "latent_dim": 64,
     "directions": [{"name": "thickness", "vector": [...], "source": "...", "check": {...}}]}

Everything read from a file is validated here (size before parsing, schema, latent size of the model,
finite numbers, how many); ``DirectionError`` says what is wrong. Shipped models keep theirs in
``directions.json`` beside the checkpoint, each with the measure that checked it (``check``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ganlab.explore.directions import sample_images
from ganlab.images import grid
from ganlab.sampling import latents, truncate

FORMAT = "ganlab-directions"
VERSION = 1
FILE = "directions.json"
MAX_BYTES = 256 * 1024  # a file of 16 directions of 512 numbers is ~150 KB
MAX_DIRECTIONS = 16  # in one file, and in one session
MAX_NAME = 40
MAX_AMOUNT = 10.0
NAME_RE = re.compile(r"^[\w][\w .,'()+\-→/]*$")


class DirectionError(ValueError):
    """A direction, name or file that cannot be used; the message says why."""


@dataclass
class NamedDirection:
    """A unit direction in z with a name, where it came from and (optionally) how it was checked."""

    name: str
    vector: np.ndarray  # (latent_dim,) float32, unit length
    source: str = ""
    check: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (vector rounded to 6 decimals)."""
        out = {"name": self.name, "vector": [round(float(v), 6) for v in self.vector], "source": self.source}
        return {**out, "check": self.check} if self.check else out


def check_name(name: Any) -> str:
    """A direction name: 1-40 letters, digits, spaces and simple punctuation."""
    text = str(name if name is not None else "").strip()
    if not text:
        raise DirectionError("Give the direction a name, e.g. 'thickness'.")
    if len(text) > MAX_NAME or not NAME_RE.match(text):
        raise DirectionError(f"A direction name is 1-{MAX_NAME} letters, digits, spaces and - . , ' ( ) → /; "
                             f"got {text[:60]!r}.")
    return text


def unit(vector: Any, latent_dim: int, what: str = "direction") -> np.ndarray:
    """A finite, non-zero vector of length ``latent_dim`` scaled to unit length (float32)."""
    try:
        v = np.asarray(vector, np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise DirectionError(f"The {what} must be a list of numbers.") from None
    if v.size != latent_dim:
        raise DirectionError(f"The {what} has {v.size} numbers, but this model's z has {latent_dim}.")
    if not np.isfinite(v).all():
        raise DirectionError(f"The {what} holds {int((~np.isfinite(v)).sum())} NaN or infinite numbers.")
    norm = float(np.linalg.norm(v))
    if norm < 1e-6:
        raise DirectionError(f"The {what} is zero: it points nowhere.")
    return (v / norm).astype(np.float32)


def from_pca(vectors: np.ndarray, i: int, name: str, explained: float | None = None) -> NamedDirection:
    """PCA direction ``i`` (``Directions.vectors``) under a name."""
    if not 0 <= int(i) < len(vectors):
        raise DirectionError(f"There is no PCA direction {int(i) + 1}: choose 1-{len(vectors)}.")
    share = "" if explained is None else f", {100 * explained:.0f}% of the feature variance"
    return NamedDirection(check_name(name), unit(vectors[int(i)], vectors.shape[1]),
                          f"GANSpace PCA direction {int(i) + 1}{share}")


def from_difference(z_from: Any, z_to: Any, name: str, what: str = "two projected pictures") -> NamedDirection:
    """The direction from one latent to another (e.g. the projections of a thin and a thick 7)."""
    a, b = np.asarray(z_from, np.float64).reshape(-1), np.asarray(z_to, np.float64).reshape(-1)
    if a.shape != b.shape:
        raise DirectionError(f"The two latents differ in size ({a.size} and {b.size}).")
    return NamedDirection(check_name(name), unit(b - a, a.size),
                          f"difference of {what} (length {np.linalg.norm(b - a):.2f})")


def apply(z: np.ndarray, direction: NamedDirection, amounts: Any) -> np.ndarray:
    """z moved along the direction: (len(amounts), D) for one z, or (N, len(amounts), D) for N."""
    a = np.asarray(amounts, np.float32).reshape(-1)
    if not np.isfinite(a).all() or (np.abs(a) > MAX_AMOUNT).any():
        raise DirectionError(f"Amounts must be finite numbers within ±{MAX_AMOUNT:g}.")
    z = np.asarray(z, np.float32)
    if z.shape[-1] != direction.vector.shape[0]:
        raise DirectionError(f"This direction is for a z of {direction.vector.shape[0]} numbers, not {z.shape[-1]}.")
    return z[..., None, :] + a[:, None] * direction.vector


def seed_latents(first_seed: int, count: int, latent_dim: int, truncation: float = 1.0) -> np.ndarray:
    """(count, D) the latents of seeds first_seed, first_seed + 1, ... as the Playground draws them."""
    return np.stack([truncate(latents(1, latent_dim, first_seed + i), truncation)[0] for i in range(count)])


def sweep(sampler: Any, z: np.ndarray, labels: np.ndarray | None, direction: NamedDirection,
          amounts: Sequence[float]) -> np.ndarray:
    """A uint8 grid: one row per latent in z (N, D), one column per amount along the direction."""
    path = apply(np.asarray(z, np.float32).reshape(-1, direction.vector.shape[0]), direction, amounts)
    n, a = path.shape[:2]
    rows = None if labels is None else np.repeat(np.asarray(labels, np.int32).reshape(-1), a)
    return grid(sample_images(sampler, path.reshape(n * a, -1), rows), cols=a)


# -- files ------------------------------------------------------------------------------------------
def to_json(directions: Sequence[NamedDirection], model: str, latent_dim: int) -> str:
    """The JSON file of some directions (compact: one direction per line)."""
    items = ",\n  ".join(json.dumps(d.as_dict()) for d in directions[:MAX_DIRECTIONS])
    head = json.dumps({"format": FORMAT, "version": VERSION, "model": model, "latent_dim": int(latent_dim)})
    return head[:-1] + f', "directions": [\n  {items}\n]}}\n'


def parse(text: str | bytes, latent_dim: int) -> list[NamedDirection]:
    """Directions from a file's text, every field validated; DirectionError names the first problem."""
    if len(text) > MAX_BYTES:
        raise DirectionError(f"The file is {len(text) // 1024} KB; a directions file is at most "
                             f"{MAX_BYTES // 1024} KB.")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as e:
        raise DirectionError(f"The file is not valid JSON ({str(e)[:80]}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DirectionError(f"Not a directions file: expected a JSON object with \"format\": \"{FORMAT}\".")
    if data.get("version") != VERSION:
        raise DirectionError(f"Directions file version {data.get('version')!r} is not supported (only {VERSION}).")
    if data.get("latent_dim") != latent_dim:
        raise DirectionError(f"These directions are for a z of {data.get('latent_dim')!r} numbers "
                             f"(model {data.get('model')!r}); this model's z has {latent_dim}.")
    items = data.get("directions")
    if not isinstance(items, list) or not items:
        raise DirectionError("The file holds no directions (\"directions\" must be a non-empty list).")
    if len(items) > MAX_DIRECTIONS:
        raise DirectionError(f"The file holds {len(items)} directions; at most {MAX_DIRECTIONS} are read.")
    return [_item(item, i, latent_dim) for i, item in enumerate(items)]


def _refuse_constant(name: str) -> Any:
    """json.loads hook: NaN and Infinity are not numbers a direction may hold."""
    raise ValueError(f"{name} is not a finite number")


def _item(item: Any, i: int, latent_dim: int) -> NamedDirection:
    """One validated entry of a directions file."""
    if not isinstance(item, dict) or not isinstance(item.get("vector"), list):
        raise DirectionError(f"Direction {i + 1} must be an object with a \"name\" and a \"vector\" list.")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in item["vector"]):
        raise DirectionError(f"Direction {i + 1}'s vector must hold numbers only.")
    check = item.get("check", {})
    if not isinstance(check, dict) or len(json.dumps(check)) > 2000:
        raise DirectionError(f"Direction {i + 1}'s \"check\" must be a small object.")
    source = str(item.get("source", ""))[:200]
    return NamedDirection(check_name(item.get("name")), unit(item["vector"], latent_dim, f"direction {i + 1}"),
                          source, check)


def read(path: str | os.PathLike, latent_dim: int) -> list[NamedDirection]:
    """Directions from a file (an upload: its size is checked before it is read)."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        raise DirectionError(f"{p.name!r} could not be read.") from None
    if size > MAX_BYTES:
        raise DirectionError(f"{p.name!r} is {size // 1024} KB; a directions file is at most {MAX_BYTES // 1024} KB.")
    return parse(p.read_bytes(), latent_dim)


def shipped(folder: str | os.PathLike | None, latent_dim: int) -> list[NamedDirection]:
    """The directions stored beside a checkpoint (``directions.json``); none when absent or unreadable."""
    file = Path(folder) / FILE if folder is not None else None
    if file is None or not file.is_file():
        return []
    try:
        return read(file, latent_dim)
    except DirectionError:
        return []


def added(saved: Sequence[NamedDirection], new: NamedDirection) -> list[NamedDirection]:
    """A session's directions with ``new`` added (replacing one of the same name), at most MAX_DIRECTIONS."""
    kept = [d for d in saved if d.name != new.name]
    if len(kept) >= MAX_DIRECTIONS:
        raise DirectionError(f"A session keeps at most {MAX_DIRECTIONS} directions: remove one first.")
    return [*kept, new]


# -- checking a direction by a measure -----------------------------------------------------------------
def monotonic_share(measure: Callable[[np.ndarray], np.ndarray], render: Callable[[np.ndarray], np.ndarray],
                    z: np.ndarray, direction: NamedDirection, amounts: Sequence[float]) -> tuple[float, float]:
    """Share of the starting latents ``z`` (N, D) along which ``measure`` of ``render``ed pictures grows
    at every step of ``amounts``, and the mean total change of the measure."""
    path = apply(z, direction, amounts)  # (N, A, D)
    n, a = path.shape[:2]
    values = np.asarray(measure(render(path.reshape(n * a, -1))), np.float64).reshape(n, a)
    steps = np.diff(values, axis=1)
    return float((steps > 0).all(1).mean()), float((values[:, -1] - values[:, 0]).mean())


def ink_area(images: np.ndarray) -> np.ndarray:
    """Pixels with ink (grey > 127) per uint8 picture."""
    return (np.asarray(images).reshape(len(images), -1) > 127).sum(1)


def slant(images: np.ndarray) -> np.ndarray:
    """Ink's horizontal shift per row, upwards (>0: leaning right), per uint8 picture (weighted fit)."""
    x = np.asarray(images, np.float64).reshape(len(images), *np.asarray(images).shape[1:3]) / 255.0
    h, w = x.shape[1:]
    rows, cols = np.mgrid[0:h, 0:w]
    mass = x.sum((1, 2)) + 1e-9
    my, mx = (x * rows).sum((1, 2)) / mass, (x * cols).sum((1, 2)) / mass
    dy, dx = rows[None] - my[:, None, None], cols[None] - mx[:, None, None]
    return -(x * dx * dy).sum((1, 2)) / ((x * dy * dy).sum((1, 2)) + 1e-9)


def width(images: np.ndarray) -> np.ndarray:
    """Horizontal spread of the ink (weighted standard deviation of its columns, pixels)."""
    x = np.asarray(images, np.float64).reshape(len(images), *np.asarray(images).shape[1:3]) / 255.0
    cols = np.arange(x.shape[2])
    col_mass = x.sum(1)
    mass = col_mass.sum(1) + 1e-9
    mean = (col_mass * cols).sum(1) / mass
    return np.sqrt((col_mass * (cols[None] - mean[:, None]) ** 2).sum(1) / mass)


MEASURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {"ink area": ink_area, "slant": slant, "width": width}
