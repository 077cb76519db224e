"""MNIST and Fashion-MNIST from IDX gzip files (data folder, Debian package, or keras.datasets)."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np

from ganlab.data.base import DATA_DIR_ENV, DataError, Dataset, default_data_dir
from ganlab.images import to_unit_range

FASHION_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
MNIST_CLASSES = tuple(str(i) for i in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
CREDITS = {
    "mnist": "MNIST database of handwritten digits, Yann LeCun and Corinna Cortes, CC BY-SA 3.0",
    "fashion": "Fashion-MNIST, Copyright (c) 2017 Zalando SE, MIT licence",
}


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


def find_idx_dir(name: str, data_dir: Path | None) -> Path | None:
    """The folder holding all four IDX files of ``name`` (data dir, then the Debian package), or None."""
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
    found = find_idx_dir(name, root)
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


def mnist_like(name: str, split: str = "train", data_dir=None, limit: int | None = None) -> Dataset:
    """MNIST or Fashion-MNIST as a labelled image Dataset."""
    images, labels = load_idx_pair(name, split, data_dir)
    if limit:
        images, labels = images[:limit], labels[:limit]
    classes = MNIST_CLASSES if name == "mnist" else FASHION_CLASSES
    return Dataset(name, to_unit_range(images), labels.astype(np.int32), classes,
                   credit=CREDITS[name], meta={"data_dir": data_dir, "split": split})
