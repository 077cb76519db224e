"""Semi-supervised GAN: the K+1 loss, the fixed labelled subset, the classify CLI and the app's preset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from keras import ops

from ganlab.checkpoints import shipped_names
from ganlab.config import TrainConfig
from ganlab.data import Dataset, mnist_like
from ganlab.data.labels import labelled_subset, semi_supervised
from ganlab.models import ModelSpec, get_model_class
from ganlab.train.run import TrainingRun
from tests.conftest import REPO, needs_mnist, run_on_jax

TINY = {"hidden": [16, 8], "generator_hidden": [16], "labels_per_class": 2}


def tiny_sgan(num_classes: int = 3):
    """An SGAN with two tiny hidden layers on 8×8 images."""
    return get_model_class("sgan")(ModelSpec((8, 8, 1), 4, num_classes, "float32", dict(TINY)))


def test_fake_logit_is_zero_so_real_probability_is_z_over_z_plus_1():
    gan = tiny_sgan()
    x = np.random.default_rng(0).uniform(-1, 1, (5, 8, 8, 1)).astype(np.float32)
    logits = ops.convert_to_numpy(gan.classifier(x, training=False)[0])
    z = np.exp(logits).sum(1)
    probs = ops.convert_to_numpy(gan.class_probabilities(x))
    assert probs.shape == (5, 4)  # K classes + "fake"
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)
    np.testing.assert_allclose(probs[:, -1], 1 / (z + 1), rtol=1e-4)  # p(fake) = 1 / (Z + 1)
    real_logit = ops.convert_to_numpy(gan.discriminate(x, {}, training=False))
    np.testing.assert_allclose(1 / (1 + np.exp(-real_logit)), z / (z + 1), rtol=1e-4)
    assert ops.convert_to_numpy(gan.class_probabilities(x, "baseline")).shape == (5, 3)


def _blobs(n: int = 60) -> Dataset:
    """3 classes of 8×8 images: a bright square in one of three places."""
    rng = np.random.default_rng(0)
    y = (np.arange(n) % 3).astype(np.int32)
    x = np.full((n, 8, 8, 1), -1.0, np.float32)
    for i, c in enumerate(y):
        x[i, 1 + 2 * c : 3 + 2 * c, 2:6] = 1.0
    x += rng.normal(0, 0.1, x.shape).astype(np.float32)
    return Dataset("blobs", np.clip(x, -1, 1), y, ("a", "b", "c"))


def test_k_plus_1_loss_trains_on_tiny_data():
    data = _blobs()
    session = TrainingRun(TrainConfig(model="sgan", dataset="blobs", steps=60, batch_size=16, lr_g=3e-3,
                                          lr_d=3e-3, latent_dim=4, options=dict(TINY)), dataset=data)
    assert session.dataset.y is None and len(session.dataset.x_labelled) == 6  # 2 per class
    assert len(session.dataset.x) == 54  # the labelled ones are not in the unlabelled set
    records = list(session.run())
    first, last = records[0].extras, records[-1].extras
    assert all(np.isfinite([r.d_loss, r.g_loss, *r.extras.values()]).all() for r in records)
    assert last["ce"] < first["ce"] and last["baseline_ce"] < first["baseline_ce"]
    pred = session.gan.predict_classes(data.x)
    assert (pred["classifier"] == data.y).mean() > 0.9 and (pred["baseline"] == data.y).mean() > 0.9
    assert session.gan.held_out_scores(session.dataset) == {}  # no test split here


def test_sgan_refuses_unlabelled_data(tiny_points):
    with pytest.raises(ValueError, match="labelled dataset"):
        TrainingRun(TrainConfig(model="sgan", dataset="cluster"), dataset=Dataset("u", _blobs().x))


@needs_mnist
def test_labelled_subset_is_fixed_balanced_and_disjoint_from_the_test_set():
    train, test = mnist_like("mnist", "train"), mnist_like("mnist", "test")
    chosen = labelled_subset(train.y, 10, seed=0)
    np.testing.assert_array_equal(chosen, labelled_subset(train.y, 10, seed=0))  # fixed
    assert chosen[:5].tolist() == [817, 897, 1216, 1703, 1926]  # the documented choice of sgan-mnist-100
    assert np.bincount(train.y[chosen]).tolist() == [10] * 10
    split = semi_supervised(train, 10)
    assert len(split.x) == 59_900 and split.y is None and split.num_classes == 10
    # no labelled image is a test image (compared pixel for pixel)
    test_rows = {row.tobytes() for row in test.x.reshape(len(test.x), -1)}
    assert not any(row.tobytes() in test_rows for row in split.x_labelled.reshape(100, -1))
    batch = split.sampler(8, seed=1)(2)
    assert batch["x_labelled"].shape == (2, 8, 28, 28, 1) and batch["y_labelled"].shape == (2, 8)


def _cli(*args: str, cwd) -> str:
    out = subprocess.run([sys.executable, "-m", "ganlab", *args], cwd=cwd, capture_output=True, text=True,
                         timeout=300, env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.mark.slow
@needs_mnist
def test_classify_cli_round_trip(tmp_path):
    options = [f"--option=hidden={json.dumps(TINY['hidden'])}", "--option=generator_hidden=[16]"]
    _cli("train", "--model", "sgan", "--dataset", "mnist", "--labels-per-class", "3", "--limit", "300",
         "--steps", "3", "--batch-size", "16", *options, "--quiet", "--out", "run", cwd=tmp_path)
    _cli("generate", "--checkpoint", "run", "--count", "5", "--out", "x.npz", cwd=tmp_path)
    _cli("classify", "--checkpoint", "run", "--images", "x.npz", "--out", "preds.npz", cwd=tmp_path)
    with np.load(tmp_path / "preds.npz") as p:
        assert p["labels"].shape == (5,) and p["probs"].shape == (5, 11)
        assert p["names"][-1] == "fake" and np.allclose(p["probs"].sum(1), 1, atol=1e-5)
        assert (p["labels"] == p["probs"][:, :-1].argmax(1)).all()  # the digit it reads if the picture is real
        np.testing.assert_allclose(p["p_fake"], p["probs"][:, -1])
    _cli("classify", "--checkpoint", "classifier-mnist", "--images", "x.npz", "--out", "cnn.npz", cwd=tmp_path)
    with np.load(tmp_path / "cnn.npz") as p:
        assert p["labels"].shape == (5,) and p["probs"].shape == (5, 10) and "p_fake" not in p.files  # no fake class
    out = _cli("evaluate-sgan", "--checkpoint", "run", "--limit", "50", "--write-card", cwd=tmp_path)
    card = json.loads((tmp_path / "run" / "card.json").read_text())
    assert card["quality"]["sgan"]["test_images"] == 50 and "baseline" in out


@needs_mnist
@pytest.mark.skipif("sgan-mnist-100" not in shipped_names(), reason="shipped sgan-mnist-100 missing")
def test_classify_labels_count_what_evaluate_sgan_counts(tmp_path, capsys):
    """classify's labels on real test digits are right as often as evaluate-sgan says; p_fake beside them."""
    from ganlab.cli import main
    from ganlab.data.idx import load_idx_pair
    from ganlab.evaluate.digit_reader import sgan_test_accuracy

    images, truth = (a[:2000] for a in load_idx_pair("mnist", "test", None))
    np.savez(tmp_path / "test.npz", images=images)
    assert main(["classify", "--checkpoint", "sgan-mnist-100", "--images", str(tmp_path / "test.npz"),
                 "--out", str(tmp_path / "p.npz")]) == 0
    summary = capsys.readouterr().out
    measured = sgan_test_accuracy("sgan-mnist-100", limit=2000)
    with np.load(tmp_path / "p.npz") as p:
        assert p["labels"].shape == p["p_fake"].shape == (2000,) and p["probs"].shape == (2000, 11)
        assert round(float((p["labels"] == truth).mean()), 4) == measured["classifier_accuracy"] > 0.95
        called_fake = int((p["probs"].argmax(1) == 10).sum())
        np.testing.assert_allclose(p["p_fake"], p["probs"][:, -1])
    assert called_fake == measured["classifier_called_fake"] > 0
    assert f"D calls {called_fake} of 2,000 ({100 * called_fake / 2000:.1f} %) fake" in summary
    assert main(["classify", "--checkpoint", "sgan-mnist-100", "--images", str(tmp_path / "test.npz"),
                 "--labels-with-fake", "--out", str(tmp_path / "k1.npz")]) == 0
    with np.load(tmp_path / "k1.npz") as p:
        assert (p["labels"] == 10).sum() == called_fake and (p["labels"] == p["probs"].argmax(1)).all()


def test_classify_bad_images_get_a_message_not_a_traceback(tmp_path, capsys):
    from ganlab.cli import main

    digits = np.zeros((3, 28, 28), np.uint8)
    bad = {"other.npz": {"pictures": digits}, "shape.npz": {"images": np.zeros((3, 32, 32), np.uint8)},
           "flat.npz": {"images": np.zeros(784, np.uint8)}, "dtype.npz": {"images": digits.astype(np.int64)},
           "nan.npz": {"images": np.full((3, 28, 28), np.nan, np.float32)}}
    words = {"other.npz": "no array named 'images' (found pictures)", "shape.npz": "it reads 28×28 images",
             "flat.npz": "N×H×W", "dtype.npz": "must be uint8", "nan.npz": "contain NaN"}
    for name, arrays in bad.items():
        np.savez(tmp_path / name, **arrays)
    np.save(tmp_path / "bare.npy", digits)
    (tmp_path / "text.npz").write_text("not numbers")
    words.update({"bare.npy": "one bare array", "text.npz": "not an .npz file", "missing.npz": "no file"})
    for name, expected in words.items():
        code = main(["classify", "--checkpoint", "classifier-mnist", "--images", str(tmp_path / name),
                     "--out", str(tmp_path / "o.npz")])
        err = capsys.readouterr().err
        assert code == 2 and expected in err and "Traceback" not in err, (name, err)
    assert not (tmp_path / "o.npz").exists()


@pytest.mark.slow  # trains on the served app
@needs_mnist
def test_few_labels_preset_shows_test_accuracy_beside_the_baseline(tmp_path):
    pytest.importorskip("gradio_client")

    from tests.ui_helpers import api_client, running_app, wait_for

    with running_app(tmp_path) as (url, _):
        c = api_client(url)
        *form, note = c.predict("Few labels (semi-supervised)", api_name="/preset")
        assert form[:2] == ["sgan", "mnist"] and "baseline" in note
        form[9] = 3  # steps
        assert "Training **sgan**" in c.predict(*form, api_name="/start")
        metrics = wait_for(lambda: (m := c.predict(api_name="/metrics"))["status"] == "finished" and m, timeout=180)
        scores = wait_for(lambda: c.predict(api_name="/metrics")["quality"]["scores"], timeout=30)
        assert set(scores) >= {"classifier_accuracy", "baseline_accuracy"} and scores["test_images"] == 2000
        assert 0 <= scores["classifier_accuracy"] <= 1 and metrics["step"] == 3
        out = c.predict(*form, api_name="/step")  # the live view, drawn at once
        quality_image, quality_text = out[2], out[6]
        assert "Test accuracy" in quality_text and "baseline" in quality_text
        assert quality_image and Path(quality_image["value"] if isinstance(quality_image, dict)
                                      else quality_image).is_file()
        c.predict(api_name="/reset")


def test_classify_tab_says_which_digit_an_sgan_reads_if_the_picture_is_real():
    """D may call a hand drawing fake; the digits' probabilities given "real" still name a digit."""
    from ganlab.evaluate.digit_reader import digit_reading
    from ganlab.ui.tools.classify import reading_text

    probs = {"fake": 0.96, "7": 0.03, "1": 0.01, **{d: 0.0 for d in "02345689"}}
    digit, share, fake = digit_reading(probs)
    assert digit == "7" and abs(share - 0.75) < 1e-6 and fake == 0.96
    assert "it is a 7** (75 % among the ten digits; D calls it *fake* with 96 %)" in reading_text(probs)
    assert digit_reading({"7": 0.9, "1": 0.1}) is None and reading_text({"7": 0.9, "1": 0.1}) == ""  # no fake class
    assert reading_text(None) == ""  # cleared


def test_classify_panel_reads_an_uploaded_digit(tmp_path):
    pytest.importorskip("gradio_client")
    from gradio_client import handle_file
    from PIL import Image

    from ganlab.evaluate.digit_reader import digit_image
    from ganlab.ui.tools import classify as classify_tab
    from tests.ui_helpers import api_client, single_tab_app

    picture = np.zeros((56, 56), np.uint8)
    picture[10:46, 26:31] = 255  # a "1", drawn white on black
    Image.fromarray(picture).save(tmp_path / "one.png")
    assert digit_image(picture).shape == (28, 28)
    assert digit_image(255 - picture).max() == 255  # dark ink on white is inverted
    canvas = np.zeros((280, 280, 4), np.uint8)  # the Sketchpad: white strokes on a transparent canvas
    canvas[50:230, 130:150] = 255
    drawn = digit_image({"composite": canvas, "layers": []})
    assert drawn.max() > 200 and drawn[0, 0] == 0 and drawn[:, 14].max() > 200  # ink in the middle column
    with single_tab_app(lambda _: classify_tab.lay_out(), "Classify") as url:
        c = api_client(url)
        for name, (checkpoint, head) in classify_tab.shipped_choices().items():
            label, _seen = c.predict(handle_file(str(tmp_path / "one.png")), name, api_name="/classify")
            names = [row["label"] for row in label["confidences"]]
            assert ("fake" in names) == (checkpoint.startswith("sgan") and head == "classifier")  # not the baseline
            assert abs(sum(row["confidence"] for row in label["confidences"]) - 1) < 1e-3
            if checkpoint == "classifier-mnist":
                assert label["label"] == "1"
        # bad uploads get a message (checked before decoding) and the app keeps serving
        (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a picture")
        Image.new("L", (5000, 5000)).save(tmp_path / "huge.png")  # 25 Mpx, a few kB on disk
        name = next(iter(classify_tab.shipped_choices()))
        for bad, words in (("broken.png", "not an image"), ("huge.png", "the limit is")):
            with pytest.raises(Exception, match=f"(?i){words}"):
                c.predict(handle_file(str(tmp_path / bad)), name, api_name="/classify")
        label, _seen = c.predict(handle_file(str(tmp_path / "one.png")), name, api_name="/classify")
        assert label["confidences"]


JAX_SCRIPT = """
import numpy as np
from ganlab.checkpoints import load_generator
from ganlab.checkpoints import shipped_names
from ganlab.config import TrainConfig
from ganlab.evaluate.digit_reader import load_image_classifier
from ganlab.train.run import TrainingRun
from tests.test_sgan import TINY, _blobs

s = TrainingRun(TrainConfig(model="sgan", dataset="blobs", batch_size=8, latent_dim=4, options=dict(TINY)),
                    dataset=_blobs())
for kind in ("train", "d", "g"):
    rec = s.step(kind)
    assert np.isfinite([rec.d_loss, rec.g_loss, *rec.extras.values()]).all(), rec
path = s.save("JAXCKPT")
loaded = load_generator(path, with_discriminator=True)
x = _blobs().x[:5]
np.testing.assert_allclose(np.asarray(loaded.gan.class_probabilities(x)), np.asarray(s.gan.class_probabilities(x)),
                           atol=1e-5)
reading = load_image_classifier(path)(((x[..., 0] + 1) * 127.5).astype(np.uint8))
assert reading.probs.shape == (5, 4) and reading.labels.shape == (5,) and reading.p_fake.shape == (5,)
print("sgan on jax ok")
"""


@pytest.mark.slow
def test_sgan_trains_saves_and_classifies_on_jax(tmp_path):
    run_on_jax(JAX_SCRIPT.replace("JAXCKPT", str(tmp_path / "ckpt")), "sgan on jax ok")
