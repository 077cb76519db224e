"""Every model × every loss it accepts on tiny configs: shapes, finite steps, clear errors."""

import numpy as np
import pytest

from ganlab.config import TrainConfig
from ganlab.data import Dataset
from ganlab.models import REGISTRY, ModelSpec, get_model_class
from ganlab.train.run import TrainingRun
from tests.conftest import make_tiny_pairs

CASES = [(name, loss) for name, cls in REGISTRY.items() for loss in cls.losses]


PIX2PIX_TINY = {"ngf": 8, "ndf": 8, "cap": 16, "depth": 4}
SGAN_TINY = {"hidden": [32, 16], "generator_hidden": [32], "labels_per_class": 2}  # tiny_images: 6+ per class


def _dataset(cls, tiny_images, tiny_points):
    if getattr(cls, "paired", False):
        return make_tiny_pairs()
    return tiny_images if "image" in cls.data_kinds else tiny_points


def _options(model: str) -> dict:
    """Tiny sizes for fast tests."""
    return {"vanilla": {}, "pix2pix": PIX2PIX_TINY, "sgan": SGAN_TINY}.get(model, {"width": 0.25})


@pytest.mark.slow  # every model × every loss: ~40 small trainings (each model also steps in its own file)
@pytest.mark.parametrize(("model", "loss"), CASES)
def test_model_loss_step_shapes(model, loss, tiny_images, tiny_points):
    cls = get_model_class(model)
    ds = _dataset(cls, tiny_images, tiny_points)
    s = TrainingRun(TrainConfig(model=model, dataset=ds.name, loss=loss, batch_size=8, k=2,
                                    options=_options(model)), dataset=ds)
    for kind in ("train", "d", "g"):
        rec = s.step(kind)
        assert np.isfinite([rec.d_loss, rec.g_loss, rec.d_real, rec.d_fake]).all()
        assert rec.kind == kind
    out = s.samples()
    assert out.shape[1:] == ds.shape and np.isfinite(out).all()
    if ds.kind == "image":
        assert out.min() >= -1 and out.max() <= 1  # tanh output
    assert s.step_count == 3 and len(s.history) == 3
    if model == "wgan_gp":
        assert rec.extras["gp"] >= 0


def test_dcgan_28_is_the_tensorflow_tutorial_architecture():
    gan = get_model_class("dcgan")(ModelSpec((28, 28, 1), 100, precision="float32"))
    g = [(type(layer).__name__, getattr(layer, "filters", getattr(layer, "units", None)))
         for layer in gan.generator.layers[1:]]
    assert g == [("Dense", 7 * 7 * 256), ("BatchNormalization", None), ("LeakyReLU", None),
                 ("Reshape", None), ("Conv2DTranspose", 128), ("BatchNormalization", None),
                 ("LeakyReLU", None), ("Conv2DTranspose", 64), ("BatchNormalization", None),
                 ("LeakyReLU", None), ("Conv2DTranspose", 1)]
    convs = [layer for layer in gan.generator.layers if type(layer).__name__ == "Conv2DTranspose"]
    assert [c.strides for c in convs] == [(1, 1), (2, 2), (2, 2)]
    assert all(c.kernel_size == (5, 5) for c in convs)
    d = [(type(layer).__name__, getattr(layer, "filters", None)) for layer in gan.discriminator.layers[1:]]
    assert d == [("Conv2D", 64), ("LeakyReLU", None), ("Dropout", None), ("Conv2D", 128),
                 ("LeakyReLU", None), ("Dropout", None), ("Flatten", None), ("Dense", None)]
    assert gan.generator.count_params() == 2_330_944  # the tutorial's generator summary
    assert gan.discriminator.count_params() == 212_865  # the tutorial's discriminator summary


@pytest.mark.parametrize("size", [32, 64])
def test_dcgan_other_sizes(size):
    gan = get_model_class("dcgan")(ModelSpec((size, size, 3), 16, precision="float32",
                                             options={"width": 0.25}))
    assert gan.generator.output_shape == (None, size, size, 3)
    assert gan.discriminator.output_shape == (None, 1)


def test_wasserstein_needs_a_lipschitz_critic(tiny_images):
    with pytest.raises(ValueError, match="wgan_gp"):
        TrainingRun(TrainConfig(model="dcgan", dataset="tiny", loss="wasserstein"), dataset=tiny_images)
    with pytest.raises(ValueError, match="does not fit"):
        TrainingRun(TrainConfig(model="wgan_gp", dataset="tiny", loss="hinge"), dataset=tiny_images)


def test_conditional_model_needs_labels(tiny_points, tiny_images):
    unlabelled = Dataset("plain", tiny_images.x)
    with pytest.raises(ValueError, match="class labels"):
        TrainingRun(TrainConfig(model="cgan", dataset="plain"), dataset=unlabelled)
    with pytest.raises(ValueError, match="image"):
        TrainingRun(TrainConfig(model="dcgan", dataset="cluster"), dataset=tiny_points)


def test_unknown_model():
    with pytest.raises(ValueError, match="Unknown model 'stylegan'.*vanilla"):
        get_model_class("stylegan")


@pytest.mark.parametrize("model", ["vanilla", "wgan_gp"])
def test_discriminator_steps_decrease_d_loss_on_easy_data(model, tiny_points):
    """Real points sit at (3, 3), fakes start near 0: a few D updates must lower D's loss."""
    s = TrainingRun(TrainConfig(model=model, dataset="cluster", batch_size=64, lr_d=1e-3, seed=1),
                        dataset=tiny_points)
    first = s.step("d").d_loss
    for _ in range(30):
        last = s.step("d")
    assert last.d_loss < first - 0.1
    assert last.d_real > last.d_fake


def test_conditional_generator_uses_the_label(tiny_images):
    s = TrainingRun(TrainConfig(model="cgan", dataset="tiny", batch_size=8,
                                    options={"width": 0.25}), dataset=tiny_images)
    z = np.zeros((2, s.spec.latent_dim), np.float32)
    out = s.samples({"z": z, "label": np.array([0, 9], np.int32)})
    assert np.abs(out[0] - out[1]).max() > 1e-4


@pytest.mark.parametrize(("model", "loss"), CASES)
def test_d_updates_lower_d_loss_on_easy_data(model, loss, tiny_images, tiny_points):
    """Easy case: fixed, clearly structured real data vs an untrained G. D-only steps must help D."""
    cls = get_model_class(model)
    ds = _dataset(cls, tiny_images, tiny_points)
    s = TrainingRun(TrainConfig(model=model, dataset=ds.name, loss=loss, batch_size=16, lr_d=1e-3,
                                    seed=2, options=_options(model)),
                        dataset=ds)
    first = [s.step("d").d_loss for _ in range(3)]
    for _ in range(25):
        last = s.step("d")
    assert last.d_loss < min(first), (first, last.d_loss)


@pytest.mark.parametrize("model", list(REGISTRY))
def test_save_load_same_output_every_model(model, tiny_images, tiny_points, tmp_path):
    from ganlab.checkpoints import load_generator
    from ganlab.sampling import Sampler

    cls = get_model_class(model)
    ds = _dataset(cls, tiny_images, tiny_points)
    s = TrainingRun(TrainConfig(model=model, dataset=ds.name, batch_size=8, precision="float32",
                                    options=_options(model)), dataset=ds)
    s.step()
    loaded = load_generator(s.save(tmp_path / model), precision="float32")
    latent = {k: v[:6] for k, v in s.fixed_latent.items()}
    np.testing.assert_allclose(Sampler(loaded.gan)(latent), s.samples(latent), atol=1e-5)


@pytest.mark.parametrize("model", list(REGISTRY))
def test_example_inputs_feed_every_generator(model, tiny_images, tiny_points):
    """What ``bench`` times each model with: seeded inputs of the kind its generator takes."""
    from ganlab.sampling import Sampler

    cls = get_model_class(model)
    ds = _dataset(cls, tiny_images, tiny_points)
    gan = TrainingRun(TrainConfig(model=model, dataset=ds.name, batch_size=8, precision="float32",
                                      options=_options(model)), dataset=ds).gan
    a, b = gan.example_inputs(3, seed=1), gan.example_inputs(3, seed=1)
    assert a.keys() == b.keys() and all(len(v) == 3 for v in a.values())
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    out = Sampler(gan)(a)
    assert out.shape == (3, *ds.shape) and np.isfinite(out).all()
