"""Data sources: 2D toy distributions, MNIST / Fashion-MNIST (IDX gzip), image folders.

A :class:`Dataset` holds its examples in memory and hands out random batches from a seeded
NumPy generator; images are float32 in [-1, 1] with shape (N, H, W, C), points are (N, 2).
"""

from __future__ import annotations

import gzip
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATA_DIR_ENV = "GANLAB_DATA_DIR"
FASHION_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}

MNIST_CLASSES = tuple(str(i) for i in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
CREDITS = {
    "mnist": "MNIST database of handwritten digits, Yann LeCun and Corinna Cortes, CC BY-SA 3.0",
    "fashion": "Fashion-MNIST, Copyright (c) 2017 Zalando SE, MIT licence",
}


class DataError(ValueError):
    """A data source is missing or malformed; the message says what and where."""


@dataclass
class Dataset:
    """Examples in memory plus what the models need to know about them."""

    name: str
    x: np.ndarray  # float32; points (N, 2) or images (N, H, W, C) in [-1, 1]
    y: np.ndarray | None = None  # int32 class labels, or None
    class_names: tuple[str, ...] = ()
    kind: str = "image"  # "image" or "points"
    credit: str = ""
    cond: np.ndarray | None = None  # paired inputs (pix2pix: the sketch for each target in x)
    meta: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one example."""
        return tuple(self.x.shape[1:])

    @property
    def num_classes(self) -> int:
        """Number of classes (0 when unlabelled)."""
        return len(self.class_names) if self.y is not None else 0

    def __len__(self) -> int:
        return len(self.x)

    def sampler(self, batch_size: int, seed: int = 0) -> Callable[[int], dict[str, np.ndarray]]:
        """A function ``draw(n_batches)`` giving random batches stacked as (n, B, ...).

        Keys: "x" (targets), "y" (labels, zeros when unlabelled), and "cond" for paired data.
        """
        rng = np.random.default_rng(seed)

        def draw(n_batches: int = 1) -> dict[str, np.ndarray]:
            idx = rng.integers(0, len(self.x), size=(n_batches, batch_size))
            batch = {"x": self.x[idx]}
            batch["y"] = (self.y[idx] if self.y is not None
                          else np.zeros((n_batches, batch_size), np.int32))
            if self.cond is not None:
                batch["cond"] = self.cond[idx]
            return batch

        return draw


# ----------------------------------------------------------------------------- 2D toy data

def _ring(n: int, rng: np.random.Generator) -> np.ndarray:
    k = rng.integers(0, 8, n)
    angle = 2 * np.pi * k / 8
    centers = np.stack([np.cos(angle), np.sin(angle)], 1) * 1.5
    return centers + rng.normal(0, 0.08, (n, 2))


def _grid(n: int, rng: np.random.Generator) -> np.ndarray:
    ij = rng.integers(0, 5, (n, 2))
    return (ij - 2) * 0.7 + rng.normal(0, 0.05, (n, 2))


def _moons(n: int, rng: np.random.Generator) -> np.ndarray:
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    pts = np.stack([x - 0.5, y - 0.25], 1) * 1.2
    return pts + rng.normal(0, 0.06, (n, 2))


def _spiral(n: int, rng: np.random.Generator) -> np.ndarray:
    t = np.sqrt(rng.uniform(0.04, 1, n)) * 3 * np.pi
    pts = np.stack([t * np.cos(t), t * np.sin(t)], 1) / (3 * np.pi) * 1.8
    return pts + rng.normal(0, 0.04, (n, 2))


def _circle(n: int, rng: np.random.Generator) -> np.ndarray:
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.stack([np.cos(angle), np.sin(angle)], 1) * 1.2 + rng.normal(0, 0.03, (n, 2))


TOY_2D: dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {
    "ring": _ring, "grid": _grid, "moons": _moons, "spiral": _spiral, "circle": _circle,
}
TOY_2D_DESCRIPTIONS = {
    "ring": "ring of 8 Gaussians", "grid": "5×5 grid of Gaussians", "moons": "two moons",
    "spiral": "spiral", "circle": "circle",
}


def toy_2d(name: str, n: int = 20000, seed: int = 0) -> Dataset:
    """A 2D toy distribution by name (ring, grid, moons, spiral, circle)."""
    if name not in TOY_2D:
        raise DataError(f"Unknown 2D distribution {name!r}; choose one of {', '.join(TOY_2D)}.")
    pts = TOY_2D[name](n, np.random.default_rng(seed)).astype(np.float32)
    return Dataset(name, pts, kind="points", meta={"description": TOY_2D_DESCRIPTIONS[name]})


def points_dataset(points: np.ndarray | list, name: str = "drawn", jitter: float = 0.03,
                   n: int = 20000, seed: int = 0) -> Dataset:
    """A 2D dataset from user points (drawn or uploaded): resampled with a little noise."""
    pts = np.asarray(points, dtype=np.float32)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 2:
        raise DataError(f"Need at least 2 points with 2 coordinates each; got shape {pts.shape}.")
    if not np.isfinite(pts).all():
        raise DataError("Points contain NaN or infinite values.")
    center = pts.mean(0)
    scale = float(np.abs(pts - center).max()) or 1.0
    pts = (pts - center) / scale * 1.5  # same scale as the built-in toys
    rng = np.random.default_rng(seed)
    sample = pts[rng.integers(0, len(pts), n)] + rng.normal(0, jitter, (n, 2))
    return Dataset(name, sample.astype(np.float32), kind="points",
                   meta={"description": f"{len(pts)} user points"})


def load_points_file(path: str | os.PathLike) -> np.ndarray:
    """Read 2D points from a .csv/.txt (x,y per line) or .npy file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Points file not found: {path}")
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        return np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2)
    except (ValueError, OSError) as e:
        raise DataError(f"Could not read points from {path}: {e}") from None


# ----------------------------------------------------------------------------- IDX / MNIST

def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed) into a uint8 array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise DataError(f"Could not read IDX file {path}: {e}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path} is not an unsigned-byte IDX file (bad magic number).")
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DataError(f"{path} is truncated: header says {dims}, found {data.size} bytes.")
    return data.reshape(dims)


IDX_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
DATASET_DIRS = {"mnist": ("mnist",), "fashion": ("fashion-mnist", "fashion_mnist", "fashion")}


def default_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The data folder: the argument, else $GANLAB_DATA_DIR, else None."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    return Path(chosen).expanduser() if chosen else None


def _find_idx_dir(name: str, data_dir: Path | None) -> Path | None:
    candidates: list[Path] = []
    if data_dir is not None:
        candidates += [data_dir / sub for sub in DATASET_DIRS[name]] + [data_dir]
    if name == "fashion":
        candidates.append(FASHION_SYSTEM_DIR)
    for c in candidates:
        if all((c / f).is_file() for pair in IDX_FILES.values() for f in pair):
            return c
    return None


def load_idx_pair(name: str, split: str = "train",
                  data_dir: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N, 28, 28) and labels (N,) of MNIST or Fashion-MNIST.

    Looks in ``data_dir`` / $GANLAB_DATA_DIR (and, for Fashion-MNIST, the Debian package
    folder); falls back to ``keras.datasets`` (which downloads when online).
    """
    if name not in DATASET_DIRS:
        raise DataError(f"Unknown IDX dataset {name!r}.")
    root = default_data_dir(data_dir)
    found = _find_idx_dir(name, root)
    if found is not None:
        img_file, lbl_file = IDX_FILES[split]
        images, labels = read_idx(found / img_file), read_idx(found / lbl_file)
        if len(images) != len(labels):
            raise DataError(f"{found}: {len(images)} images but {len(labels)} labels.")
        return images, labels
    if root is not None:
        where = ", ".join(str(root / s) for s in DATASET_DIRS[name])
        raise DataError(f"{name} not found: expected {', '.join(IDX_FILES[split])} "
                        f"in {where} or {root} (data dir from --data-dir / ${DATA_DIR_ENV}).")
    return _keras_download(name, split)


def _keras_download(name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    import keras

    loader = keras.datasets.mnist if name == "mnist" else keras.datasets.fashion_mnist
    try:
        train, test = loader.load_data()
    except Exception as e:  # network errors come in many types
        hint = " or `apt-get install dataset-fashion-mnist`" if name == "fashion" else ""
        raise DataError(f"{name} is not available offline and the download failed ({e}). "
                        f"Pass --data-dir or set ${DATA_DIR_ENV} to a folder holding the "
                        f"IDX .gz files{hint}.") from None
    return train if split == "train" else test


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> float32 -1..1 with a channel axis."""
    x = images.astype(np.float32) / 127.5 - 1.0
    return x[..., None] if x.ndim == 3 else x


def to_uint8(images: np.ndarray) -> np.ndarray:
    """float -1..1 -> uint8 0..255 (channel axis of size 1 dropped)."""
    x = np.clip((np.asarray(images, np.float32) + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    return x[..., 0] if x.ndim == 4 and x.shape[-1] == 1 else x


def mnist_like(name: str, split: str = "train", data_dir=None, limit: int | None = None) -> Dataset:
    """MNIST or Fashion-MNIST as a labelled image Dataset."""
    images, labels = load_idx_pair(name, split, data_dir)
    if limit:
        images, labels = images[:limit], labels[:limit]
    classes = MNIST_CLASSES if name == "mnist" else FASHION_CLASSES
    return Dataset(name, to_unit_range(images), labels.astype(np.int32), classes,
                   credit=CREDITS[name])


def image_folder(path: str | os.PathLike, size: int = 28, channels: int | None = None) -> Dataset:
    """Every image under ``path`` resized to size×size; subfolders become classes if >1."""
    from PIL import Image, UnidentifiedImageError

    root = Path(path).expanduser()
    if not root.is_dir():
        raise DataError(f"Image folder not found: {root}")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"No images ({', '.join(sorted(IMAGE_SUFFIXES))}) found in {root}.")
    rows, labels, bad = [], [], []
    mode = None
    if channels is None:
        with Image.open(files[0]) as first:
            channels = 1 if first.mode in ("1", "L", "LA", "I", "I;16") else 3
    mode = "L" if channels == 1 else "RGB"
    for f in files:
        try:
            with Image.open(f) as im:
                im = im.convert(mode).resize((size, size), Image.Resampling.LANCZOS)
                rows.append(np.asarray(im, np.uint8))
                labels.append(f.parent.relative_to(root).as_posix())
        except (UnidentifiedImageError, OSError):
            bad.append(f.name)
    if not rows:
        raise DataError(f"None of the {len(files)} files in {root} could be read as images.")
    names = tuple(sorted(set(labels)))
    y = np.array([names.index(lbl) for lbl in labels], np.int32) if len(names) > 1 else None
    return Dataset(root.name or "folder", to_unit_range(np.stack(rows)), y,
                   names if y is not None else (), meta={"skipped": bad, "path": str(root)})


DATASETS = ("ring", "grid", "moons", "spiral", "circle", "mnist", "fashion", "openmoji")
DATASET_ALIASES = {"fashion_mnist": "fashion", "fashion-mnist": "fashion", "ring8": "ring",
                   "8gaussians": "ring", "grid25": "grid"}


def load_dataset(name: str, data_dir=None, image_size: int = 28, seed: int = 0,
                 limit: int | None = None) -> Dataset:
    """Resolve a dataset name or path: toy 2D, mnist, fashion, openmoji, a points file, or a folder.

    A folder of side-by-side A|B images (each twice as wide as tall) loads as paired pix2pix
    data; suffix it with ``:BtoA`` to make the right half the input (see ganlab.paired).
    """
    key = DATASET_ALIASES.get(name.strip().lower(), name.strip().lower())
    if key in TOY_2D:
        return toy_2d(key, seed=seed)
    if key in DATASET_DIRS:
        return mnist_like(key, "train", data_dir, limit=limit)
    # Paired (pix2pix) data; 28, the default size for MNIST-like folders, means 128 here.
    paired_size = 128 if image_size == 28 else image_size
    if key == "openmoji":
        from ganlab.paired import openmoji

        return openmoji(data_dir, paired_size, limit=limit)
    from ganlab.paired import is_paired_folder, paired_folder

    if is_paired_folder(name):
        return paired_folder(name, paired_size, limit=limit)
    path = Path(name).expanduser()
    if path.is_dir():
        return image_folder(path, image_size)
    if path.suffix.lower() in (".csv", ".txt", ".npy"):
        return points_dataset(load_points_file(path), name=path.stem, seed=seed)
    raise DataError(f"Unknown dataset {name!r}: use one of {', '.join(DATASETS)}, "
                    "a folder of images, or a .csv/.npy file of 2D points.")
