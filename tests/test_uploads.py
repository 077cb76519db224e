"""Uploaded data (ganlab.data.uploads): checks before decoding, safe zips, server-folder roots."""

from __future__ import annotations

import os
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image

from ganlab.data import DataError
from ganlab.data import uploads as up


def png_header_only(path, width: int, height: int) -> None:
    """A PNG whose header claims width×height (no real pixel data): a decompression bomb's shape."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))


def make_images(folder, classes=("cat", "dog"), per_class: int = 3, size: int = 16):
    """Small PNGs in class subfolders."""
    rng = np.random.default_rng(0)
    for c in classes:
        (folder / c).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 255, (size, size, 3), np.uint8)).save(folder / c / f"{i}.png")


def test_resolve_under_root_refuses_escapes_without_scanning(tmp_path):
    root = tmp_path / "root"
    (root / "faces").mkdir(parents=True)
    outside = tmp_path / "secret"
    outside.mkdir()
    (root / "link").symlink_to(outside)
    assert up.resolve_under_root("faces", root) == (root / "faces").resolve()
    assert up.resolve_under_root(str(root / "faces"), root) == (root / "faces").resolve()
    for bad in ("..", "../secret", "../../..", "faces/../../secret", str(outside), "/usr/share/icons", "link",
                "/nonexistent/x"):
        with pytest.raises(DataError, match="outside|does not exist"):
            up.resolve_under_root(bad, root)
    with pytest.raises(DataError, match="--data-root"):
        up.resolve_under_root("faces", None)


def test_check_image_size_pixels_and_corrupt(tmp_path):
    good = tmp_path / "ok.png"
    Image.new("RGB", (20, 10)).save(good)
    assert up.check_image(good) == (20, 10)
    bomb = tmp_path / "bomb.png"
    png_header_only(bomb, 12000, 12000)
    with pytest.raises(DataError, match="pixels"):
        up.check_image(bomb)
    with pytest.raises(DataError, match="pixels"):
        up.load_image(bomb, "RGB", 28)
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"\0" * 2000)
    with pytest.raises(DataError, match="limit"):
        up.check_image(big, max_bytes=1000)
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(good.read_bytes()[:40])
    with pytest.raises(DataError, match="corrupt|not an image"):
        up.load_image(corrupt, "RGB")
    text = tmp_path / "notes.png"
    text.write_text("hello, not an image")
    with pytest.raises(DataError, match="not an image"):
        up.check_image(text)


def test_safe_extract_zip_refuses_bad_entries(tmp_path):
    for name in ("../evil.png", "/abs/evil.png", "a/../../evil.png"):
        z = tmp_path / "bad.zip"
        with zipfile.ZipFile(z, "w") as zf:
            zf.writestr(name, b"x")
        with pytest.raises(DataError, match="absolute|outside"):
            up.safe_extract_zip(z, tmp_path / "out")
        assert not (tmp_path / "evil.png").exists()
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(5):
            zf.writestr(f"{i}.png", b"\0" * 1000)
    with pytest.raises(DataError, match="more than 3"):
        up.safe_extract_zip(z, tmp_path / "o2", max_files=3)
    with pytest.raises(DataError, match="unpack"):
        up.safe_extract_zip(z, tmp_path / "o3", max_unpacked=2500)
    (tmp_path / "fake.zip").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a valid zip"):
        up.safe_extract_zip(tmp_path / "fake.zip", tmp_path / "o4")


def test_dataset_from_zip_keeps_classes_and_files(tmp_path):
    src = tmp_path / "pets"
    make_images(src)
    z = tmp_path / "pets.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(src.rglob("*.png")):
            zf.write(f, f.relative_to(tmp_path).as_posix())  # pets/cat/0.png: one top folder
    ds = up.dataset_from_uploads([z], tmp_path / "work", size=28)
    assert ds.x.shape == (6, 28, 28, 3) and ds.class_names == ("cat", "dog")
    assert sorted(np.bincount(ds.y)) == [3, 3] and ds.x.min() >= -1 and ds.x.max() <= 1
    flat = up.dataset_from_uploads(sorted(src.rglob("*.png")), tmp_path / "w2", size=8)
    assert flat.x.shape == (6, 8, 8, 3) and flat.y is None


def test_dataset_from_uploads_names_the_bad_file(tmp_path):
    make_images(tmp_path / "imgs", classes=("a",))
    files = sorted((tmp_path / "imgs").rglob("*.png"))
    broken = tmp_path / "imgs" / "broken.png"
    broken.write_bytes(files[0].read_bytes()[:60])
    with pytest.raises(DataError, match="broken.png"):
        up.dataset_from_uploads([*files, broken], tmp_path / "w")
    (tmp_path / "x.exe").write_bytes(b"MZ")
    with pytest.raises(DataError, match="x.exe"):
        up.dataset_from_uploads([tmp_path / "x.exe"], tmp_path / "w")
    with pytest.raises(DataError, match="Nothing uploaded"):
        up.dataset_from_uploads([], tmp_path / "w")


def test_points_csv_and_drawing(tmp_path):
    csv = tmp_path / "pts.csv"
    csv.write_text("\n".join(f"{np.cos(a):.3f},{np.sin(a):.3f}" for a in np.linspace(0, 6, 50)))
    ds = up.dataset_from_uploads([csv], tmp_path / "w")
    assert ds.kind == "points" and ds.x.shape[1] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(DataError):
        up.points_from_file(bad)
    canvas = np.full((100, 100, 3), 255, np.uint8)
    canvas[40:45, 10:90] = 0
    drawn = up.points_from_drawing(canvas)
    assert drawn.kind == "points" and np.isfinite(drawn.x).all()
    with pytest.raises(DataError, match="empty"):
        up.points_from_drawing(np.full((50, 50, 3), 255, np.uint8))


def test_limits_are_sane():
    assert up.MAX_UPLOAD_BYTES == 50 * 2**20 and up.MAX_UPLOAD_FILES == 20_000
    assert 4096 * 4096 <= up.MAX_IMAGE_PIXELS < 12000 * 12000
    assert os.path.sep == "/"  # the zip checks assume POSIX paths on the server


def test_decoded_size_refused_before_decoding(tmp_path):
    make_images(tmp_path / "imgs", classes=("a",), per_class=4)
    files = sorted((tmp_path / "imgs").rglob("*.png"))
    with pytest.raises(DataError, match="once decoded"):
        up.dataset_from_uploads(files, tmp_path / "w", size=28, max_bytes=4 * 28 * 28 * 3 * 4 - 1)
    assert len(up.dataset_from_uploads(files, tmp_path / "w", size=28, max_bytes=4 * 28 * 28 * 3 * 4)) == 4
