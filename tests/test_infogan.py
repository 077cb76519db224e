"""InfoGAN: shapes, the MI term in a step, code measurements, the shipped model, the panel, JAX."""

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ganlab.config import TrainConfig
from ganlab.evaluate.infogan import category_mapping, fit_change, image_stats
from ganlab.explore.infogan import Explorer, code_meanings, infogan_checkpoints, slider_label
from ganlab.models import ModelSpec, get_model_class
from ganlab.train.run import TrainingRun
from tests.conftest import run_on_jax

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "assets" / "infogan-mnist"
needs_shipped = pytest.mark.skipif(
    not (SHIPPED / "generator.keras").is_file()
    or not (REPO / "assets" / "classifier-mnist" / "classifier.keras").is_file(),
    reason="shipped infogan-mnist or classifier-mnist missing")
SMALL = {"width": 0.25}


def _session(tiny_images, **options) -> TrainingRun:
    return TrainingRun(TrainConfig(model="infogan", dataset="tiny", batch_size=8, seed=3,
                                       options={**SMALL, **options}), dataset=tiny_images)


def test_shapes_and_latents():
    gan = get_model_class("infogan")(ModelSpec((28, 28, 1), 62, precision="float32", options=SMALL))
    assert gan.generator.output_shape == (None, 28, 28, 1)
    assert [tuple(s) for s in gan.discriminator.output_shape] == [(None, 1), (None, 10), (None, 2)]
    latent = gan.sample_latent(5)
    assert tuple(latent["z"].shape) == (5, 62) and tuple(latent["c_cat"].shape) == (5,)
    cont = np.asarray(latent["c_cont"])
    assert cont.shape == (5, 2) and cont.min() >= -1 and cont.max() <= 1
    z = np.zeros((3, 62), np.float32)
    ints = {"z": z, "c_cat": np.array([0, 4, 9], np.int32), "c_cont": np.zeros((3, 2), np.float32)}
    onehot = dict(ints, c_cat=np.eye(10, dtype=np.float32)[[0, 4, 9]])
    a, b = np.asarray(gan.generate(ints)), np.asarray(gan.generate(onehot))
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert np.abs(a[0] - a[1]).max() > 1e-4  # the category reaches the image
    # Plain-GAN latents ({"z"} only) still work: category = row mod 10, codes = 0.
    np.testing.assert_allclose(np.asarray(gan.generate({"z": z}))[:1], a[:1], atol=1e-6)


def test_hidden_option_adds_the_papers_dense_layer_to_g_and_to_ds_shared_body():
    def dense_units(net):
        return [layer.units for layer in net.layers if layer.__class__.__name__ == "Dense"]

    small = get_model_class("infogan")(ModelSpec((28, 28, 1), 62, precision="float32", options=SMALL))
    paper = get_model_class("infogan")(ModelSpec((28, 28, 1), 62, precision="float32",
                                                 options={**SMALL, "hidden": 48}))
    assert 48 not in dense_units(small.generator) + dense_units(small.discriminator)
    assert dense_units(paper.generator)[0] == 48  # before the 7×7 map
    assert dense_units(paper.discriminator)[0] == 48  # shared: both heads read it
    assert paper.generator.output_shape == (None, 28, 28, 1)
    assert [tuple(s) for s in paper.discriminator.output_shape] == [(None, 1), (None, 10), (None, 2)]


def test_one_step_reports_the_mutual_information_term(tiny_images):
    s = _session(tiny_images)
    q_before = s.gan.discriminator.get_layer("q_cat").get_weights()[0].copy()
    for kind in ("train", "d", "g"):
        rec = s.step(kind)
        assert {"mi", "mi_cat", "mi_cont", "q_cat_acc"} <= set(rec.extras), rec.extras
        assert np.isfinite(list(rec.extras.values())).all()
        assert rec.extras["mi"] > 0
    # The first step's MI is ~ln 10 (Q knows nothing yet); D's update trains the Q head.
    assert 1.0 < s.history[0].extras["mi_cat"] < 4.0
    assert not np.allclose(q_before, s.gan.discriminator.get_layer("q_cat").get_weights()[0])


def test_mi_weight_zero_removes_the_term(tiny_images):
    rec = _session(tiny_images, mi_weight=0.0).step()
    assert rec.extras["mi"] == 0.0 and rec.extras["mi_cat"] > 0  # measured, but not trained on


def test_image_stats_measure_slant_and_stroke():
    imgs = -np.ones((3, 28, 28, 1), np.float32)
    imgs[0, 4:24, 13:15] = 1  # upright, 2 px
    imgs[1, 4:24, 12:16] = 1  # upright, 4 px
    for r in range(4, 24):  # top leans right by 1 px per 3 rows
        imgs[2, r, 14 + (14 - r) // 3 : 16 + (14 - r) // 3] = 1
    st = image_stats(imgs)
    assert abs(st["slant_deg"][0]) < 1 and 15 < st["slant_deg"][2] < 22
    assert st["stroke_px"][1] > st["stroke_px"][0] + 1
    assert st["ink_px"][1] == 2 * st["ink_px"][0]


def test_fit_change_names_the_edit():
    from scipy import ndimage

    before = -np.ones((2, 28, 28, 1))
    before[:, 5:23, 12:15] = 1
    before[:, 5:8, 15:19] = 1  # a flag, so a turn is visible
    ink = (before[..., 0] + 1) / 2
    after = np.stack([ndimage.rotate(ink[0], 20, reshape=False, order=1),
                      ndimage.grey_dilation(ink[1], size=(3, 3))])[..., None] * 2 - 1
    turn, thick = fit_change(before[:1], after[:1]), fit_change(before[1:], after[1:])
    assert max(turn, key=lambda f: turn[f]["explained"]) == "rotation"
    assert turn["rotation"]["parameter_median"] == 20.0
    assert max(thick, key=lambda f: thick[f]["explained"]) == "thickness"


class _StubModel:
    """Draws category c as a bright pixel at column c; a stub classifier reads (c + 3) % 10."""

    categories, continuous, latent_dim = 10, 2, 4

    def generate(self, z, cats, cont):
        out = -np.ones((len(z), 28, 28, 1), np.float32)
        out[np.arange(len(z)), 0, np.asarray(cats), 0] = 1
        return out


class _StubClassifier:
    class_names = tuple("0123456789")

    def predict(self, images):
        digit = (images[:, 0, :10, 0].argmax(1) + 3) % 10
        digit[::5] = 0  # a fifth read as 0, whatever the category
        return digit


def test_category_mapping_is_the_best_one_to_one_assignment():
    res = category_mapping(_StubModel(), _StubClassifier(), per_category=20)
    assert res["mapping"] == {str(c): (c + 3) % 10 for c in range(10)}
    assert res["accuracy"] == pytest.approx(0.8 + 0.2 / 10)  # category 7 draws 0 anyway
    assert np.asarray(res["confusion"]).sum() == 200


def test_labels_come_from_the_card():
    card = {"quality": {"infogan": {"codes": [{"code": 1, "looks_like": "rotation"},
                                              {"code": 2, "looks_like": "thickness"}]}}}
    assert slider_label(card, 0) == "code 1 (looks like: rotation)"
    assert code_meanings({}) == ["not measured", "not measured"]


def test_evaluate_infogan_cli_writes_card_and_figures(tiny_images, tmp_path):
    from ganlab.cli import main

    s = _session(tiny_images)
    s.step()
    ckpt = s.save(tmp_path / "ig")
    fig = tmp_path / "fig.png"
    assert main(["evaluate-infogan", "--checkpoint", str(ckpt), "--per-category", "4",
                 "--samples", "3", "--figure", str(fig), "--write-card",
                 "--classifier", "classifier-mnist"]) == 0
    q = json.loads((ckpt / "card.json").read_text())["quality"]["infogan"]
    assert 0 <= q["accuracy"] <= 1 and len(q["codes"]) == 2 and "evaluate-infogan" in q["command"]
    assert fig.is_file() and (tmp_path / "fig_2.png").is_file()
    assert str(ckpt) in infogan_checkpoints({"mine": ckpt}).values()


@needs_shipped
def test_shipped_model_category_changes_the_classifier_reading():
    from ganlab.evaluate.quality import load_classifier

    model = Explorer().model("infogan-mnist")
    clf = load_classifier("classifier-mnist")
    rng = np.random.default_rng(7)
    z = np.repeat(rng.standard_normal((20, model.latent_dim)).astype(np.float32), 10, 0)
    cats = np.tile(np.arange(10, dtype=np.int32), 20)
    pred = clf.predict(model.generate(z, cats, np.zeros((200, 2), np.float32))).reshape(20, 10)
    # Same noise, only the category changes: the digit read changes, across many digits.
    distinct_per_z = np.array([len(set(row)) for row in pred])
    assert distinct_per_z.mean() >= 6, pred
    majority = [np.bincount(pred[:, c], minlength=10).argmax() for c in range(10)]
    assert len(set(majority)) >= 8, majority
    card = model.card
    q = card["quality"]["infogan"]
    assert q["accuracy"] >= 0.7 and "--model infogan" in card["command"]
    assert len(q["codes"]) == 2


@needs_shipped
def test_panel_handlers_on_the_shipped_model():
    import gradio as gr

    from ganlab.server.store import SessionStore
    from ganlab.ui.playground import infogan as infogan_panel

    store = SessionStore()
    with gr.Blocks():
        infogan_panel.build(store)  # lays out and wires without error
    h = infogan_panel.Handlers(store, Explorer())
    assert ("infogan-mnist", "infogan-mnist") in h.choices()
    assert all(v.startswith("infogan") for _, v in h.choices())  # no cgan/dcgan offered
    cats, s1, s2, vary, summary, sample, fig = h.pick_and_view("infogan-mnist", 0)
    assert len(cats["choices"]) == 10 and "%" in summary and vary["value"] == 0
    assert "looks like:" in s1["label"] and "looks like:" in s2["label"]
    assert sample.shape == (224, 224) and fig.ndim == 3 and fig.shape[2] == 3
    a, _ = h.view("infogan-mnist", 3, -1.5, 0.0, 0, 0)
    b, _ = h.view("infogan-mnist", 3, 1.5, 0.0, 0, 0)
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 1  # moving code 1 changes the digit
    with pytest.raises(gr.Error, match="category"):
        h.view("infogan-mnist", 12, 0, 0, 0, 0)
    with pytest.raises(gr.Error, match="not an InfoGAN"):
        h.pick_model("cgan-mnist")


JAX_SCRIPT = textwrap.dedent("""
    import numpy as np, keras
    assert keras.backend.backend() == "jax"
    from ganlab.config import TrainConfig
    from ganlab.data import Dataset
    from ganlab.train.run import TrainingRun
    from ganlab import checkpoints
    from ganlab.sampling import Sampler
    rng = np.random.default_rng(0)
    imgs = Dataset("t", rng.uniform(-1, 1, (32, 28, 28, 1)).astype("float32"))
    s = TrainingRun(TrainConfig(model="infogan", dataset="t", batch_size=8,
                                    options={"width": 0.25}), dataset=imgs)
    recs = [s.step(kind) for kind in ("train", "d", "g")]
    assert all(np.isfinite(r.extras["mi"]) and r.extras["mi"] > 0 for r in recs), recs
    loaded = checkpoints.load_generator(s.save("JAXCKPT"))
    lat = {"z": np.zeros((2, 62), "float32"), "c_cat": np.array([1, 2], "int32"),
           "c_cont": np.full((2, 2), 0.5, "float32")}
    np.testing.assert_allclose(Sampler(loaded.gan)(lat), s.samples(lat), atol=1e-5)
    print("infogan jax ok", recs[0].extras)
""")


@pytest.mark.slow
def test_infogan_step_on_jax(tmp_path):
    run_on_jax(JAX_SCRIPT.replace("JAXCKPT", str(tmp_path / "ckpt")), "infogan jax ok")
