"""``python -m ganlab data --check``: present / missing per data set, sizes, how to get it, the exit status."""

from __future__ import annotations

from pathlib import Path

import pytest

import ganlab.data.idx
from ganlab.cli import main
from ganlab.data.idx import IDX_FILES
from ganlab.data.status import check


@pytest.fixture(autouse=True)
def _no_system_fashion(tmp_path, monkeypatch):
    """Each test decides where the data is: no Debian Fashion-MNIST, an empty Keras cache."""
    monkeypatch.setattr(ganlab.data.idx, "FASHION_SYSTEM_DIR", tmp_path / "no-debian-package")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.delenv("GANLAB_DATA_DIR", raising=False)


def _idx(folder: Path, size: int = 1000) -> None:
    folder.mkdir(parents=True)
    for pair in IDX_FILES.values():
        for name in pair:
            (folder / name).write_bytes(b"\0" * size)


def test_all_present_in_the_data_dir(tmp_path, capsys):
    root = tmp_path / "data"
    _idx(root / "mnist")
    _idx(root / "fashion-mnist", 500)
    (root / "openmoji").mkdir()
    (root / "openmoji" / "openmoji_pairs_128.npz").write_bytes(b"\0" * 2_000_000)
    assert main(["data", "--check", "--data-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"mnist: present (data dir) {root / 'mnist'}, 0.0 MB" in out
    assert f"openmoji: present (data dir) {root / 'openmoji' / 'openmoji_pairs_128.npz'}, 2.0 MB" in out
    assert "every required data set is present" in out
    sizes = {s.name: s.size_bytes for s in check(root)}
    assert sizes == {"mnist": 4000, "fashion": 2000, "openmoji": 2_000_000}


def test_missing_mnist_fails_and_says_how_to_get_it(tmp_path, capsys):
    root = tmp_path / "empty"
    root.mkdir()
    assert main(["data", "--check", "--data-dir", str(root)]) == 1
    out = capsys.readouterr().out
    assert "mnist: MISSING (required)" in out and f"into {root}/mnist/" in out
    assert "fashion: MISSING (optional)" in out and "apt-get install dataset-fashion-mnist" in out
    assert "openmoji: MISSING (optional)" in out and "scripts/make_openmoji_pairs.py" in out
    assert "missing required data: mnist" in out


def test_only_optional_missing_passes(tmp_path, capsys):
    root = tmp_path / "data"
    _idx(root / "mnist")
    assert main(["data", "--check", "--data-dir", str(root)]) == 0
    assert "openmoji: MISSING (optional)" in capsys.readouterr().out


def test_without_a_data_dir_the_keras_cache_counts(tmp_path, capsys):
    cache = tmp_path / "keras-home" / "datasets"
    cache.mkdir(parents=True)
    (cache / "mnist.npz").write_bytes(b"\0" * 3000)
    assert main(["data", "--check"]) == 0
    out = capsys.readouterr().out
    assert f"mnist: present (keras cache) {cache / 'mnist.npz'}" in out
    assert "openmoji: MISSING" in out and "need a data folder" in out
    (cache / "mnist.npz").unlink()
    assert main(["data", "--check"]) == 1


def test_the_script_named_for_openmoji_exists():
    assert (Path(__file__).parents[1] / "scripts" / "make_openmoji_pairs.py").is_file()
