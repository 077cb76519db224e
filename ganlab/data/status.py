"""Where each named data set is, as the loaders would find it, and how to get it onto an offline machine.

``python -m ganlab data --check`` prints these records; nothing here reads a data file beyond its name
and size, so a check is instant.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ganlab.data.base import DATA_DIR_ENV, default_data_dir
from ganlab.data.idx import DATASET_DIRS, IDX_FILES, find_idx_dir

KERAS_CACHE = {"mnist": ("mnist.npz",), "fashion": tuple(f"fashion-mnist/{f}" for pair in IDX_FILES.values()
                                                         for f in pair)}
USED_BY = {
    "mnist": "the MNIST presets, the quality meter's judge, Nearest training images, the test suite (required)",
    "fashion": "the Fashion-MNIST presets and --dataset fashion",
    "openmoji": "the Sketch and Upscale tabs' example pictures, --dataset openmoji (pix2pix, SRGAN training)",
}
HOW_TO_GET = {
    "mnist": ("copy the four MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
              "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) into {root}/mnist/ — from an online "
              "machine: `python -c \"import keras; keras.datasets.mnist.load_data()\"` caches mnist.npz in "
              "~/.keras/datasets/, or download the IDX files from a mirror of yann.lecun.com/exdb/mnist"),
    "fashion": ("`apt-get install dataset-fashion-mnist` (Debian/Ubuntu: the IDX files land in "
                "/usr/share/datasets/fashion-mnist/), or copy the four IDX .gz files of "
                "github.com/zalandoresearch/fashion-mnist into {root}/fashion-mnist/"),
    "openmoji": ("`npm pack openmoji@17.0.0`, then `python scripts/make_openmoji_pairs.py --tgz "
                 "openmoji-17.0.0.tgz --size 128 --out {root}/openmoji/openmoji_pairs_128.npz` "
                 "(needs `pip install cairosvg` and the cairo library)"),
}
REQUIRED = ("mnist",)


@dataclass(frozen=True)
class DataStatus:
    """One data set: found where (or not), its size on disk, what uses it and how to get it."""

    name: str
    path: Path | None  # the folder or file the loaders read, None when missing
    size_bytes: int
    source: str  # "data dir", "Debian package", "keras cache" or "" (missing)
    used_by: str
    how_to_get: str
    required: bool

    @property
    def present(self) -> bool:
        """True when the loaders would find it without a download."""
        return self.path is not None


def keras_home() -> Path:
    """Keras' cache folder ($KERAS_HOME or ~/.keras), where keras.datasets keeps its downloads."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser()


def _size(path: Path) -> int:
    files = [path] if path.is_file() else [p for p in path.glob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files)


def _idx_status(name: str, root: Path | None) -> tuple[Path | None, str, int]:
    found = find_idx_dir(name, root)
    if found is not None:
        files = [found / f for pair in IDX_FILES.values() for f in pair]
        source = "data dir" if root is not None and root in (found, *found.parents) else "Debian package"
        return found, source, sum(f.stat().st_size for f in files)
    if root is None:  # no data folder: the loaders fall back to keras.datasets, which reads its cache first
        cached = [keras_home() / "datasets" / f for f in KERAS_CACHE[name]]
        if all(p.is_file() for p in cached):
            return cached[0].parent if len(cached) > 1 else cached[0], "keras cache", sum(
                p.stat().st_size for p in cached)
    return None, "", 0


def _openmoji_status(root: Path | None) -> tuple[Path | None, str, int]:
    if root is None:
        return None, "", 0
    for candidate in (root / "openmoji" / "openmoji_pairs_128.npz", root / "openmoji_pairs_128.npz"):
        if candidate.is_file():
            return candidate, "data dir", _size(candidate)
    return None, "", 0


def check(data_dir: str | os.PathLike | None = None) -> list[DataStatus]:
    """The status of MNIST, Fashion-MNIST and the OpenMoji pairs, looked up as the loaders look."""
    root = default_data_dir(data_dir)
    shown_root = str(root) if root is not None else f"${DATA_DIR_ENV}"
    out = []
    for name in (*DATASET_DIRS, "openmoji"):
        path, source, size = _openmoji_status(root) if name == "openmoji" else _idx_status(name, root)
        out.append(DataStatus(name, path, size, source, USED_BY[name], HOW_TO_GET[name].format(root=shown_root),
                              name in REQUIRED))
    return out


def where_looked(data_dir: str | os.PathLike | None = None) -> str:
    """One sentence: the folders the loaders search, from --data-dir / $GANLAB_DATA_DIR."""
    root = default_data_dir(data_dir)
    if root is None:
        return (f"No data folder (--data-dir / ${DATA_DIR_ENV} unset): MNIST and Fashion-MNIST come from Keras' "
                f"cache {keras_home() / 'datasets'} (downloaded when online), Fashion-MNIST also from "
                "/usr/share/datasets/fashion-mnist/; the OpenMoji pairs need a data folder.")
    return (f"Data folder {root} (from --data-dir / ${DATA_DIR_ENV}; nothing is downloaded while it is set), "
            "and /usr/share/datasets/fashion-mnist/ for Fashion-MNIST.")
