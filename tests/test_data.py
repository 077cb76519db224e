"""Data readers: IDX files, MNIST sanity facts, toy distributions, folders, points, errors."""

import gzip
import struct

import numpy as np
import pytest

from ganlab import data
from tests.conftest import needs_mnist


def _write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_read_idx_roundtrip(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / "a.gz", arr)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "a.gz"), arr)


def test_read_idx_rejects_garbage_and_truncation(tmp_path):
    (tmp_path / "bad.gz").write_bytes(gzip.compress(b"not an idx file"))
    with pytest.raises(data.DataError, match="bad magic"):
        data.read_idx(tmp_path / "bad.gz")
    header = struct.pack(">BBBB", 0, 0, 8, 1) + struct.pack(">I", 100)
    (tmp_path / "short.gz").write_bytes(gzip.compress(header + b"\x00" * 10))
    with pytest.raises(data.DataError, match="truncated"):
        data.read_idx(tmp_path / "short.gz")


@needs_mnist
def test_mnist_matches_published_facts():
    x, y = data.load_idx_pair("mnist", "train")
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8
    assert y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    _, yt = data.load_idx_pair("mnist", "test")
    assert yt[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    ds = data.load_dataset("mnist", limit=100)
    assert ds.x.shape == (100, 28, 28, 1) and ds.x.min() >= -1 and ds.x.max() <= 1
    assert ds.num_classes == 10 and "CC BY-SA 3.0" in ds.credit


@pytest.mark.skipif(data.idx.find_idx_dir("fashion", None) is None, reason="dataset-fashion-mnist not installed")
def test_fashion_from_debian_package():
    ds = data.load_dataset("fashion-mnist", limit=10)
    assert ds.class_names[9] == "Ankle boot" and ds.x.shape == (10, 28, 28, 1)


def test_missing_data_dir_names_the_files(tmp_path):
    with pytest.raises(data.DataError) as err:
        data.load_idx_pair("mnist", "train", data_dir=tmp_path)
    assert "train-images-idx3-ubyte.gz" in str(err.value) and str(tmp_path) in str(err.value)


@pytest.mark.parametrize("name", list(data.TOY_2D))
def test_toy_distributions(name):
    ds = data.toy_2d(name, n=1000)
    assert ds.x.shape == (1000, 2) and ds.kind == "points" and np.isfinite(ds.x).all()
    assert np.abs(ds.x).max() < 3


def test_ring_has_eight_modes():
    pts = data.toy_2d("ring", n=4000).x
    angles = np.round((np.arctan2(pts[:, 1], pts[:, 0]) % (2 * np.pi)) / (2 * np.pi / 8)) % 8
    assert np.bincount(angles.astype(int), minlength=8).min() > 300
    assert np.allclose(np.linalg.norm(pts, axis=1).mean(), 1.5, atol=0.05)


def test_points_from_file_and_errors(tmp_path):
    f = tmp_path / "pts.csv"
    f.write_text("0,0\n1,1\n2,0\n")
    ds = data.load_dataset(str(f))
    assert ds.kind == "points" and ds.x.shape[1] == 2
    with pytest.raises(data.DataError, match="at least 2 points"):
        data.points_dataset([[1.0, 2.0]])
    with pytest.raises(data.DataError, match="NaN"):
        data.points_dataset([[1.0, 2.0], [np.nan, 0]])


def test_image_folder_with_classes(tmp_path):
    from PIL import Image

    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.fromarray(np.full((40, 30), 50 * i, np.uint8)).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "cats" / "broken.png").write_bytes(b"nope")
    ds = data.image_folder(tmp_path, size=28)
    assert ds.x.shape == (6, 28, 28, 1) and ds.class_names == ("cats", "dogs")
    assert ds.meta["skipped"] == ["broken.png"]


def test_unknown_dataset_and_empty_folder(tmp_path):
    with pytest.raises(data.DataError, match="Unknown dataset"):
        data.load_dataset("imagenet")
    with pytest.raises(data.DataError, match="No images"):
        data.load_dataset(str(tmp_path))


def test_sampler_is_seeded(tiny_images):
    a = tiny_images.sampler(8, seed=3)(2)
    b = tiny_images.sampler(8, seed=3)(2)
    assert a["x"].shape == (2, 8, 28, 28, 1) and a["y"].shape == (2, 8)
    np.testing.assert_array_equal(a["y"], b["y"])
