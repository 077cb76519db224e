"""Paired image data for pix2pix: the OpenMoji sketch→colour pairs and A|B image folders.

A paired :class:`~ganlab.data.Dataset` has ``x`` = targets (N, H, W, 3) and ``cond`` = inputs
(N, H, W, C), both float32 in [-1, 1]. A fixed held-out split is never trained on; it lives in
``meta["test_x"]`` / ``meta["test_cond"]`` (with ``meta["test_names"]``) for evaluation, the
Train tab's fixed test triplets and the Sketch tab's examples.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from ganlab.data.base import IMAGE_SUFFIXES, DataError, Dataset, default_data_dir
from ganlab.images import to_unit_range

OPENMOJI_CREDIT = ("All emojis designed by OpenMoji – the open-source emoji and icon project. "
                   "License: CC BY-SA 4.0")
OPENMOJI_SIZES = (64, 128)
TEST_EVERY = 10  # about 1 in 10 pairs is held out
DIRECTIONS = ("AtoB", "BtoA")


def is_test_name(name: str) -> bool:
    """The fixed held-out rule: md5(name) mod 10 == 0 (stable when data is added or reordered)."""
    return int(hashlib.md5(name.encode("utf-8")).hexdigest(), 16) % TEST_EVERY == 0


def openmoji_file(data_dir: str | os.PathLike | None = None, size: int = 128) -> Path:
    """Path of openmoji_pairs_<size>.npz under the data dir (--data-dir / $GANLAB_DATA_DIR)."""
    root = default_data_dir(data_dir)
    if root is None:
        raise DataError("OpenMoji pairs need the data folder: pass --data-dir or set $GANLAB_DATA_DIR "
                        "to the folder that holds openmoji/openmoji_pairs_128.npz.")
    for candidate in (root / "openmoji" / f"openmoji_pairs_{size}.npz", root / f"openmoji_pairs_{size}.npz"):
        if candidate.is_file():
            return candidate
    raise DataError(f"openmoji_pairs_{size}.npz not found in {root / 'openmoji'} or {root}.")


def load_openmoji_arrays(data_dir=None, size: int = 128, keys: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The raw arrays of the OpenMoji pairs file (sketch, photo, hexcode, annotation, group), or only
    ``keys`` of them (each array is read and decompressed separately: the app's examples need one)."""
    file_size = 64 if size == 64 else 128
    with np.load(openmoji_file(data_dir, file_size), allow_pickle=False) as d:
        arrays = {k: d[k] for k in d.files if keys is None or k in keys}
    if size not in OPENMOJI_SIZES:
        for k in ("sketch", "photo"):
            if k in arrays:
                arrays[k] = _resize_stack(arrays[k], size)
    return arrays


def _resize_stack(images: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image

    return np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.Resampling.LANCZOS))
                     for im in images])


def openmoji(data_dir=None, size: int = 128, limit: int | None = None) -> Dataset:
    """OpenMoji line art → colour emoji as a paired Dataset; ~10% held out by hexcode."""
    a = load_openmoji_arrays(data_dir, size)
    test = np.array([is_test_name(str(h)) for h in a["hexcode"]])
    train_idx, test_idx = np.flatnonzero(~test), np.flatnonzero(test)
    if limit:
        train_idx = train_idx[:limit]
    names = [f"{h} {n}" for h, n in zip(a["hexcode"], a["annotation"])]
    sketch, photo = to_unit_range(a["sketch"]), to_unit_range(a["photo"])
    meta = {
        "paired": True, "input": "sketch (black line art on white)", "target": "colour emoji",
        "split": f"held out: md5(hexcode) % {TEST_EVERY} == 0",
        "test_x": photo[test_idx], "test_cond": sketch[test_idx],
        "test_names": [names[i] for i in test_idx], "train_names": [names[i] for i in train_idx],
    }
    return Dataset("openmoji", photo[train_idx], None, (), credit=OPENMOJI_CREDIT,
                   cond=sketch[train_idx], meta=meta)


# ----------------------------------------------------------------------------- A|B folders

def split_direction(name: str) -> tuple[str, str]:
    """'DIR:BtoA' -> ('DIR', 'BtoA'); no suffix means AtoB (left half is the input)."""
    head, sep, tail = name.rpartition(":")
    if sep and tail.lower() in {d.lower() for d in DIRECTIONS}:
        return head, "AtoB" if tail.lower() == "atob" else "BtoA"
    return name, "AtoB"


def _image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def is_paired_folder(path: str | os.PathLike, probe: int = 8) -> bool:
    """True when the folder's images are side-by-side A|B pairs (each exactly twice as wide as tall)."""
    from PIL import Image, UnidentifiedImageError

    folder = Path(split_direction(str(path))[0]).expanduser()
    if not folder.is_dir():
        return False
    files = _image_files(folder)[:probe]
    if not files:
        return False
    try:
        for f in files:
            with Image.open(f) as im:
                if im.width != 2 * im.height:
                    return False
    except (UnidentifiedImageError, OSError):
        return False
    return True


def _read_pairs(files: list[Path], size: int, direction: str, in_mode: str) -> tuple[np.ndarray, np.ndarray, list]:
    from PIL import Image, UnidentifiedImageError

    inputs, targets, skipped = [], [], []
    for f in files:
        try:
            with Image.open(f) as im:
                im = im.convert("RGB")
                half = im.width // 2
                a, b = im.crop((0, 0, half, im.height)), im.crop((half, 0, 2 * half, im.height))
        except (UnidentifiedImageError, OSError):
            skipped.append(f.name)
            continue
        src, dst = (a, b) if direction == "AtoB" else (b, a)
        inputs.append(np.asarray(src.convert(in_mode).resize((size, size), Image.Resampling.BICUBIC)))
        targets.append(np.asarray(dst.resize((size, size), Image.Resampling.BICUBIC)))
    if not inputs:
        raise DataError(f"None of the {len(files)} A|B images could be read.")
    return np.stack(inputs), np.stack(targets), skipped


def paired_folder(name: str, size: int = 128, limit: int | None = None) -> Dataset:
    """A standard pix2pix folder (images of A|B side by side) as a paired Dataset.

    ``name`` is the folder, optionally suffixed ``:AtoB`` (default: the left half A is the
    input, as in edges2shoes / edges2handbags / maps) or ``:BtoA`` (right half is the input,
    as the pix2pix authors train facades: labels → photo). Subfolders ``train/`` and
    ``test/`` (or ``val/``) are used as the split when present; otherwise about 1 in 10 files,
    chosen by a hash of the file name, is held out. Inputs are grayscale when every input half
    is gray (edges, sketches), else RGB.
    """
    path_str, direction = split_direction(name)
    root = Path(path_str).expanduser()
    if not root.is_dir():
        raise DataError(f"Paired image folder not found: {root}")
    train_dir = root / "train"
    test_dir = next((root / d for d in ("test", "val") if (root / d).is_dir()), None)
    if train_dir.is_dir() and test_dir is not None:
        train_files, test_files = _image_files(train_dir), _image_files(test_dir)
        split = f"{train_dir.name}/ for training, {test_dir.name}/ held out"
    else:
        files = _image_files(root)
        train_files = [f for f in files if not is_test_name(f.relative_to(root).as_posix())]
        test_files = [f for f in files if is_test_name(f.relative_to(root).as_posix())]
        split = f"held out: md5(relative file name) % {TEST_EVERY} == 0"
    if limit:
        train_files = train_files[:limit]
    if not train_files:
        raise DataError(f"No A|B training images found in {root}.")
    test_files = test_files[:500]  # enough to evaluate; keeps memory small
    in_x, tg_x, skipped = _read_pairs(train_files, size, direction, "RGB")
    gray = bool(np.all(np.ptp(in_x.astype(np.int16), axis=-1) <= 8))
    in_mode = "L" if gray else "RGB"
    if gray:
        in_x = np.round(in_x.astype(np.float32).mean(-1)).astype(np.uint8)
    te_in, te_tg, skipped_test = (_read_pairs(test_files, size, direction, in_mode) if test_files
                                  else (in_x[:0], tg_x[:0], []))
    meta = {"paired": True, "input": f"{'left A' if direction == 'AtoB' else 'right B'} half ({in_mode})",
            "target": f"{'right B' if direction == 'AtoB' else 'left A'} half", "direction": direction,
            "split": split, "path": str(root), "skipped": skipped + skipped_test,
            "test_x": to_unit_range(te_tg), "test_cond": to_unit_range(te_in),
            "test_names": [f.name for f in test_files][: len(te_in)]}
    return Dataset(root.name or "pairs", to_unit_range(tg_x), None, (), cond=to_unit_range(in_x), meta=meta)


def held_out(dataset: Dataset) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(inputs, targets, names) of a paired Dataset's held-out split."""
    if dataset.cond is None or "test_cond" not in dataset.meta:
        raise DataError(f"Dataset {dataset.name!r} is not a paired dataset with a held-out split.")
    return dataset.meta["test_cond"], dataset.meta["test_x"], list(dataset.meta.get("test_names", []))
