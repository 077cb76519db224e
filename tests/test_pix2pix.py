"""pix2pix: U-Net / PatchGAN shapes, one training step, paired data, sketch preprocessing, checkpoints."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganlab import checkpoints
from ganlab.config import TrainConfig
from ganlab.data import load_dataset
from ganlab.data.paired import is_paired_folder, is_test_name, paired_folder, split_direction
from ganlab.explore.sketch import SketchModel, preprocess, realness_overlay, simple_drawings
from ganlab.models import ModelSpec, get_model_class
from ganlab.train.run import TrainingRun
from tests.conftest import make_tiny_pairs as tiny_pairs
from tests.conftest import run_on_jax

TINY = {"ngf": 8, "ndf": 8, "cap": 16, "depth": 4}
DATA = Path(os.environ.get("GANLAB_DATA_DIR", "")) / "openmoji" / "openmoji_pairs_64.npz"
needs_openmoji = pytest.mark.skipif(not DATA.is_file(), reason="OpenMoji pairs not found (set GANLAB_DATA_DIR)")


def test_unet_and_patchgan_shapes():
    cls = get_model_class("pix2pix")
    gan = cls(ModelSpec((128, 128, 3), 1, 0, "float32", {"ngf": 8, "ndf": 8}))
    g, d = gan.generator, gan.discriminator
    assert g.input_shape == (None, 128, 128, 1) and g.output_shape == (None, 128, 128, 3)
    assert d.output_shape == (None, 32, 32, 1)  # one logit per 34×34 patch
    concat = [layer for layer in g.layers if type(layer).__name__ == "Concatenate"]
    assert len(concat) == 5  # a skip connection at every level but the innermost (depth 6)
    x = np.zeros((2, 128, 128, 1), np.float32)
    y = np.asarray(g(x, training=False))
    assert y.shape == (2, 128, 128, 3) and np.abs(y).max() <= 1.0
    assert np.asarray(d([x, y])).shape == (2, 32, 32, 1)


def test_default_size_counts_and_bad_size():
    cls = get_model_class("pix2pix")
    gan = cls(ModelSpec((128, 128, 3), 1, 0, "float32", {}))
    assert 2_000_000 < gan.generator.count_params() < 3_000_000
    assert 100_000 < gan.discriminator.count_params() < 250_000
    with pytest.raises(ValueError, match="divisible"):
        cls(ModelSpec((100, 100, 3), 1, 0, "float32", {}))


def test_one_training_step_reports_l1_and_adversarial_loss():
    ds = tiny_pairs()
    s = TrainingRun(TrainConfig(model="pix2pix", dataset="squares", batch_size=4, precision="float32",
                                    options=TINY), dataset=ds)
    assert s.spec.options["in_channels"] == 1
    before = [np.array(v) for v in s.gan.generator.trainable_variables]
    rec = s.step()
    assert {"l1", "g_adv"} <= set(rec.extras)
    assert np.isfinite([rec.d_loss, rec.g_loss, rec.extras["l1"], rec.extras["g_adv"]]).all()
    assert rec.g_loss == pytest.approx(rec.extras["g_adv"] + 100 * rec.extras["l1"], rel=1e-4)
    after = [np.array(v) for v in s.gan.generator.trainable_variables]
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    assert s.samples().shape == (4, 32, 32, 3)  # the fixed held-out sketches
    panel = s.preview()  # rows: held-out inputs, their targets, G's outputs
    assert panel.shape == (3 * 34 + 2, 4 * 34 + 2, 3) and panel.dtype == np.uint8
    np.testing.assert_array_equal(panel[36:68, 2:34], np.clip((ds.meta["test_x"][0] + 1) * 127.5 + 0.5, 0, 255)
                                  .astype(np.uint8))


def test_l1_only_option_and_learning():
    ds = tiny_pairs()
    s = TrainingRun(TrainConfig(model="pix2pix", dataset="squares", batch_size=8, precision="float32",
                                    lr_g=2e-3, options={**TINY, "adversarial_weight": 0}), dataset=ds)
    first = s.step()
    assert first.g_loss == pytest.approx(100 * first.extras["l1"], rel=1e-4)
    for _ in range(25):
        last = s.step()
    assert last.extras["l1"] < first.extras["l1"]


def test_pix2pix_needs_paired_data(tiny_images):
    with pytest.raises(ValueError, match="paired data"):
        TrainingRun(TrainConfig(model="pix2pix", dataset="tiny", options=TINY), dataset=tiny_images)


def test_checkpoint_roundtrip_and_sketch_model(tmp_path):
    s = TrainingRun(TrainConfig(model="pix2pix", dataset="squares", batch_size=4, precision="float32",
                                    options=TINY), dataset=tiny_pairs())
    s.step()
    path = s.save(tmp_path / "ck")
    loaded = checkpoints.load_generator(path, precision="float32", with_discriminator=True)
    np.testing.assert_allclose(loaded.gan.generator.get_weights()[0], s.gan.generator.get_weights()[0])
    model = SketchModel(loaded)
    out, prepared = model(simple_drawings(256)["smiley"])
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8 and not prepared.empty
    scores = model.realness(prepared.sketch, out)
    assert scores.shape == (8, 8) and 0 <= scores.min() <= scores.max() <= 1
    assert realness_overlay(out, scores).shape == out.shape
    from ganlab.cli import main

    assert main(["export-float16", "--checkpoint", str(path), "--out", str(tmp_path / "half")]) == 0
    half = SketchModel.load(str(tmp_path / "half"))
    np.testing.assert_allclose(half.generate(prepared.sketch).astype(int), model.generate(prepared.sketch).astype(int),
                               atol=6)


# ----------------------------------------------------------------------------- data

@needs_openmoji
def test_openmoji_split_is_fixed_and_disjoint():
    ds = load_dataset("openmoji", image_size=64)
    assert ds.shape == (64, 64, 3) and ds.cond.shape == (len(ds), 64, 64, 1)
    assert ds.x.dtype == np.float32 and ds.x.min() >= -1 and ds.x.max() <= 1
    test_names, train_names = ds.meta["test_names"], ds.meta["train_names"]
    assert 120 < len(test_names) < 200 and len(test_names) + len(ds) == 1608
    assert not set(test_names) & set(train_names)
    assert all(is_test_name(n.split()[0]) for n in test_names)
    assert load_dataset("openmoji", image_size=64).meta["test_names"] == test_names
    assert "OpenMoji" in ds.credit and "CC BY-SA 4.0" in ds.credit


@needs_openmoji
def test_openmoji_arrays_can_be_read_a_few_at_a_time():
    """The app's examples read only the arrays they show (each one is decompressed separately)."""
    from ganlab.data.paired import load_openmoji_arrays

    some = load_openmoji_arrays(size=64, keys=("photo", "hexcode"))
    assert set(some) == {"photo", "hexcode"} and some["photo"].shape[1:] == (64, 64, 3)
    resized = load_openmoji_arrays(size=32, keys=("sketch",))
    assert set(resized) == {"sketch"} and resized["sketch"].shape[1:3] == (32, 32)


def _write_pairs(folder: Path, n: int, size: int = 16) -> None:
    folder.mkdir(parents=True)
    for i in range(n):
        ab = np.zeros((size, 2 * size, 3), np.uint8)
        ab[:, :size] = 200  # A: gray (like an edge map)
        ab[:, size:] = (255, 0, 0)  # B: red
        Image.fromarray(ab).save(folder / f"{i}.png")


def test_paired_folder_layouts_and_direction(tmp_path):
    _write_pairs(tmp_path / "ds" / "train", 6)
    _write_pairs(tmp_path / "ds" / "val", 2)
    assert is_paired_folder(tmp_path / "ds") and split_direction("a:b/c:BtoA") == ("a:b/c", "BtoA")
    ds = load_dataset(str(tmp_path / "ds"), image_size=16)
    assert len(ds) == 6 and len(ds.meta["test_cond"]) == 2 and "val/ held out" in ds.meta["split"]
    assert ds.cond.shape[-1] == 1 and ds.x[0, 0, 0].tolist() == [1.0, -1.0, -1.0]  # A → B, gray input
    back = paired_folder(str(tmp_path / "ds") + ":BtoA", size=16)
    assert back.cond.shape[-1] == 3 and back.x[0, 0, 0, 0] == pytest.approx(200 / 127.5 - 1)
    _write_pairs(tmp_path / "flat", 40)
    flat = paired_folder(str(tmp_path / "flat"), size=16)
    assert len(flat) + len(flat.meta["test_cond"]) == 40 and len(flat.meta["test_cond"]) > 0
    (tmp_path / "plain").mkdir()
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(tmp_path / "plain" / "square.png")
    assert not is_paired_folder(tmp_path / "plain") and not is_paired_folder(tmp_path / "missing")


# ----------------------------------------------------------------------------- preprocessing

def _ink(sketch: np.ndarray) -> float:
    return float((sketch < 128).mean())


def test_preprocess_normal_drawing_keeps_lines_black_on_white():
    p = preprocess(simple_drawings(512)["smiley"], 128)
    assert p.sketch.shape == (128, 128) and p.sketch.dtype == np.uint8 and not p.empty
    assert p.sketch[0, 0] == 255 and 0.02 < _ink(p.sketch) < 0.3


@needs_openmoji
def test_preprocess_leaves_dataset_sketches_alone():
    sketches = np.load(DATA.with_name("openmoji_pairs_128.npz"))["sketch"][:40]
    diffs = [np.abs(preprocess(s, 128).sketch.astype(int) - s).mean() for s in sketches]
    assert np.median(diffs) < 3  # typical emoji framing is kept (no re-centring)


@pytest.mark.parametrize("image, words", [
    (np.full((300, 300, 3), 255, np.uint8), "empty"),
    (np.zeros((300, 300, 3), np.uint8), "dark"),
    (np.zeros((300, 300, 4), np.uint8), "empty"),  # fully transparent = white paper
    (np.full((1, 1), 7, np.uint8), "dark"),
])
def test_preprocess_empty_and_all_black(image, words):
    p = preprocess(image, 128)
    assert p.empty and words in p.message and p.sketch.shape == (128, 128)


def test_preprocess_odd_inputs_never_crash():
    rng = np.random.default_rng(0)
    smiley = simple_drawings(400)["smiley"]
    rgba = np.zeros((400, 400, 4), np.uint8)
    rgba[..., 3] = 255 - smiley  # black strokes on a transparent canvas
    red = np.stack([np.full_like(smiley, 255), smiley, smiley], -1)  # red strokes on white
    cases = {
        "inverted": 255 - smiley, "rgba": rgba, "red": red, "float01": smiley.astype(np.float32) / 255,
        "uint16": smiley.astype(np.uint16) * 257, "huge": np.pad(smiley, ((2000, 2600), (1000, 3600)),
                                                                 constant_values=255),
        "strip": np.tile(smiley[200:201], (1, 3)), "noise": rng.integers(0, 256, (50, 70, 3)).astype(np.uint8),
        "gray_hw1": smiley[..., None], "bool": smiley > 128, "nan": np.full((20, 20), np.nan, np.float32),
    }
    for name, image in cases.items():
        p = preprocess(image, 128)
        assert p.sketch.shape == (128, 128) and p.sketch.dtype == np.uint8, name
    assert "inverted" in preprocess(255 - smiley, 128).message
    for name in ("inverted", "rgba", "red", "float01", "uint16"):
        assert abs(_ink(preprocess(cases[name], 128).sketch) - _ink(preprocess(smiley, 128).sketch)) < 0.02, name
    huge = preprocess(cases["huge"], 128)
    assert "centred" in huge.message and _ink(huge.sketch) > 0.02  # small drawing blown up to emoji size


def test_preprocess_pil_path_and_editor_dict(tmp_path):
    smiley = simple_drawings(256)["smiley"]
    Image.fromarray(smiley).save(tmp_path / "s.png")
    a = preprocess(str(tmp_path / "s.png")).sketch
    b = preprocess(Image.fromarray(smiley)).sketch
    c = preprocess({"background": None, "layers": [], "composite": smiley}).sketch
    assert np.array_equal(a, b) and np.array_equal(b, c)
    with pytest.raises(ValueError, match="No image"):
        preprocess(None)
    with pytest.raises(ValueError, match="Not an image"):
        preprocess(np.zeros((3, 3, 3, 3)))


# ----------------------------------------------------------------------------- JAX

JAX_SCRIPT = textwrap.dedent("""
    import numpy as np, keras
    assert keras.backend.backend() == "jax"
    from ganlab.config import TrainConfig
    from ganlab.data import Dataset
    from ganlab.train.run import TrainingRun
    rng = np.random.default_rng(0)
    cond = rng.uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
    ds = Dataset("p", rng.uniform(-1, 1, (8, 32, 32, 3)).astype("float32"), cond=cond)
    s = TrainingRun(TrainConfig(model="pix2pix", dataset="p", batch_size=4,
                                    options={"ngf": 8, "ndf": 8, "cap": 16, "depth": 4}), dataset=ds)
    before = [np.array(v) for v in s.gan.generator.trainable_variables]
    recs = [s.step(kind) for kind in ("train", "d", "g")]
    after = [np.array(v) for v in s.gan.generator.trainable_variables]
    assert all(np.isfinite([r.d_loss, r.g_loss, r.extras["l1"]]).all() for r in recs)
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    assert s.samples().shape == (8, 32, 32, 3)
    print("pix2pix jax ok", recs[0].extras)
""")


@pytest.mark.slow
def test_pix2pix_step_on_jax():
    run_on_jax(JAX_SCRIPT, "pix2pix jax ok")
