"""Standard exports of a generator (Keras' Model.save / Model.export): each one, run outside Keras'
model code (a reloaded .keras file, TensorFlow's SavedModel signature, onnxruntime), gives the Keras
output within 1e-4 — for one-input, two-input (cGAN) and three-input (InfoGAN) generators and an
image-to-image one (pix2pix)."""

from __future__ import annotations

import numpy as np
import pytest

from ganlab import backend, export
from ganlab.checkpoints import LoadedGenerator
from ganlab.cli import main
from ganlab.config import TrainConfig
from ganlab.models import ModelSpec, get_model_class
from ganlab.train.run import TrainingRun

TINY = {
    "dcgan": (ModelSpec((16, 16, 1), 8, 0, "float32", {"width": 0.125}), ["z"]),
    "cgan": (ModelSpec((28, 28, 1), 8, 10, "float32", {"width": 0.125, "embed_dim": 4}), ["z", "label"]),
    "infogan": (ModelSpec((28, 28, 1), 8, 0, "float32", {"width": 0.125}), ["z", "c_cat", "c_cont"]),
    "pix2pix": (ModelSpec((32, 32, 3), 1, 0, "float32", {"ngf": 4, "ndf": 4, "cap": 8, "depth": 3}),
                ["sketch"]),
}
# ONNX from the JAX backend goes through jax2onnx, which requirements.txt does not install.
FORMATS = [f for f in export.FORMATS if not (f == "onnx" and backend.BACKEND == "jax")]


def tiny(name: str) -> LoadedGenerator:
    """An untrained tiny generator of one model (random weights show any mismatch as well)."""
    spec, _ = TINY[name]
    return LoadedGenerator(get_model_class(name)(spec, seed=1), {}, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", FORMATS)
def test_cgan_generator_export_matches_keras(tmp_path, fmt):
    loaded = tiny("cgan")
    path = export.export_generator(loaded, tmp_path / f"g{export.SUFFIXES[fmt]}", fmt)
    feed = export.example_feed(loaded, 16, seed=3)
    assert sorted(feed) == ["label", "z"] and feed["label"].dtype == np.int32
    out, ref = export.run_export(path, fmt, feed), export.keras_output(loaded, feed)
    assert out.shape == ref.shape == (16, 28, 28, 1)
    assert np.max(np.abs(out - ref)) < 1e-4
    assert np.std(ref) > 0  # a real picture, not a constant


@pytest.mark.parametrize("name", ["dcgan", "infogan", "pix2pix"])
def test_other_generators_export_to_onnx_or_saved_model(tmp_path, name):
    fmt = "onnx" if "onnx" in FORMATS else "tf_saved_model"
    loaded = tiny(name)
    path = export.export_generator(loaded, tmp_path / f"g{export.SUFFIXES[fmt]}", fmt)
    assert sorted(export.example_feed(loaded, 1)) == sorted(TINY[name][1])
    assert export.max_difference(loaded, path, fmt) < 1e-4


def test_cli_exports_a_checkpoint_and_checks_it(tmp_path, tiny_images, capsys):
    config = TrainConfig(model="cgan", dataset="tiny", steps=1, batch_size=8, latent_dim=8,
                         precision="float32", options={"width": 0.125, "embed_dim": 4})
    session = TrainingRun(config, dataset=tiny_images)
    list(session.run())
    ckpt = session.save(tmp_path / "ckpt")
    out = tmp_path / "g"
    assert main(["export", "--checkpoint", str(ckpt), "--format", "tf_saved_model", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "inputs: z (None, 8) float32, label (None,) int32" in text
    diff = float(text.split("max |export - Keras| = ")[1].split()[0])
    assert diff < 1e-4 and (out / "saved_model.pb").is_file()


def test_bad_export_requests_are_clear_errors(tmp_path, capsys):
    assert main(["export", "--checkpoint", "no-such-model", "--format", "onnx"]) == 2
    assert "No checkpoint" in capsys.readouterr().err
    with pytest.raises(ValueError, match="must end in .keras"):
        export.export_generator(tiny("dcgan"), tmp_path / "g.h5", "keras")
    with pytest.raises(SystemExit, match="--out is required"):
        main(["export", "--checkpoint", "cgan-mnist"])
