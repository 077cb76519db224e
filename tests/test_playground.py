"""Playground logic without the UI: slerp, truncation, PCA directions, validation, images, export."""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest

from ganlab.checkpoints import read_card, shipped_names
from ganlab.config import ConfigError, check_number
from ganlab.explore.directions import pca_directions
from ganlab.explore.playground import (
    MAX_OFFSET,
    Playground,
    card_line,
    catalogue,
    check_seed,
    gif_bytes,
    latent_record,
    parse_offsets,
)
from ganlab.sampling import latents, slerp, truncate

needs_cgan = pytest.mark.skipif("cgan-mnist" not in shipped_names(),
                                reason="assets/cgan-mnist is missing (the shipped conditional generator)")


# -- pure maths ---------------------------------------------------------------------------------
def test_slerp_ends_and_stays_on_the_sphere():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(64), rng.standard_normal(64)
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    path = slerp(a, b, np.linspace(0, 1, 9))
    np.testing.assert_allclose(path[0], a, atol=1e-5)
    np.testing.assert_allclose(path[-1], b, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), np.linalg.norm(a), rtol=1e-5)  # lerp would shrink
    e0, e1 = np.eye(2)
    np.testing.assert_allclose(slerp(e0, e1, 0.5), [np.sqrt(0.5), np.sqrt(0.5)], atol=1e-6)
    np.testing.assert_allclose(slerp(e0, e0, 0.3), e0, atol=1e-6)  # parallel vectors: no division by 0


def test_truncation_scales_z_toward_the_mean():
    z = latents(4, 16, seed=3)
    np.testing.assert_allclose(truncate(z, 1.0), z)
    np.testing.assert_allclose(truncate(z, 0.5), 0.5 * z, rtol=1e-6)
    for bad in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError):
            truncate(z, bad)


def test_pca_directions_find_the_latent_axes_that_move_features_most():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((2000, 8)).astype(np.float32)
    scale = np.ones(8, np.float32)
    scale[2], scale[5] = 10.0, 5.0
    mix = np.linalg.qr(rng.standard_normal((8, 8)))[0]  # features: a rotated, stretched copy of z
    features = (z * scale) @ mix.T @ rng.standard_normal((8, 300))
    vectors, explained = pca_directions(features, z, k=3)
    assert vectors.shape == (3, 8)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert abs(vectors[0, 2]) > 0.99 and abs(vectors[1, 5]) > 0.99
    assert explained[0] > explained[1] > explained[2] > 0


def test_pca_directions_ignore_class_offsets_when_grouped():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((1000, 6)).astype(np.float32)
    groups = np.arange(1000) % 10
    features = np.concatenate([3 * z[:, [4]], 0.1 * z[:, :4]], 1) + 100.0 * rng.standard_normal((10, 5))[groups]
    vectors, _ = pca_directions(features, z, k=1, groups=groups)
    assert abs(vectors[0, 4]) > 0.99  # without per-class centring the class offsets would win


# -- validation -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [float("nan"), float("inf"), "abc", None, True, 1e9, -11])
def test_bad_numbers_get_clear_messages(value):
    with pytest.raises(ConfigError, match="must be"):
        check_number("offset", value, -MAX_OFFSET, MAX_OFFSET)


def test_seeds_and_offsets_are_checked():
    assert check_seed("12") == 12
    for bad in (-1, 2**31, 1.5, "x"):
        with pytest.raises(ConfigError, match="seed"):
            check_seed(bad)
    assert parse_offsets("[0.5, -1]", "offsets", 4) == [0.5, -1.0]
    assert parse_offsets("0.5, -1", "offsets", 4) == [0.5, -1.0]
    assert parse_offsets(None, "offsets", 4) == [] == parse_offsets("", "offsets", 4)
    with pytest.raises(ConfigError, match="at most 2"):
        parse_offsets([1, 2, 3], "offsets", 2)
    with pytest.raises(ConfigError, match="finite"):
        parse_offsets("[NaN]", "offsets", 2)
    with pytest.raises(ConfigError, match="list of numbers"):
        parse_offsets({"a": 1}, "offsets", 2)
    with pytest.raises(ConfigError, match="list of numbers"):
        parse_offsets("[1, oops", "offsets", 2)


def test_gif_plays_forward_and_back():
    from PIL import Image

    frames = [np.full((28, 28), v, np.uint8) for v in (0, 80, 160, 240)]
    data = gif_bytes(frames, scale=2)
    assert data[:6] == b"GIF89a"
    with Image.open(io.BytesIO(data)) as im:
        assert im.n_frames == 6 and im.size == (56, 56)


# -- on the shipped cGAN ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pg():
    return Playground()


@pytest.fixture(scope="module")
def cgan(pg):
    if "cgan-mnist" not in shipped_names():
        pytest.skip("assets/cgan-mnist is missing (the shipped conditional generator)")
    return pg.load("cgan-mnist", "cgan-mnist")


@needs_cgan
def test_catalogue_lists_generators_only_and_saved_ones(tmp_path):
    names = catalogue()
    assert "cgan-mnist" in names
    assert not any(n.startswith(("classifier", "pix2pix", "infogan")) for n in names)
    shutil.copytree(names["cgan-mnist"], tmp_path / "mine")
    mine = catalogue({"mine": tmp_path / "mine", "broken": tmp_path / "nothing-here"})
    assert mine["mine (yours)"] == tmp_path / "mine" and "broken (yours)" not in mine
    line = card_line(read_card(tmp_path / "mine"))
    assert "mnist" in line and "5000 steps" in line and "read as the asked class" in line


def test_card_line_reads_each_models_own_quality():
    """Shipped SGAN and text-to-image cards carry their own measures: the line shows them."""
    sgan = {"model": "sgan", "dataset": "mnist", "step": 40000, "quality": {"sgan": {
        "test_images": 10000, "labels": 100, "classifier_accuracy": 0.982, "baseline_accuracy": 0.7966}}}
    line = card_line(sgan)
    assert "semi-supervised" in line and "98.2% of 10,000 test images" in line and "79.7%" in line
    assert "not measured" not in line
    t2i = card_line({"model": "text2img", "dataset": "mnist", "step": 20000,
                     "quality": {"text2img": {"digit_accuracy": 0.992}}})
    assert "99.2% of its pictures read as the digit typed" in t2i
    assert "not measured yet" in card_line({"model": "dcgan", "dataset": "mine", "step": 5})


@needs_cgan
def test_same_settings_same_image_and_sliders_change_it(pg, cgan):
    a = pg.image(cgan, 5, 7, 1.0)
    assert a.image.shape == (336, 336) and a.image.dtype == np.uint8 and a.small.shape == (28, 28)
    np.testing.assert_array_equal(pg.image(cgan, 5, "7", 1.0).image, a.image)
    np.testing.assert_array_equal(a.image[::12, ::12], a.small)  # crisp: every pixel a 12×12 block
    assert not np.array_equal(pg.image(cgan, 5, 7, 1.0, [2.0]).small, a.small)
    assert not np.array_equal(pg.image(cgan, 5, 7, 1.0, [], [2.0]).small, a.small)
    half = pg.latent(cgan, 5, 0.5)
    np.testing.assert_allclose(half, 0.5 * pg.latent(cgan, 5, 1.0), rtol=1e-6)


@needs_cgan
def test_class_checks(pg, cgan):
    assert pg.class_index(cgan, None) == 0 and pg.class_index(cgan, "3") == 3 and pg.class_index(cgan, 9.0) == 9
    for bad, msg in ((10, "out of range"), (-1, "out of range"), (2.5, "out of range"), ("cat", "Unknown class"),
                     (float("nan"), "out of range")):
        with pytest.raises(ConfigError, match=msg):
            pg.image(cgan, 0, bad, 1.0)
    with pytest.raises(ConfigError, match="at most 64"):
        pg.image(cgan, 0, 1, 1.0, [0.0] * 65)


@needs_cgan
def test_directions_change_the_picture_more_than_raw_entries(pg, cgan):
    d = pg.directions(cgan)
    assert d.vectors.shape == (5, cgan.latent_dim)
    assert d.effect[0] > 2 * d.raw_effect  # measured: ~3-4× on the shipped cGAN
    assert "× as much as one z slider" in d.label(0)


@needs_cgan
def test_grid_interpolations_and_the_latent_record(pg, cgan):
    from ganlab.evaluate.quality import load_classifier

    g = pg.class_grid(cgan, 4, 1.0, first_seed=10)
    assert g.shape == (10 * 30 + 2, 4 * 30 + 2)
    seq = pg.seed_interpolation(cgan, 1, 2, 4, 1.0, frames=6)
    np.testing.assert_array_equal(seq[0], pg.image(cgan, 1, 4, 1.0).small)
    np.testing.assert_array_equal(seq[-1], pg.image(cgan, 2, 4, 1.0).small)
    morph = pg.class_interpolation(cgan, 3, 1, 7, 1.0, frames=8)
    read = load_classifier("classifier-mnist").predict(np.stack(morph)[..., None] / 127.5 - 1)
    assert read[0] == 1 and read[-1] == 7
    r = pg.image(cgan, 11, 2, 0.7, [1.0, -0.5], [0.5])
    record = json.loads(json.dumps(latent_record(cgan, 11, 0.7, r, [1.0, -0.5], [0.5])))
    again = cgan.sampler({"z": np.array([record["z"]], np.float32), "label": np.array([record["class"]], np.int32)})
    from ganlab.images import to_uint8

    assert np.abs(to_uint8(again)[0].astype(int) - r.small).max() <= 1
