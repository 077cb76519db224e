"""Data sources behind one ``load_dataset``: 2D toys, MNIST / Fashion-MNIST (IDX gzip), image
folders, paired (pix2pix) data. A :class:`Dataset` holds its examples in memory and hands out
random batches from a seeded NumPy generator; images are float32 in [-1, 1] with shape
(N, H, W, C), points are (N, 2)."""

from __future__ import annotations

from pathlib import Path

from ganlab.data.base import DATA_DIR_ENV, IMAGE_SUFFIXES, DataError, Dataset, default_data_dir
from ganlab.data.folders import image_folder
from ganlab.data.idx import CREDITS, DATASET_DIRS, FASHION_CLASSES, MNIST_CLASSES, load_idx_pair, mnist_like, read_idx
from ganlab.data.paired import is_paired_folder, openmoji, paired_folder
from ganlab.data.toy import TOY_2D, TOY_2D_DESCRIPTIONS, load_points_file, points_dataset, toy_2d

DATASETS = ("ring", "grid", "moons", "spiral", "circle", "mnist", "fashion", "openmoji")
DATASET_ALIASES = {"fashion_mnist": "fashion", "fashion-mnist": "fashion", "ring8": "ring",
                   "8gaussians": "ring", "grid25": "grid"}


def load_dataset(name: str, data_dir=None, image_size: int = 28, seed: int = 0,
                 limit: int | None = None) -> Dataset:
    """Resolve a dataset name or path: toy 2D, mnist, fashion, openmoji, a points file, or a folder.

    A folder of side-by-side A|B images (each twice as wide as tall) loads as paired pix2pix
    data; suffix it with ``:BtoA`` to make the right half the input (see ganlab.data.paired).
    """
    key = DATASET_ALIASES.get(name.strip().lower(), name.strip().lower())
    if key in TOY_2D:
        return toy_2d(key, seed=seed)
    if key in DATASET_DIRS:
        return mnist_like(key, "train", data_dir, limit=limit)
    # Paired (pix2pix) data; 28, the default size for MNIST-like folders, means 128 here.
    paired_size = 128 if image_size == 28 else image_size
    if key == "openmoji":
        return openmoji(data_dir, paired_size, limit=limit)
    if is_paired_folder(name):
        return paired_folder(name, paired_size, limit=limit)
    path = Path(name).expanduser()
    if path.is_dir():
        return image_folder(path, image_size)
    if path.suffix.lower() in (".csv", ".txt", ".npy"):
        return points_dataset(load_points_file(path), name=path.stem, seed=seed)
    raise DataError(f"Unknown dataset {name!r}: use one of {', '.join(DATASETS)}, "
                    "a folder of images, or a .csv/.npy file of 2D points.")


__all__ = ["CREDITS", "DATASETS", "DATA_DIR_ENV", "FASHION_CLASSES", "IMAGE_SUFFIXES", "MNIST_CLASSES", "TOY_2D",
           "TOY_2D_DESCRIPTIONS", "DataError", "Dataset", "default_data_dir", "image_folder", "is_paired_folder",
           "load_dataset", "load_idx_pair", "load_points_file", "mnist_like", "openmoji", "paired_folder",
           "points_dataset", "read_idx", "toy_2d"]
