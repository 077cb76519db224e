"""Semi-supervised GAN (Salimans et al. 2016, "Improved techniques for training GANs", section 5).

The discriminator is a classifier with K+1 outputs: the K classes and "fake". The "fake" logit is
fixed at 0 (subtracting a common value from all K+1 logits leaves the softmax unchanged), so with
Z = Σ_k exp(l_k) over the K class logits, D(x) = p(real | x) = Z / (Z + 1): its real/fake logit is
logsumexp(l). D minimises

    L_D = CE(labelled y, softmax(l(x_lab)))                 (supervised: the few labelled examples)
        + GAN D loss on logsumexp(l) for unlabelled x and G(z)   (unsupervised: real vs fake)

and G minimises feature matching, ‖mean f(x_unl) − mean f(G(z))‖², on D's last hidden layer f.
Networks as in the paper's MNIST model, with weight normalisation (its data-dependent initialisation
replaced by the scale it would choose for unit-variance pre-activations): D an MLP, by default
500-250-250 ReLU (the paper's 1000-500-250-250-250 is ``--option hidden=[1000,500,250,250,250]``,
much slower on a CPU), with Gaussian noise on its input (σ 0.3 on [0, 1] pixels) and after
every hidden layer (σ 0.5); G an MLP 500-500 (softplus + batch norm) to 784 pixels.

A *baseline* twin — the same classifier body, its own weights — is trained in the same steps on the
same labelled batches with cross-entropy only, so a run shows what the unlabelled data and the GAN
add. The labelled examples are a fixed, seeded choice (``ganlab.data.labels``), ``labels_per_class``
per class; the other training examples are used without labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import keras
import numpy as np
from keras import layers, ops

from ganlab import backend
from ganlab.models.base import GAN, ModelSpec
from ganlab.models.layers import model

if TYPE_CHECKING:
    from ganlab.data import Dataset

@keras.saving.register_keras_serializable(package="ganlab")
class WeightNormDense(layers.Layer):
    """Dense layer with weight normalisation (Salimans & Kingma 2016): w = g · v / ‖v‖ per unit."""

    def __init__(self, units: int, activation: str | None = None, scale: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = keras.activations.get(activation)
        self.scale = float(scale)  # g's initial value

    def build(self, input_shape: tuple) -> None:
        """Direction v, scale g (ones) and bias b."""
        n_in = int(input_shape[-1])
        self.v = self.add_weight(shape=(n_in, self.units), name="v",
                                 initializer=keras.initializers.RandomNormal(0.0, 0.05))
        self.g = self.add_weight(shape=(self.units,), name="g", initializer=keras.initializers.Constant(self.scale))
        self.b = self.add_weight(shape=(self.units,), name="b", initializer="zeros")

    def call(self, x: Any) -> Any:
        """activation(x · g v / ‖v‖ + b)."""
        w = self.v * (self.g / ops.sqrt(ops.sum(ops.square(self.v), axis=0) + 1e-12))
        return self.activation(ops.matmul(x, ops.cast(w, self.compute_dtype)) + ops.cast(self.b, self.compute_dtype))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """(..., units)."""
        return (*input_shape[:-1], self.units)

    def get_config(self) -> dict[str, Any]:
        """Serialisable config."""
        return {**super().get_config(), "units": self.units, "scale": self.scale,
                "activation": keras.activations.serialize(self.activation)}


LIVE_TEST_IMAGES = 2000  # test images read at each live reading (the CLI's evaluate-sgan reads all)


class SemiSupervisedGAN(GAN):
    """SGAN: D is a (K+1)-way classifier trained on a few labels and all unlabelled data; G matches
    D's features. Carries a labels-only baseline with the same body."""

    name = "sgan"
    summary = "semi-supervised GAN: D classifies K digits + 'fake', learning from few labels"
    losses = ("non_saturating", "minimax")  # the same D loss on logsumexp(l); G uses feature matching
    default_latent_dim = 100
    default_lr = (3e-4, 1e-3)  # (G, D): G at D's rate collapses on MNIST (D(G(z)) -> 0)
    default_betas = (0.5, 0.999)
    default_batch_size = 100
    default_options = {"labels_per_class": 10, "label_seed": 0, "input_noise": 0.3, "hidden_noise": 0.5,
                       "hidden": [500, 250, 250], "generator_hidden": [500, 500],
                       "feature_matching": True, "unsupervised_weight": 1.0}
    quality_key = "sgan"  # held_out_scores: its classifier's test accuracy and the baseline's

    @classmethod
    def quality_line(cls, quality: dict[str, Any] | None) -> str | None:
        """How well its discriminator classifies held-out images, beside the labels-only baseline."""
        sg = cls.own_quality(quality)
        if "classifier_accuracy" not in sg:
            return None
        return (f"its discriminator, as a classifier, reads {100 * sg['classifier_accuracy']:.1f}% of "
                f"{sg.get('test_images', 0):,.0f} test images right from {sg.get('labels', '?')} labels "
                f"(the same network on the labels alone: {100 * sg.get('baseline_accuracy', 0):.1f}%)")

    def __init__(self, spec: ModelSpec, loss: str | None = None, seed: int = 0):
        if spec.num_classes < 2:
            raise ValueError("Model 'sgan' needs class labels: use mnist, fashion or a folder with one "
                             "subfolder per class.")
        self._scorer = None
        super().__init__(spec, loss, seed)

    @classmethod
    def prepare_data(cls, dataset: Dataset, options: dict[str, Any]) -> Dataset:
        """The labelled few (``labels_per_class`` per class, a fixed seeded choice) and the unlabelled
        rest; for MNIST-like data also the test split (``meta`` test_x / test_y) for live accuracy."""
        from ganlab.data import DataError, mnist_like
        from ganlab.data.labels import semi_supervised

        merged = {**cls.default_options, **options}
        data = semi_supervised(dataset, int(merged["labels_per_class"]), int(merged["label_seed"]))
        if dataset.meta.get("split") == "train":
            try:
                test = mnist_like(dataset.name, "test", dataset.meta.get("data_dir"))
                data.meta.update(test_x=test.x, test_y=test.y)
            except DataError:
                pass  # no test split found: the run trains, without the live test accuracy
        return data

    @classmethod
    def data_options(cls, dataset: Dataset, options: dict[str, Any]) -> dict[str, Any]:
        """Every option, defaults included, so that a checkpoint's card alone rebuilds this model."""
        return {**cls.default_options, **options}

    # -- architecture --------------------------------------------------------------------
    def _body(self, name: str) -> keras.Model:
        """The classifier body: image → (K class logits, last hidden features)."""
        dt, s, o = self.hidden_dtype(), self.spec, self.options
        x = keras.Input(s.data_shape, name="x")
        h = layers.Flatten(dtype=dt)(x)
        h = layers.Rescaling(0.5, offset=0.5, dtype=dt)(h)  # [-1, 1] → [0, 1], the paper's pixel scale
        h = layers.GaussianNoise(float(o["input_noise"]), dtype=dt)(h)
        features = h
        # g starts where the paper's data-dependent initialisation puts it: pre-activations of unit
        # variance, g = 1 / sqrt(E[input²]) (v / ‖v‖ is a unit vector); inputs are [0, 1] pixels
        # (E ≈ 0.1 for MNIST) + noise, then ReLU(N(0, 1)) (E = 0.5) + noise. Else the noise (σ 0.5)
        # drowns the signal at the start.
        mean_square = 0.1 + float(o["input_noise"]) ** 2
        for units in o["hidden"]:
            scale = float(1 / np.sqrt(mean_square))
            features = WeightNormDense(int(units), "relu", scale=scale, dtype=dt)(h)
            h = layers.GaussianNoise(float(o["hidden_noise"]), dtype=dt)(features)
            mean_square = 0.5 + float(o["hidden_noise"]) ** 2
        scale = float(1 / np.sqrt(mean_square))
        logits = WeightNormDense(s.num_classes, scale=scale, dtype="float32", name="logits")(h)
        features = layers.Activation("linear", dtype="float32", name="features")(features)
        return model(x, [logits, features], name)

    def build_generator(self) -> keras.Model:
        dt, s = self.hidden_dtype(), self.spec
        z = keras.Input((s.latent_dim,), name="z")
        h = z
        for units in self.options["generator_hidden"]:
            h = layers.Dense(int(units), use_bias=False, dtype=dt)(h)
            h = layers.BatchNormalization(dtype=dt)(h)
            h = layers.Activation("softplus", dtype=dt)(h)
        h = WeightNormDense(int(np.prod(s.data_shape)), "tanh", dtype="float32")(h)
        return model(z, layers.Reshape(s.data_shape, dtype="float32")(h), "generator")

    def build_discriminator(self) -> keras.Model:
        """The SGAN classifier and the labels-only baseline, side by side in one model (one file)."""
        self.classifier = self._body("classifier")
        self.baseline = self._body("baseline")
        x = keras.Input(self.spec.data_shape, name="x")
        logits, features = self.classifier(x)
        baseline_logits, _ = self.baseline(x)
        return model(x, [logits, features, baseline_logits], "discriminator")

    # -- objectives ----------------------------------------------------------------------
    def discriminate(self, x, condition: dict, training: bool = True):
        """D's real/fake logit: logsumexp of the K class logits (the "fake" logit is 0)."""
        return ops.logsumexp(self.classifier(x, training=training)[0], axis=-1)

    def discriminator_objective(self, batch: dict, fake, latent: dict):
        """Cross-entropy on the labelled batch + the GAN loss on unlabelled vs generated examples;
        plus the baseline's cross-entropy on the same labelled batch (its own weights)."""
        x_lab, y_lab = batch["x_labelled"], ops.cast(batch["y_labelled"], "int32")
        lab_logits, _ = self.classifier(x_lab, training=True)
        supervised = ops.mean(ops.sparse_categorical_crossentropy(y_lab, lab_logits, from_logits=True))
        real_out = self.discriminate(batch["x"], batch, training=True)
        fake_out = self.discriminate(fake, latent, training=True)
        unsupervised = self.loss.discriminator(real_out, fake_out)
        base_logits, _ = self.baseline(x_lab, training=True)
        base_ce = ops.mean(ops.sparse_categorical_crossentropy(y_lab, base_logits, from_logits=True))
        loss = supervised + float(self.options["unsupervised_weight"]) * unsupervised + base_ce
        hits = ops.equal(ops.cast(ops.argmax(lab_logits, axis=-1), "int32"), y_lab)
        return loss, {"d_real": self.loss.scores(real_out), "d_fake": self.loss.scores(fake_out),
                      "ce": supervised, "baseline_ce": base_ce,
                      "labelled_acc": ops.mean(ops.cast(hits, "float32"))}

    def generator_objective(self, batch: dict, fake, latent: dict):
        """Feature matching: the mean of D's last hidden features on G's images should equal that on
        real (unlabelled) images (or the usual GAN loss with ``feature_matching=False``)."""
        fake_logits, fake_features = self.classifier(fake, training=True)
        if not self.options["feature_matching"]:
            return self.loss.generator(ops.logsumexp(fake_logits, axis=-1)), {}
        _, real_features = self.classifier(batch["x"], training=True)
        real_mean = ops.stop_gradient(ops.mean(real_features, axis=0))
        return ops.mean(ops.square(ops.mean(fake_features, axis=0) - real_mean)), {}

    @property
    def metric_names(self) -> tuple[str, ...]:
        return ("d_real", "d_fake", "ce", "baseline_ce", "labelled_acc")

    # -- the classifier ------------------------------------------------------------------
    def class_probabilities(self, x: Any, head: str = "classifier") -> Any:
        """(N, K+1) probabilities of the K classes and "fake" (last column) for images in [-1, 1];
        ``head="baseline"``: the labels-only twin's (N, K) class probabilities."""
        net = self.classifier if head == "classifier" else self.baseline
        logits = ops.cast(net(x, training=False)[0], "float32")
        if head != "classifier":
            return ops.softmax(logits, axis=-1)
        return ops.softmax(ops.concatenate([logits, ops.zeros_like(logits[:, :1])], axis=-1), axis=-1)

    @property
    def class_heads(self) -> tuple[str, ...]:
        """The classifiers this model carries: the SGAN's (K+1 outputs) and the labels-only baseline."""
        return ("classifier", "baseline")

    def predict_classes(self, x: np.ndarray, batch: int = 1000) -> dict[str, np.ndarray]:
        """Predicted class per image (N, H, W, C) in [-1, 1] by each head (compiled inference)."""
        if self._scorer is None:
            self._scorer = backend.compile_step(
                lambda v: [ops.argmax(self.classifier(v, training=False)[0], axis=-1),
                           ops.argmax(self.baseline(v, training=False)[0], axis=-1)],
                list(self.discriminator.variables))
        parts = [[np.asarray(ops.convert_to_numpy(p)) for p in self._scorer(x[i : i + batch])]
                 for i in range(0, len(x), batch)]
        return {head: np.concatenate([p[j] for p in parts]) for j, head in enumerate(self.class_heads)}

    def held_out_scores(self, dataset: Dataset, limit: int | None = LIVE_TEST_IMAGES) -> dict[str, float]:
        """Test accuracy of the SGAN classifier and of the baseline on the dataset's test split
        (the first ``limit`` images; None = all); empty when the dataset has no test split."""
        test_x, test_y = dataset.meta.get("test_x"), dataset.meta.get("test_y")
        if test_x is None or test_y is None:
            return {}
        test_x, test_y = test_x[:limit], np.asarray(test_y[:limit])
        pred = self.predict_classes(test_x)
        return {"test_images": float(len(test_y)),
                **{f"{head}_accuracy": float((p == test_y).mean()) for head, p in pred.items()}}
