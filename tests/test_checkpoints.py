"""Checkpoints: save -> load -> same output, resume, atomic replace, clear errors."""

import json

import numpy as np
import pytest

from ganlab import checkpoints
from ganlab.config import TrainConfig
from ganlab.sampling import Sampler
from ganlab.train.run import TrainingRun


@pytest.fixture
def trained(tiny_images):
    s = TrainingRun(TrainConfig(model="cgan", dataset="tiny", batch_size=8, precision="float32",
                                    options={"width": 0.25}), dataset=tiny_images, command="pytest")
    list(s.run(3))
    return s


def test_save_load_same_output(trained, tmp_path):
    path = trained.save(tmp_path / "ckpt")
    assert {p.name for p in path.iterdir()} >= {"card.json", "generator.keras", "discriminator.keras",
                                                 "g_optimizer.npz", "d_optimizer.npz", "history.csv"}
    card = json.loads((path / "card.json").read_text())
    assert card["model"] == "cgan" and card["step"] == 3 and card["command"] == "pytest"
    assert card["class_names"] == [str(i) for i in range(10)] and card["latent_dim"] == trained.spec.latent_dim
    loaded = checkpoints.load_generator(path, precision="float32")
    latent = {"z": np.random.default_rng(0).standard_normal((4, trained.spec.latent_dim)).astype(np.float32),
              "label": np.array([0, 1, 2, 3], np.int32)}
    np.testing.assert_allclose(Sampler(loaded.gan)(latent), trained.samples(latent), atol=1e-5)


def test_resume_continues_step_history_and_optimizer(trained, tmp_path, tiny_images):
    path = trained.save(tmp_path / "ckpt")
    resumed = TrainingRun.resume_from(path, dataset=tiny_images, precision="float32")
    assert resumed.step_count == 3 and [r.step for r in resumed.history] == [1, 2, 3]
    assert int(resumed.g_opt.iterations.numpy()) == int(trained.g_opt.iterations.numpy())
    np.testing.assert_allclose(resumed.samples(), trained.samples(), atol=1e-5)
    assert resumed.step().step == 4


def test_failed_write_keeps_the_previous_checkpoint(trained, tmp_path):
    path = trained.save(tmp_path / "ckpt")
    before = (path / "card.json").read_text()

    def broken(tmp):
        (tmp / "card.json").write_text("{half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        checkpoints.atomic_write_dir(path, broken)
    assert (path / "card.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]  # no temporary leftovers


def test_overwrite_replaces_whole_folder(trained, tmp_path):
    path = trained.save(tmp_path / "ckpt")
    (path / "stale.txt").write_text("old")
    trained.step()
    trained.save(path)
    assert not (path / "stale.txt").exists()
    assert json.loads((path / "card.json").read_text())["step"] == 4


def test_missing_and_corrupt_checkpoints_explain(tmp_path, trained):
    with pytest.raises(checkpoints.CheckpointError, match="No checkpoint"):
        checkpoints.resolve(tmp_path / "nothing")
    path = trained.save(tmp_path / "ckpt")
    (path / "generator.keras").write_bytes(b"garbage")
    with pytest.raises(checkpoints.CheckpointError, match="generator.keras"):
        checkpoints.load_generator(path)


def test_unsafe_lambda_model_is_refused(tmp_path, trained):
    """safe_mode: a .keras file with a Lambda layer (arbitrary code) is not executed."""
    import keras

    path = trained.save(tmp_path / "ckpt")
    inp = keras.Input((trained.spec.latent_dim,))
    evil = keras.Model(inp, keras.layers.Lambda(lambda t: t * 2)(inp))
    evil.save(path / "generator.keras")
    with pytest.raises(checkpoints.CheckpointError, match="safely"):
        checkpoints.load_generator(path)


def test_frechet_distance_is_fids_formula_without_scipys_sqrtm():
    """tr(sqrtm(S1 S2)) from eigenvalues equals scipy's sqrtm result; identical sets are at 0."""
    from scipy import linalg

    from ganlab.evaluate.quality import frechet_distance

    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 16))
    b = 1.3 * rng.normal(size=(500, 16)) + 0.2 + 0.5 * a[:, :1]
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)
    assert abs(frechet_distance(a, a)) < 1e-6
