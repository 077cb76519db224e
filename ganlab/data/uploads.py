"""Data a student brings through the browser, checked before anything is decoded.

Uploads are images (several files, or a zip whose subfolders become classes), a CSV of 2D points,
or points drawn in the app. Every file is checked for size first, every image for its pixel count
from its header (``PIL.Image.open`` reads only the header) before its pixels are decoded, and zip
entries for absolute paths, ``..`` and their total unpacked size before anything is written.
Server folders are reachable only under an operator-chosen root (:func:`resolve_under_root`).
All failures are :class:`DataError` with a plain message naming the file and the problem.
"""

from __future__ import annotations

import os
import shutil
import stat
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

import numpy as np

from ganlab.data.base import IMAGE_SUFFIXES, DataError, Dataset
from ganlab.data.toy import load_points_file, points_dataset
from ganlab.images import to_unit_range

MB = 2**20
# Limits of one upload (all files of one upload together, zip included). Documented in the README.
MAX_UPLOAD_BYTES = 50 * MB  # what the browser sends: files or the zip, compressed
MAX_UPLOAD_FILES = 20_000  # images in one upload (zip entries included)
MAX_UNPACKED_BYTES = 200 * MB  # a zip's entries unpacked, together (zip-bomb guard)
MAX_IMAGE_BYTES = 20 * MB  # one image file
MAX_IMAGE_PIXELS = 25_000_000  # width × height of one image, read from its header (decompression-bomb guard)
MAX_POINTS = 100_000  # rows of a CSV of 2D points
MAX_POINTS_BYTES = 5 * MB  # one CSV / .npy of points
MIN_DRAWN_POINTS = 2
POINT_SUFFIXES = {".csv", ".txt", ".npy"}
ZIP_SUFFIXES = {".zip"}

# PIL's own guard warns above MAX_IMAGE_PIXELS and raises above twice that; ours refuses earlier
# with a message, and Pillow's stays as a second line of defence for any other Image.open in the app.
try:  # pragma: no cover - depends on the Pillow build
    from PIL import Image as _Image

    _Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
except ImportError:  # pragma: no cover
    pass


def _human(n: float) -> str:
    """Bytes as a short text (``"50 MB"``)."""
    return f"{n / MB:.0f} MB" if n >= MB else f"{n / 1024:.0f} KB"


# ----------------------------------------------------------------------------- server folders

def resolve_under_root(name: str | os.PathLike, root: str | os.PathLike | None) -> Path:
    """The real path of ``name`` if it lies inside ``root`` (relative names are taken under it).

    Refuses without listing anything: no root configured, ``..`` leading out, absolute paths
    elsewhere, symlinks whose target is outside, or a path that does not exist.
    """
    text = str(name).strip()
    if root is None:
        raise DataError("Server folders are not available here: choose a named dataset or upload your own "
                        "images or points (the operator can allow a folder with `python app.py --data-root DIR`).")
    if not text:
        raise DataError("Empty path.")
    if "\x00" in text:
        raise DataError("Invalid path.")
    base = Path(root).expanduser().resolve(strict=True)
    candidate = Path(text).expanduser()
    if not candidate.is_absolute():
        candidate = base / candidate
    try:
        real = candidate.resolve(strict=True)
    except FileNotFoundError:
        # Say "outside" rather than "not found" when the spelled path already leaves the root,
        # so nothing can be learned about folders outside it.
        if not Path(os.path.normpath(candidate)).is_relative_to(base):
            raise DataError(f"{text!r} is outside the data folder this server allows.") from None
        raise DataError(f"{text!r} does not exist in the data folder this server allows.") from None
    except (OSError, RuntimeError):  # symlink loops, permissions
        raise DataError(f"{text!r} cannot be opened.") from None
    if not real.is_relative_to(base):
        raise DataError(f"{text!r} is outside the data folder this server allows (no '..', no absolute "
                        "paths elsewhere, no links leading out).")
    return real


# ----------------------------------------------------------------------------- file checks

def check_file_size(path: str | os.PathLike, limit: int, what: str = "File") -> int:
    """The size of a regular file, or DataError when it is missing, not a file, or over ``limit``."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        raise DataError(f"{what} {p.name!r} could not be read.") from None
    if not stat.S_ISREG(st.st_mode):
        raise DataError(f"{what} {p.name!r} is not a regular file.")
    if st.st_size > limit:
        raise DataError(f"{what} {p.name!r} is {_human(st.st_size)}; the limit is {_human(limit)}.")
    if st.st_size == 0:
        raise DataError(f"{what} {p.name!r} is empty.")
    return st.st_size


def check_image(path: str | os.PathLike, max_bytes: int = MAX_IMAGE_BYTES,
                max_pixels: int = MAX_IMAGE_PIXELS) -> tuple[int, int]:
    """(width, height) of an image file, checked from its header only: size on disk, then pixel count.

    Nothing is decoded here; DataError names the file and the problem (too big, too many pixels,
    not an image / corrupt).
    """
    from PIL import Image, UnidentifiedImageError

    check_file_size(path, max_bytes, "Image")
    name = Path(path).name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                width, height = im.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DataError(f"Image {name!r} has too many pixels (limit {max_pixels:,}).") from None
    except UnidentifiedImageError:
        raise DataError(f"{name!r} is not an image PIL can read (corrupt, or not PNG/JPEG/BMP/GIF/WebP).") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise DataError(f"Image {name!r} is corrupt: {e}") from None
    if width < 1 or height < 1:
        raise DataError(f"Image {name!r} has no pixels ({width}×{height}).")
    if width * height > max_pixels:
        raise DataError(f"Image {name!r} is {width}×{height} = {width * height:,} pixels; "
                        f"the limit is {max_pixels:,}.")
    return width, height


def load_image(path: str | os.PathLike, mode: str, size: int | None = None,
               max_bytes: int = MAX_IMAGE_BYTES, max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray:
    """A checked image decoded as uint8 in ``mode`` ("L", "RGB", "RGBA"), resized to size×size if given."""
    from PIL import Image

    check_image(path, max_bytes, max_pixels)
    name = Path(path).name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if size is not None:
                    im.draft(mode if mode != "RGBA" else "RGB", (size, size))  # JPEG: decode smaller
                im = im.convert(mode)
                if size is not None:
                    im = im.resize((size, size), Image.Resampling.LANCZOS)
                return np.asarray(im, np.uint8)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DataError(f"Image {name!r} has too many pixels (limit {max_pixels:,}).") from None
    except (OSError, ValueError, SyntaxError) as e:  # truncated or broken pixel data
        raise DataError(f"Image {name!r} is corrupt: {e}") from None


# ----------------------------------------------------------------------------- zips

def _zip_member_path(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The safe relative path of a zip entry, None for folders; DataError for unsafe names."""
    name = info.filename.replace("\\", "/")
    if name.endswith("/"):
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise DataError(f"The zip holds an entry with an absolute path ({info.filename!r}); refused.")
    if ".." in path.parts:
        raise DataError(f"The zip holds an entry leading outside it ({info.filename!r}); refused.")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise DataError(f"The zip holds a symbolic link ({info.filename!r}); refused.")
    return path


def safe_extract_zip(zip_path: str | os.PathLike, dest: str | os.PathLike,
                     max_files: int = MAX_UPLOAD_FILES, max_unpacked: int = MAX_UNPACKED_BYTES,
                     suffixes: Iterable[str] = IMAGE_SUFFIXES) -> list[Path]:
    """Unpack the files of a zip whose suffix is in ``suffixes`` into ``dest``; return their paths.

    Every entry is checked before anything is written: absolute paths, ``..``, links, more than
    ``max_files`` kept files, or more than ``max_unpacked`` bytes unpacked (as declared, and as
    actually written) are refused with DataError. macOS metadata (``__MACOSX/``, ``._*``) is skipped.
    """
    dest = Path(dest)
    suffixes = {s.lower() for s in suffixes}
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(f"{Path(zip_path).name!r} is not a valid zip file.") from None
    with zf:
        chosen: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        total = 0
        for info in zf.infolist():
            rel = _zip_member_path(info)
            if rel is None or rel.parts[0] == "__MACOSX" or rel.name.startswith("._"):
                continue
            if rel.suffix.lower() not in suffixes:
                continue
            if info.flag_bits & 0x1:
                raise DataError(f"The zip entry {info.filename!r} is encrypted; send an unencrypted zip.")
            chosen.append((info, rel))
            total += info.file_size
            if len(chosen) > max_files:
                raise DataError(f"The zip holds more than {max_files:,} images; the limit is {max_files:,}.")
            if total > max_unpacked:
                raise DataError(f"The zip would unpack to more than {_human(max_unpacked)}; "
                                f"the limit is {_human(max_unpacked)}.")
        dest.mkdir(parents=True, exist_ok=True)
        written, out = 0, []
        for info, rel in chosen:
            target = dest.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > max_unpacked:  # sizes in the header can lie
                            raise DataError(f"The zip unpacks to more than {_human(max_unpacked)}; "
                                            "refused.")
                        dst.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as e:
                raise DataError(f"The zip entry {info.filename!r} is corrupt: {e}") from None
            out.append(target)
    return out


# ----------------------------------------------------------------------------- datasets

def _gather(paths: Sequence[str | os.PathLike], work_dir: Path) -> tuple[list[tuple[Path, str]], list[Path]]:
    """(image, class label) pairs and points files from uploaded paths; zips unpacked into work_dir."""
    images: list[tuple[Path, str]] = []
    points: list[Path] = []
    total = 0
    for i, raw in enumerate(paths):
        p = Path(raw)
        suffix = p.suffix.lower()
        limit = MAX_UPLOAD_BYTES if suffix in ZIP_SUFFIXES else (
            MAX_POINTS_BYTES if suffix in POINT_SUFFIXES else MAX_IMAGE_BYTES)
        total += check_file_size(p, limit)
        if total > MAX_UPLOAD_BYTES:
            raise DataError(f"The upload is over {_human(MAX_UPLOAD_BYTES)} in all; send fewer or smaller files.")
        if suffix in ZIP_SUFFIXES:
            root = work_dir / f"zip{i}"
            for f in safe_extract_zip(p, root, max_files=MAX_UPLOAD_FILES - len(images)):
                rel = f.relative_to(root)
                images.append((f, rel.parent.as_posix() if len(rel.parts) > 1 else ""))
        elif suffix in IMAGE_SUFFIXES:
            images.append((p, ""))
        elif suffix in POINT_SUFFIXES:
            points.append(p)
        else:
            raise DataError(f"{p.name!r} is neither an image ({', '.join(sorted(IMAGE_SUFFIXES))}), a .zip of "
                            "images nor a .csv of 2D points.")
        if len(images) > MAX_UPLOAD_FILES:
            raise DataError(f"More than {MAX_UPLOAD_FILES:,} images; the limit is {MAX_UPLOAD_FILES:,}.")
    return images, points


def _drop_common_top(images: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """A zip of one folder ("faces/cat/1.png") has the classes one level down: drop that top folder."""
    labels = {lbl for _, lbl in images}
    tops = {lbl.split("/", 1)[0] for lbl in labels}
    if len(tops) == 1 and "" not in labels and any("/" in lbl for lbl in labels):
        top = next(iter(tops)) + "/"
        return [(p, lbl[len(top):] if lbl.startswith(top) else "") for p, lbl in images]
    if labels == tops and len(labels) == 1:
        return [(p, "") for p, _ in images]  # one folder only: no classes
    return images


def dataset_from_uploads(paths: Sequence[str | os.PathLike], work_dir: str | os.PathLike, size: int = 28,
                         name: str = "upload", seed: int = 0, max_bytes: int | None = None) -> Dataset:
    """A Dataset from uploaded files: images (subfolders of a zip become classes) or 2D points.

    ``work_dir`` receives unpacked zip entries (the caller deletes it with the session). Images
    must all be images and points files all points; a corrupt file stops the upload with a
    message naming it. ``max_bytes``: refuse, before decoding, images that would take more once
    decoded (float32, counted as RGB).
    """
    if not paths:
        raise DataError("Nothing uploaded: choose image files, a .zip of images, or a .csv of 2D points.")
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    images, points = _gather(paths, work)
    if images and points:
        raise DataError("Upload either images or a points file, not both.")
    if points:
        if len(points) > 1:
            raise DataError("Upload one points file at a time.")
        return points_from_file(points[0], name=name, seed=seed)
    if not images:
        raise DataError("The upload holds no images (.png, .jpg, .bmp, .gif, .webp).")
    images = _drop_common_top(images)
    decoded = len(images) * size * size * 3 * 4
    if max_bytes is not None and decoded > max_bytes:
        raise DataError(f"{len(images):,} images would take {decoded / MB:.0f} MB once decoded; a session may "
                        f"hold {max_bytes / MB:.0f} MB. Upload fewer images.")
    for p, _ in images:  # every header first: nothing is decoded if one file is bad
        check_image(p)
    from PIL import Image

    with Image.open(images[0][0]) as first:
        mode = "L" if first.mode in ("1", "L", "LA", "I", "I;16", "P") and _gray_palette(first) else "RGB"
    rows = [load_image(p, mode, size) for p, _ in images]
    labels = [lbl for _, lbl in images]
    names = tuple(sorted(set(labels)))
    y = np.array([names.index(lbl) for lbl in labels], np.int32) if len(names) > 1 else None
    x = np.stack(rows)
    if x.ndim == 3:
        x = x[..., None]
    return Dataset(name, to_unit_range(x), y, names if y is not None else (),
                   meta={"description": f"{len(rows)} uploaded images" + (f", {len(names)} classes" if y is not None
                                                                          else ""), "upload": True})


def _gray_palette(im) -> bool:
    """True unless a palette image has coloured entries."""
    if im.mode != "P":
        return True
    pal = np.asarray(im.getpalette() or [], np.uint8).reshape(-1, 3)
    return bool(len(pal)) and bool((pal.max(1) == pal.min(1)).all())


def points_from_file(path: str | os.PathLike, name: str = "points", seed: int = 0) -> Dataset:
    """A 2D points Dataset from an uploaded .csv/.txt (x,y per line) or .npy, size-checked first."""
    p = Path(path)
    check_file_size(p, MAX_POINTS_BYTES, "Points file")
    pts = load_points_file(p)
    if pts.ndim != 2 or pts.shape[-1] != 2:
        raise DataError(f"{p.name!r} must hold two numbers (x,y) per line; got shape {pts.shape}.")
    if len(pts) > MAX_POINTS:
        raise DataError(f"{p.name!r} has {len(pts):,} points; the limit is {MAX_POINTS:,}.")
    return points_dataset(pts, name=name, seed=seed)


def points_from_drawing(image: np.ndarray | None, name: str = "drawn", seed: int = 0,
                        max_points: int = 2000) -> Dataset:
    """A 2D points Dataset from a drawing: every inked pixel is a point (y up), thinned to max_points."""
    if image is None:
        raise DataError("Draw some points first.")
    arr = np.asarray(image)
    if arr.ndim == 3:
        alpha = arr[..., 3] if arr.shape[-1] == 4 else np.full(arr.shape[:2], 255)
        gray = arr[..., :3].mean(-1)
        ink = (alpha > 127) & (gray < 128)
    elif arr.ndim == 2:
        ink = arr < 128
    else:
        raise DataError(f"Not a drawing (array of shape {arr.shape}).")
    rows, cols = np.nonzero(ink)
    if len(rows) < MIN_DRAWN_POINTS:
        raise DataError("The drawing is empty: draw a few strokes or dots.")
    pts = np.stack([cols, -rows], 1).astype(np.float32)
    if len(pts) > max_points:
        pts = pts[np.random.default_rng(0).choice(len(pts), max_points, replace=False)]
    return points_dataset(pts, name=name, seed=seed)


def dataset_bytes(dataset: Dataset) -> int:
    """Bytes held by a Dataset's arrays (x, y, cond)."""
    return sum(a.nbytes for a in (dataset.x, dataset.y, dataset.cond) if a is not None)


def remove_tree(path: str | os.PathLike) -> None:
    """Delete a folder of uploaded files; missing is fine."""
    shutil.rmtree(path, ignore_errors=True)
