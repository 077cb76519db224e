"""A folder of images as a Dataset (subfolders become classes)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ganlab.data.base import IMAGE_SUFFIXES, DataError, Dataset
from ganlab.images import to_unit_range


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
