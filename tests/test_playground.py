"""Playground logic: slerp, truncation, PCA directions, validation, grids, GIFs, on the shipped cGAN."""

from __future__ import annotations

import numpy as np
import pytest

from ganlab.checkpoints import shipped_names
from ganlab.playground import Playground, PlaygroundError, catalogue, gif_bytes
from ganlab.sampling import latents, slerp, truncate

needs_cgan = pytest.mark.skipif("cgan-mnist" not in shipped_names(), reason="shipped cgan-mnist missing")


def test_slerp_endpoints_and_norm():
    a, b = latents(2, 64, seed=1)
    np.testing.assert_allclose(slerp(a, b, 0.0), a, atol=1e-5)
    np.testing.assert_allclose(slerp(a, b, 1.0), b, atol=1e-5)
    mid = slerp(a, b, 0.5)
    # slerp keeps the norm between the endpoints' (linear interpolation would shrink it)
    assert min(np.linalg.norm(a), np.linalg.norm(b)) * 0.95 < np.linalg.norm(mid)
    assert np.linalg.norm(mid) > np.linalg.norm((a + b) / 2) * 1.2


def test_truncation_scales_toward_zero():
    z = latents(3, 8, seed=0)
    np.testing.assert_allclose(truncate(z, 0.5), z * 0.5)
    with pytest.raises(ValueError):
        truncate(z, 0.0)


@pytest.fixture(scope="module")
def cgan():
    pg = Playground()
    return pg, pg.load(catalogue()["cgan-mnist"], "cgan-mnist")


@needs_cgan
def test_catalogue_lists_shipped_generators_not_classifiers():
    names = catalogue()
    assert "cgan-mnist" in names and "dcgan-fashion" in names
    assert not any(n.startswith("classifier") for n in names)


@needs_cgan
def test_same_seed_same_image_and_sliders_change_it(cgan):
    pg, loaded = cgan
    a, za = pg.image(loaded, 3, 7, 1.0)
    b, _ = pg.image(loaded, 3, 7, 1.0)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (336, 336) and a.dtype == np.uint8
    c, zc = pg.image(loaded, 3, 7, 1.0, raw=[2.0])
    assert zc[0] == pytest.approx(za[0] + 2.0) and np.abs(a.astype(int) - c).mean() > 0.5
    d, _ = pg.image(loaded, 3, 7, 1.0, dirs=[0, 2.5])
    assert np.abs(a.astype(int) - d).mean() > 0.5


@needs_cgan
def test_pca_directions_are_unit_and_move_features_more_than_raw_dims(cgan):
    pg, loaded = cgan
    d = pg.directions(loaded)
    assert d.shape == (5, loaded.gan.spec.latent_dim)
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1.0, atol=1e-5)
    assert loaded.explained[0] >= loaded.explained[-1] > 0
    base, _ = pg.image(loaded, 11, 4, 1.0)
    along_pca = np.abs(pg.image(loaded, 11, 4, 1.0, dirs=[2.0])[0].astype(int) - base).mean()
    along_raw = np.mean([np.abs(pg.image(loaded, 11, 4, 1.0, raw=[0] * i + [2.0])[0].astype(int) - base).mean()
                         for i in range(6)])
    assert along_pca > along_raw


@needs_cgan
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"cls": 12}, "out of range"), ({"cls": "cat"}, "Unknown class"), ({"truncation": float("nan")}, "truncation"),
    ({"raw": [float("inf")]}, "latent offset"), ({"dirs": [1e6]}, "direction 1"), ({"seed": -3}, "seed"),
])
def test_bad_inputs_have_clear_messages(cgan, kwargs, message):
    pg, loaded = cgan
    args = {"seed": 0, "cls": 1, "truncation": 1.0, **kwargs}
    with pytest.raises(PlaygroundError, match=message):
        pg.image(loaded, args["seed"], args["cls"], args["truncation"], args.get("raw", ()), args.get("dirs", ()))


@needs_cgan
def test_class_grid_and_interpolation_gif(cgan):
    pg, loaded = cgan
    g = pg.class_grid(loaded, 4, 1.0)
    assert g.shape[0] > g.shape[1]  # 10 rows of classes, 4 columns of seeds
    frames = pg.interpolate(loaded, 0, 1, 5, 1.0, frames=6)
    assert len(frames) == 6 and not np.array_equal(frames[0], frames[-1])
    assert gif_bytes(frames)[:6] == b"GIF89a"
