"""A folder of images as a Dataset (subfolders become classes)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ganlab.data.base import IMAGE_SUFFIXES, DataError, Dataset
from ganlab.images import to_unit_range


def image_folder(path: str | os.PathLike, size: int = 28, channels: int | None = None,
                 within: str | os.PathLike | None = None) -> Dataset:
    """Every image under ``path`` resized to size×size; subfolders become classes if >1.

    ``within``: skip files whose real path (links followed) lies outside that folder (the app's
    --data-root), so a link inside an allowed folder cannot read files elsewhere.
    """
    from PIL import Image, UnidentifiedImageError

    root = Path(path).expanduser()
    if not root.is_dir():
        raise DataError(f"Image folder not found: {root}")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if within is not None:
        fence = Path(within).resolve()
        files = [p for p in files if p.resolve().is_relative_to(fence)]
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


MAX_CROP_IMAGES = 4000  # training crops kept in memory (float32): 4000 × 128² × 3 ≈ 790 MB


def random_crops(path: str | os.PathLike, size: int = 128, per_image: int = 8, seed: int = 0,
                 test_size: int = 256, max_crops: int = MAX_CROP_IMAGES) -> Dataset:
    """Random size×size RGB crops of every photo under ``path`` at full resolution (for super-resolution).

    The held-out split is the pix2pix rule on relative file names (md5 % 10 == 0): those photos are
    never cropped for training; one centre crop of side ``test_size`` (rounded to a multiple of 4,
    smaller photos are skipped) of each goes to ``meta["test_x"]``. Photos smaller than ``size``
    are skipped. Crops are drawn once, from ``seed``.
    """
    from PIL import Image, UnidentifiedImageError

    from ganlab.data.paired import is_test_name

    root = Path(path).expanduser()
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"No images ({', '.join(sorted(IMAGE_SUFFIXES))}) found in {root}.")
    rng = np.random.default_rng(seed)
    train_files = [f for f in files if not is_test_name(f.relative_to(root).as_posix())]
    per_image = max(1, min(per_image, max_crops // max(len(train_files), 1)))
    crops, tests, test_names, skipped = [], [], [], []
    side = test_size // 4 * 4
    for f in files:
        try:
            with Image.open(f) as im:
                arr = np.asarray(im.convert("RGB"))
        except (UnidentifiedImageError, OSError):
            skipped.append(f.name)
            continue
        h, w = arr.shape[:2]
        if is_test_name(f.relative_to(root).as_posix()):
            if min(h, w) >= side:
                y, x = (h - side) // 2, (w - side) // 2
                tests.append(arr[y : y + side, x : x + side])
                test_names.append(f.name)
            continue
        if min(h, w) < size:
            skipped.append(f.name)
            continue
        for _ in range(per_image):
            y, x = rng.integers(0, h - size + 1), rng.integers(0, w - size + 1)
            crops.append(arr[y : y + size, x : x + size])
    if not crops:
        raise DataError(f"No photo in {root} is at least {size}×{size} pixels (or none could be read).")
    meta = {"path": str(root), "skipped": skipped, "crops": f"{per_image} random {size}² crops per photo",
            "split": "held out: md5(relative file name) % 10 == 0",
            "test_x": to_unit_range(np.stack(tests)) if tests else np.zeros((0, side, side, 3), np.float32),
            "test_names": test_names}
    return Dataset(root.name or "photos", to_unit_range(np.stack(crops)), meta=meta)
