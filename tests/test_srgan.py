"""SRGAN: 4× generator shapes, the PixelShuffle layer, pairs made from images, one training step,
save/load identity, held-out metrics, and the Upscale input checks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ganlab import checkpoints
from ganlab.config import TrainConfig
from ganlab.data import Dataset
from ganlab.evaluate.superres import measure, psnr, sharpness, ssim
from ganlab.explore.upscale import MAX_SIDE, UpscaleError, UpscaleModel, check_size, to_rgb
from ganlab.images import bicubic_up
from ganlab.models import ModelSpec, get_model_class
from ganlab.models.srgan import PixelShuffle, bicubic_down, tiles
from ganlab.train.run import TrainingRun
from tests.conftest import run_on_jax

TINY = {"ngf": 8, "ndf": 8, "blocks": 1, "crop": 0}


def tiny_colour(n: int = 8, size: int = 32) -> Dataset:
    """Colour images: a red disc and a blue bar on white, with a held-out split."""
    yy, xx = np.mgrid[:size, :size]
    x = np.ones((n, size, size, 3), np.float32)
    rng = np.random.default_rng(0)
    for i in range(n):
        cy, cx = rng.integers(size // 4, 3 * size // 4, 2)
        x[i][(yy - cy) ** 2 + (xx - cx) ** 2 < (size // 5) ** 2] = (1.0, -1.0, -1.0)
        x[i, :, i % (size - 4) : i % (size - 4) + 3] = (-1.0, -1.0, 1.0)
    return Dataset("discs", x, meta={"test_x": x[:2].copy()})


def tiny_session(**options) -> TrainingRun:
    config = TrainConfig(model="srgan", dataset="discs", batch_size=8, lr_g=1e-3, lr_d=1e-3, precision="float32",
                         options={**TINY, **options})  # float32: the same numbers on a bf16 CPU as elsewhere
    return TrainingRun(config, dataset=tiny_colour())


def test_generator_is_4x_at_any_size_and_discriminator_gives_patches():
    gan = get_model_class("srgan")(ModelSpec((128, 128, 3), 1, 0, "float32", dict(TINY)))
    for h, w in ((32, 32), (12, 20)):
        y = np.asarray(gan.generator(np.zeros((2, h, w, 3), np.float32), training=False))
        assert y.shape == (2, 4 * h, 4 * w, 3)
    d = np.asarray(gan.discriminator(np.zeros((2, 128, 128, 3), np.float32)))
    assert d.shape == (2, 16, 16, 1)  # one logit per patch: the realness overlay


def test_pixel_shuffle_moves_channels_to_space_and_round_trips_safely(tmp_path):
    import keras

    x = np.arange(2 * 3 * 3 * 8, dtype=np.float32).reshape(2, 3, 3, 8)
    y = np.asarray(PixelShuffle(2)(x))
    assert y.shape == (2, 6, 6, 2)
    assert sorted(y[0, :2, :2].ravel()) == sorted(x[0, 0, 0].ravel())  # one pixel's channels → a 2×2 block
    inp = keras.Input((None, None, 8))
    m = keras.Model(inp, PixelShuffle(2)(inp))
    m.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)  # no Lambda layer
    np.testing.assert_array_equal(np.asarray(loaded(x)), y)


def test_pairs_are_bicubic_quarter_of_the_image_and_the_shared_dataset_is_untouched():
    ds = tiny_colour()
    before = ds.x.copy()
    cls = get_model_class("srgan")
    pairs = cls.prepare_data(ds, {"crop": 16})
    np.testing.assert_array_equal(ds.x, before)
    assert ds.cond is None and "test_cond" not in ds.meta  # the given Dataset is not changed
    assert pairs.x.shape == (8 * 4, 16, 16, 3) and pairs.cond.shape == (8 * 4, 4, 4, 3)  # 4 tiles each
    assert pairs.meta["test_x"].shape == (2, 32, 32, 3) and pairs.meta["test_cond"].shape == (2, 8, 8, 3)
    img = np.round((ds.x[0] + 1) * 127.5).astype(np.uint8)
    expected = np.asarray(Image.fromarray(img).resize((8, 8), Image.Resampling.BICUBIC))
    np.testing.assert_array_equal(bicubic_down(img[None])[0], expected)
    assert np.abs(pairs.meta["test_cond"][0] - (expected / 127.5 - 1)).max() < 1e-6
    t = tiles(ds.x[:1], 16)
    np.testing.assert_array_equal(t[1], ds.x[0, :16, 16:])
    with pytest.raises(ValueError, match="colour images"):
        cls.prepare_data(Dataset("gray", np.zeros((4, 32, 32, 1), np.float32)), {})


def test_one_step_lowers_the_content_loss():
    s = tiny_session(adversarial_weight=0.0)
    x, cond = s.dataset.x, s.dataset.cond

    def mse() -> float:
        out = s.samples({"cond": cond})
        return float(np.mean((out - x) ** 2))

    before = mse()
    rec = s.step()
    assert {"mse", "g_adv"} <= set(rec.extras)
    assert mse() < before


def test_save_load_identity_and_float16_export(tmp_path):
    s = tiny_session()
    s.step()
    low = s.dataset.meta["test_cond"]
    ours = s.samples({"cond": low})
    path = s.save(tmp_path / "ck")
    loaded = checkpoints.load_generator(path, precision="float32", with_discriminator=True)
    again = np.asarray(loaded.gan.generator(low, training=False))
    np.testing.assert_allclose(again, ours, atol=1e-6)
    card = checkpoints.read_card(path)
    assert card["model"] == "srgan" and card["data_shape"] == [32, 32, 3]
    half = checkpoints.export_float16(path, tmp_path / "half")
    model = UpscaleModel.load(str(half))
    out = model.upscale(np.full((8, 8, 3), 200, np.uint8))
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8


def test_resumed_baseline_becomes_srgan_with_an_option_override(tmp_path):
    s = tiny_session(adversarial_weight=0.0)
    s.step()
    path = s.save(tmp_path / "base")
    again = TrainingRun.resume_from(path, dataset=tiny_colour(), steps=3,
                                        options={**TINY, "adversarial_weight": 0.01})
    assert again.gan.options["adversarial_weight"] == 0.01 and again.step_count == 1
    assert again.step().step == 2


def test_metrics_on_known_images():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 256, (3, 32, 32, 3)).astype(np.uint8)
    assert psnr(truth, truth) >= 99 and ssim(truth, truth) == pytest.approx(1.0)
    assert sharpness(truth, truth) == pytest.approx(1.0)
    blurry = bicubic_up(bicubic_down(truth))
    m = measure(blurry, truth)
    assert m["sharpness"] < 1.0 and m["ssim"] < 0.9 and 5 < m["psnr_db"] < 30
    noisy = np.clip(truth.astype(int) + 10, 0, 255).astype(np.uint8)
    assert psnr(noisy, truth) == pytest.approx(20 * np.log10(255 / 10), abs=0.5)


def test_upscale_inputs_are_converted_or_refused(tmp_path):
    gray = to_rgb(np.full((10, 12), 100, np.uint8))
    assert gray.shape == (10, 12, 3) and (gray == 100).all()
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 3] = 0  # fully transparent → white
    assert (to_rgb(rgba) == 255).all()
    sixteen = Image.fromarray(np.full((8, 8), 65535, np.uint16))
    assert (to_rgb(sixteen) == 255).all()
    with pytest.raises(UpscaleError, match="pixels on the longer side"):
        check_size(np.zeros((MAX_SIDE + 1, 10, 3), np.uint8))
    with pytest.raises(UpscaleError, match="too small"):
        check_size(np.zeros((2, 10, 3), np.uint8))
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(UpscaleError, match="Not an image"):
        to_rgb(str(tmp_path / "notes.png"))
    with pytest.raises(UpscaleError, match="Not an image"):
        to_rgb(np.zeros((4, 4, 7)))
    with pytest.raises(UpscaleError, match="No image"):
        to_rgb(None)


def test_huge_image_is_refused_from_its_header(tmp_path, monkeypatch):
    from ganlab.explore import upscale

    Image.new("RGB", (400, 300), "white").save(tmp_path / "big.png")
    monkeypatch.setattr(upscale, "MAX_DECODE_PIXELS", 100_000)
    with pytest.raises(UpscaleError, match="far too big"):
        to_rgb(str(tmp_path / "big.png"))
    monkeypatch.setattr(upscale, "MAX_FILE_BYTES", 10)
    with pytest.raises(UpscaleError, match="MB"):
        to_rgb(str(tmp_path / "big.png"))


def test_photo_folder_becomes_random_crops_with_a_held_out_split(tmp_path):
    from ganlab.data import load_dataset
    from ganlab.data.paired import is_test_name

    rng = np.random.default_rng(0)
    names = [f"photo{i}.png" for i in range(12)]
    for name in names:
        Image.fromarray(rng.integers(0, 256, (260, 300, 3)).astype(np.uint8)).save(tmp_path / name)
    held = [n for n in names if is_test_name(n)]
    ds = load_dataset(str(tmp_path), image_size=28)
    pairs = get_model_class("srgan").prepare_data(ds, {"crop": 32, "crops_per_image": 3})
    assert pairs.x.shape == (3 * (len(names) - len(held)), 32, 32, 3) and pairs.cond.shape[1:] == (8, 8, 3)
    assert pairs.meta["test_x"].shape == (len(held), 256, 256, 3)
    assert pairs.meta["test_cond"].shape == (len(held), 64, 64, 3)


def test_cli_generate_upscales_a_file_and_a_folder(tmp_path, capsys):
    from ganlab.cli import main
    from tests.test_ui_upscale import upscale_checkpoint

    ck = upscale_checkpoint(tmp_path)
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(np.full((16, 16, 3), 200, np.uint8)).save(folder / "a.png")
    Image.fromarray(np.full((8, 12), 90, np.uint8)).save(folder / "b.png")  # grayscale, other size
    (folder / "c.png").write_text("not an image")
    def generate(inputs, out: str) -> int:
        return main(["generate", "--checkpoint", ck, "--inputs", str(inputs), "--out", str(tmp_path / out)])

    assert generate(folder / "a.png", "1.npz") == 0
    with np.load(tmp_path / "1.npz") as d:
        assert d["images"].shape == (1, 64, 64, 3) and d["inputs"].shape == (1, 16, 16, 3)
    assert generate(folder, "2.npz") == 0
    assert "skipped c.png" in capsys.readouterr().err
    with np.load(tmp_path / "2.npz") as d:
        assert d["image_001"].shape == (32, 48, 3) and list(d["names"]) == ["a.png", "b.png"]
    assert generate(folder / "c.png", "3.npz") == 2


JAX_SCRIPT = """
import numpy as np, keras
assert keras.backend.backend() == "jax"
from tests.test_srgan import tiny_session
from ganlab import checkpoints
from ganlab.explore.upscale import UpscaleModel
s = tiny_session()
r = s.step()
assert np.isfinite(r.g_loss), r
path = s.save("JAXCKPT")
m = UpscaleModel(checkpoints.load_generator(path, with_discriminator=True))
low = s.dataset.meta["test_cond"]
ours = s.samples({"cond": low})
np.testing.assert_allclose(np.asarray(m.gan.generator(low)), ours, atol=1e-5)
assert m.upscale(np.zeros((12, 20, 3), np.uint8)).shape == (48, 80, 3)
print("srgan jax ok")
"""


@pytest.mark.slow
def test_srgan_on_jax(tmp_path):
    run_on_jax(JAX_SCRIPT.replace("JAXCKPT", str(tmp_path / "ck")), "srgan jax ok")
