"""text2img: the caption parser, the attribute measures on hand-made strokes, the captions, the
model's shapes and attention, save/load, the CLI's --text and the evaluation (tiny sizes)."""

from __future__ import annotations

import numpy as np
import pytest

from ganlab.data import Dataset
from ganlab.data import captions as c

TINY = {"width": 0.25, "text_dim": 16, "attention_dim": 8}


# -- the parser -----------------------------------------------------------------------------------
def test_numerals_and_number_words_read_the_same():
    assert c.parse("a thick seven").words == ("thick", "seven")
    np.testing.assert_array_equal(c.parse("a thick 7").tokens, c.parse("a thick seven").tokens)
    assert c.parse("7, slanted right, thin stroke").words == ("seven", "right", "thin")
    assert c.parse("the number 0").digit == 0 and c.parse("a bold EIGHT").digit == 8


def test_fillers_are_ignored_and_synonyms_map():
    p = c.parse("An upright digit with a bold stroke, leaning to the left")
    assert p.words == ("upright", "thick", "left")
    assert p.digit == -1 and p.attributes == (-1, 2, 0, -1)  # the last slant word wins
    assert c.parse("a wide narrow 1").attributes == (1, -1, -1, 0)
    assert c.parse("a thin seven").tokens.shape == (c.MAX_WORDS,)
    assert c.parse("a thin seven").tokens[2:].tolist() == [0] * (c.MAX_WORDS - 2)


@pytest.mark.parametrize(("text", "message"), [
    ("a purple seven", "Unknown word 'purple'.*thick"),
    ("a small upright 3", "Unknown word 'small'.*narrow, wide"),
    ("the digit 12", "not one digit"),
    ("a the with", "No word the model knows"),
    ("", "No word the model knows"),
    ("thick " * (c.MAX_WORDS + 1), "Too many words"),
])
def test_unreadable_sentences_say_why_and_list_the_vocabulary(text, message):
    with pytest.raises(c.CaptionError, match=message):
        c.parse(text)


def test_vocabulary_text_lists_every_word():
    text = c.vocabulary_text()
    for word in c.VOCAB[1:]:
        assert word in text


# -- the measures ---------------------------------------------------------------------------------
def _stroke(width: int = 2, shear: float = 0.0, length: int = 16) -> np.ndarray:
    """A straight stroke, ``width`` px wide, rows 6..6+length; each row up shifts it ``shear`` px right."""
    img = np.zeros((28, 28), np.float32)
    for r in range(6, 6 + length):
        x = 13 + shear * (6 + length - 1 - r)
        x0 = round(x - width / 2)
        img[r, x0 : x0 + width] = 1.0
    return img * 2 - 1


def test_thickness_is_the_stroke_width():
    t = c.thickness(np.stack([_stroke(1, length=20), _stroke(2, length=20), _stroke(4, length=20)]))
    assert t[0] == 1.0 and t[0] < t[1] < t[2]  # a 1-px line is its own skeleton
    # the skeleton loses about half the width at each free end, so thick strokes read a bit thicker
    assert 2 <= t[1] <= 2.5 and 4 <= t[2] <= 5.5


def test_skeleton_is_one_pixel_wide():
    sk = c.skeleton(np.stack([_stroke(4)]) > 0)
    assert sk.any() and (sk.sum(axis=2)[0] <= 1).all()


def test_slant_sign_and_order():
    s = c.slant(np.stack([_stroke(2, -0.4), _stroke(2, 0.0), _stroke(2, 0.2), _stroke(2, 0.5)]))
    assert s[0] < -0.2 and abs(s[1]) < 0.05 and 0 < s[2] < s[3]
    np.testing.assert_allclose(s[3], 0.5, atol=0.1)


def test_width_is_the_ink_bounding_box():
    img = np.full((2, 28, 28), -1.0, np.float32)
    img[0, 5:20, 10:13] = 1.0
    img[1, 5:20, 4:22] = 1.0
    np.testing.assert_array_equal(c.width(img), [3, 18])
    assert c.width(np.full((1, 28, 28), -1.0))[0] == 0  # empty image
    assert c.width(np.zeros((1, 28, 28), np.uint8))[0] == 0  # uint8, 0 = background


def test_attribute_classes_use_per_digit_edges():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 30)
    m = {"thickness": np.r_[rng.uniform(1, 2, 30), rng.uniform(3, 4, 30)],
         "slant": rng.uniform(-1, 1, 60), "width": np.r_[rng.integers(4, 8, 30), rng.integers(10, 20, 30)]}
    attrs = c.attribute_classes(m, labels, c.thresholds(m, labels, 2))
    for digit in (0, 1):  # each digit gets thin, medium and thick: its own thirds
        assert sorted(set(attrs[labels == digit, 1])) == [0, 1, 2]
    assert np.bincount(attrs[:, 2]).tolist() == [20, 20, 20]


def test_training_captions_are_true_and_the_wrong_one_differs():
    rng = np.random.default_rng(1)
    attrs = np.stack([rng.integers(0, 10, 200), rng.integers(0, 3, 200), rng.integers(0, 3, 200),
                      rng.integers(0, 3, 200)], axis=1).astype(np.int32)
    tokens, wrong, named, texts = c.training_captions(attrs, seed=3)
    assert tokens.shape == wrong.shape == (200, c.MAX_WORDS) and named.shape == (200, 4)
    assert len(set(texts)) > 50  # varied templates
    for i in range(200):
        read = c.parse(texts[i])
        np.testing.assert_array_equal(read.tokens, tokens[i])
        assert read.attributes == tuple(named[i])
        assert all(n in (-1, a) for n, a in zip(named[i], attrs[i]))  # only what the image shows
        assert (named[i] >= 0).any()
        bad = np.array(c.parse(" ".join(c.VOCAB[t] for t in wrong[i] if t)).attributes)
        assert ((bad != named[i]) & (named[i] >= 0)).sum() == 1  # exactly one named attribute changed


# -- the model ------------------------------------------------------------------------------------
def _digits() -> Dataset:
    """60 labelled 28×28 strokes of varied width and slant (class c: stroke of width 1 + c % 4)."""
    rng = np.random.default_rng(0)
    y = np.arange(60, dtype=np.int32) % 10
    x = np.stack([_stroke(1 + int(d) % 4, float(rng.uniform(-0.4, 0.6))) for d in y])[..., None]
    return Dataset("digits", x, y, tuple(str(i) for i in range(10)))


@pytest.fixture(scope="module")
def session():
    from ganlab.config import TrainConfig
    from ganlab.train.run import TrainingRun

    s = TrainingRun(TrainConfig(model="text2img", dataset="digits", batch_size=8, precision="float32",
                                    options=TINY), dataset=_digits())
    s.step()
    return s


@pytest.fixture(scope="module")
def checkpoint(session, tmp_path_factory):
    return session.save(tmp_path_factory.mktemp("t2i") / "text2img-tiny")


def test_prepare_data_adds_captions(session):
    ds = session.dataset
    assert {"tokens", "wrong_tokens", "named", "attrs"} <= set(ds.arrays())
    assert ds.extras["tokens"].shape == (60, c.MAX_WORDS)
    np.testing.assert_array_equal(ds.extras["attrs"][:, 0], ds.y)
    assert "caption_edges" in session.config.options  # where the words change, recorded in the card


def test_step_metrics_include_the_wrong_caption(session):
    rec = session.step()
    assert np.isfinite([rec.d_loss, rec.g_loss]).all()
    assert {"d_wrong", "aux_real", "aux_fake"} <= set(rec.extras)


def test_shapes_and_attention(session):
    gan = session.gan
    z = np.random.default_rng(0).standard_normal((3, gan.spec.latent_dim)).astype(np.float32)
    images, weights = (np.asarray(v) for v in gan.attention(gan.text_latent(z, "a thick seven slanted right")))
    assert images.shape == (3, 28, 28, 1) and weights.shape == (3, 14 * 14, c.MAX_WORDS)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    assert np.abs(weights[..., 3:]).max() < 1e-6  # three words: padding gets no attention
    other = np.asarray(gan.attention(gan.text_latent(z, "a thin one"))[0])
    assert np.abs(images - other).max() > 1e-4  # the sentence changes the picture


def test_labels_become_one_word_sentences(session):
    from ganlab.sampling import Sampler

    gan = session.gan
    z = np.random.default_rng(0).standard_normal((2, gan.spec.latent_dim)).astype(np.float32)
    by_label = Sampler(gan)({"z": z, "label": np.array([7, 2], np.int32)})
    by_text = Sampler(gan)(gan.text_latent(z[:1], "seven"))
    np.testing.assert_allclose(by_label[:1], by_text, atol=1e-6)


def test_refuses_data_that_is_not_mnist(tiny_points):
    from ganlab.config import TrainConfig
    from ganlab.train.run import TrainingRun

    fashion_like = Dataset("fashion", _digits().x, _digits().y, tuple("abcdefghij"))
    for data in (fashion_like, tiny_points):
        with pytest.raises(ValueError, match="needs MNIST"):
            TrainingRun(TrainConfig(model="text2img", dataset=data.name), dataset=data)


def test_save_load_same_images_and_attention(session, checkpoint):
    from ganlab.checkpoints import load_generator
    from ganlab.explore.text2img import TextModel

    # the session's float32, not 'auto' (mixed_bfloat16 on a bf16 CPU, which rounds differently)
    model = TextModel(load_generator(str(checkpoint), precision="float32", model="text2img"))
    z = np.random.default_rng(0).standard_normal((4, session.spec.latent_dim)).astype(np.float32)
    np.testing.assert_array_equal(model.gan.text_latent(z, "a 3")["tokens"][0], c.parse("three").tokens)
    mine = [np.asarray(v) for v in session.gan.attention(session.gan.text_latent(z, "a wide 3 leaning left"))]
    theirs = [np.asarray(v) for v in model.gan.attention(model.gan.text_latent(z, "a wide 3 leaning left"))]
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_draw_is_seeded_and_maps_each_word(checkpoint):
    from ganlab.explore.text2img import MAX_COUNT, TextModel, attention_figure

    model = TextModel.load(str(checkpoint))
    many, few = model.draw("a thick seven slanted right", seed=5, count=6), model.draw("thick 7 right", 5, 2)
    assert many.images.dtype == np.uint8 and many.images.shape == (6, 28, 28)
    np.testing.assert_array_equal(many.images[:2], few.images)  # image i does not depend on the count
    assert many.words == ("thick", "seven", "right") and many.digit == 7
    assert many.attention.shape == (6, 3, 14, 14)
    np.testing.assert_allclose(many.attention.sum(1), 1.0, atol=1e-5)
    fig = attention_figure(many, rows=2, scale=2)
    assert fig.shape == (2 * (2 * 30 + 2), 2 * (4 * 30 + 2), 3)
    with pytest.raises(ValueError, match="count"):
        model.draw("a seven", count=MAX_COUNT + 1)
    with pytest.raises(c.CaptionError, match="purple"):
        model.draw("a purple seven")


def test_cli_generate_text(checkpoint, tmp_path, capsys):
    from ganlab.cli import main

    out = tmp_path / "x.npz"
    assert main(["generate", "--checkpoint", str(checkpoint), "--text", "a thick seven", "--count", "5",
                 "--seed", "0", "--out", str(out)]) == 0
    with np.load(out) as f:
        assert f["images"].dtype == np.uint8 and f["images"].shape == (5, 28, 28)
        assert f["labels"].tolist() == [7] * 5
        first = f["images"]
    assert main(["generate", "--checkpoint", str(checkpoint), "--text", "thick stroke, leaning left",
                 "--count", "2", "--out", str(out)]) == 0
    with np.load(out) as f:
        assert f["labels"].tolist() == [-1, -1]
    assert main(["generate", "--checkpoint", str(checkpoint), "--text", "a purple seven", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Unknown word 'purple'" in err and "thick" in err
    from ganlab.explore.text2img import TextModel  # the app draws the same images for the same seed

    np.testing.assert_array_equal(TextModel.load(str(checkpoint)).draw("a thick seven", 0, 5).images, first)


def test_evaluation_table(checkpoint):
    from ganlab.checkpoints import load_generator
    from ganlab.evaluate.quality import load_classifier
    from ganlab.evaluate.text2img import evaluate_text2img, table

    result = evaluate_text2img(load_generator(str(checkpoint)).gan, load_classifier("classifier-mnist"),
                               _digits(), per_class=4)
    assert 0 <= result["digit_accuracy"] <= 1 and len(result["per_digit_accuracy"]) == 10
    assert set(result["pairs_ordered"]) == {"thick vs thin", "right vs left", "wide vs narrow"}
    assert result["diversity"] >= 0 and "diversity_ratio" in result
    text = table(result)
    assert text.count("\n") == 12 and '"a seven"' in text and "thick vs thin" in text


JAX_SCRIPT = """
import numpy as np, keras
assert keras.backend.backend() == "jax"
from ganlab import checkpoints
from ganlab.config import TrainConfig
from ganlab.explore.text2img import TextModel
from ganlab.train.run import TrainingRun
from tests.test_text2img import TINY, _digits
s = TrainingRun(TrainConfig(model="text2img", dataset="digits", batch_size=8, precision="float32",
                                options=TINY), dataset=_digits())
rec = s.step()  # one train step: compiling more kinds (and the fused loop) takes minutes on a busy CPU
assert np.isfinite([rec.d_loss, rec.g_loss, rec.extras["d_wrong"], rec.extras["mode_seeking"]]).all()
model = TextModel(checkpoints.load_generator(s.save("JAXCKPT")))
drawn = model.draw("a thick seven slanted right", 0, 3)
assert drawn.images.shape == (3, 28, 28) and drawn.attention.shape == (3, 3, 14, 14)
z = np.zeros((2, s.spec.latent_dim), "float32")
lat = s.gan.text_latent(z, "a thin 4")
np.testing.assert_allclose(model.gan.attention(lat)[0], s.samples(lat), atol=1e-5)
print("text2img on jax ok")
"""


@pytest.mark.slow
def test_trains_and_draws_on_jax(tmp_path):
    import os
    import subprocess
    import sys

    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    script = JAX_SCRIPT.replace("JAXCKPT", str(tmp_path / "ckpt"))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "text2img on jax ok" in proc.stdout
