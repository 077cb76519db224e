"""InfoGAN: noise plus codes the generator must make readable; D's body shares a Q head that reads them."""

from __future__ import annotations

from typing import Any

import keras
from keras import layers, ops

from ganlab.models.base import GAN, checked_codes
from ganlab.models.layers import model, upsampling_generator_body


class InfoGAN(GAN):
    """InfoGAN (Chen et al. 2016), sized like ganlab's cGAN so it learns MNIST in minutes on a CPU.

    G: [z (62), one-hot category (10), continuous codes (2) in [-1, 1]] → Dense 7·7·128 → ConvT 64
    → ConvT 1 (tanh). D: Conv 64 → Conv 128 + BN → Flatten, then two heads on the same features:
    the real/fake logit, and Q: Dense 128 + BN → category logits and continuous-code means.

    The mutual-information term L_I = CE(category, Q_cat) + cont_weight · ½‖c_cont − Q_cont‖²
    (a Gaussian log-likelihood with unit variance) is added, times ``mi_weight``, to both
    objectives: D's body and Q, and G, all minimise it (the paper's min_{G,Q} max_D V − λ L_I).
    No labels are used: which category becomes which digit is found after training.
    """

    name = "infogan"
    summary = "InfoGAN: unsupervised codes (category, 2 continuous) that come to mean digit, angle, thickness"
    default_latent_dim = 62
    default_lr = (1e-3, 2e-4)  # the paper's MNIST settings: G 1e-3, D 2e-4
    # hidden: 0 = the small body above; 1024 = the paper's extra fully connected layer in G (before the
    # 7×7 map) and in D's shared body (before the real/fake and Q heads)
    default_options = {"categories": 10, "continuous": 2, "mi_weight": 1.0, "cont_weight": 1.0,
                       "width": 1.0, "hidden": 0}
    playable = False  # the Playground's InfoGAN panel shows its codes instead
    quality_key = "infogan"  # ganlab.evaluate.infogan: category→digit accuracy, what each code does

    @classmethod
    def quality_line(cls, quality: dict[str, Any] | None) -> str | None:
        """How often its category codes match the digits, by an independent classifier."""
        acc = cls.own_quality(quality).get("accuracy")
        return None if acc is None else f"its 10 category codes match 10 digits for {100 * acc:.1f}% of samples"

    @property
    def categories(self) -> int:
        """Number of values of the categorical code."""
        return int(self.options["categories"])

    @property
    def continuous(self) -> int:
        """Number of continuous codes."""
        return int(self.options["continuous"])

    def build_generator(self) -> keras.Model:
        dt, s = self.hidden_dtype(), self.spec
        z = keras.Input((s.latent_dim,), name="z")
        c_cat = keras.Input((self.categories,), name="c_cat")  # one-hot
        c_cont = keras.Input((self.continuous,), name="c_cont")
        h = layers.Concatenate(dtype=dt)([z, c_cat, c_cont])
        h = self._hidden_layer(h, dt)
        out = upsampling_generator_body(h, s.data_shape, int(128 * self.options["width"]), dt)
        return model([z, c_cat, c_cont], out, "generator")

    def build_discriminator(self) -> keras.Model:
        dt, s = self.hidden_dtype(), self.spec
        w = float(self.options["width"])
        x = keras.Input(s.data_shape, name="x")
        h = layers.Conv2D(int(64 * w), 5, strides=2, padding="same", dtype=dt)(x)
        h = layers.LeakyReLU(0.2, dtype=dt)(h)
        h = layers.Conv2D(int(128 * w), 5, strides=2, padding="same", dtype=dt)(h)
        h = layers.BatchNormalization(dtype=dt)(h)
        h = layers.LeakyReLU(0.2, dtype=dt)(h)
        if s.data_shape[0] > 32:
            h = layers.Conv2D(int(256 * w), 5, strides=2, padding="same", dtype=dt)(h)
            h = layers.BatchNormalization(dtype=dt)(h)
            h = layers.LeakyReLU(0.2, dtype=dt)(h)
        h = layers.Flatten(dtype=dt)(h)
        h = self._hidden_layer(h, dt)
        logit = layers.Dense(1, dtype="float32", name="logit")(h)
        q = layers.Dense(int(128 * w), dtype=dt)(h)
        q = layers.BatchNormalization(dtype=dt)(q)
        q = layers.LeakyReLU(0.2, dtype=dt)(q)
        q_cat = layers.Dense(self.categories, dtype="float32", name="q_cat")(q)
        q_cont = layers.Dense(self.continuous, dtype="float32", name="q_cont")(q)
        return model(x, [logit, q_cat, q_cont], "discriminator")

    def _hidden_layer(self, h, dt: str):
        """The paper's Dense 1024 + BN + LeakyReLU when ``hidden`` is set, else ``h`` unchanged."""
        units = int(self.options["hidden"])
        if not units:
            return h
        h = layers.Dense(units, use_bias=False, dtype=dt)(h)
        h = layers.BatchNormalization(dtype=dt)(h)
        return layers.LeakyReLU(0.2, dtype=dt)(h)

    # -- sampling ------------------------------------------------------------------------
    def sample_latent(self, batch_size: int, batch: dict | None = None) -> dict:
        """Noise, a uniform random category (int) and continuous codes uniform in [-1, 1]."""
        latent = super().sample_latent(batch_size, batch)
        latent["c_cat"] = keras.random.randint((batch_size,), 0, self.categories,
                                               seed=self.seed_generator)
        latent["c_cont"] = keras.random.uniform((batch_size, self.continuous), -1.0, 1.0,
                                                seed=self.seed_generator)
        return latent

    def latent_for(self, z, labels=None, seed: int = 0) -> dict:
        """Noise plus the categorical code: ``labels`` pick it (random from ``seed`` when None);
        the continuous codes stay 0."""
        return {"z": z, "c_cat": checked_codes(labels, self.categories, len(z), seed, "categories")}

    def generator_inputs(self, latent: dict) -> list:
        """[z, one-hot category, continuous codes].

        ``c_cat`` may be ints (B,) or one-hot (B, K). Missing codes get defaults, so latents made
        for plain GANs ({"z": ...}) still work: category = row index mod K, continuous codes = 0.
        """
        z = ops.convert_to_tensor(latent["z"])
        n = ops.shape(z)[0]
        c_cat = latent.get("c_cat")
        if c_cat is None:
            c_cat = ops.mod(ops.arange(n), self.categories)
        if len(c_cat.shape) == 1:
            c_cat = ops.one_hot(ops.cast(c_cat, "int32"), self.categories)
        c_cont = latent.get("c_cont")
        if c_cont is None:
            c_cont = ops.zeros((n, self.continuous), "float32")
        return [z, ops.cast(c_cat, "float32"), ops.cast(c_cont, "float32")]

    # -- objectives ----------------------------------------------------------------------
    def discriminate(self, x, condition: dict, training: bool = True):
        """The real/fake logit only (Q's outputs are read by the objectives)."""
        return self.discriminator(x, training=training)[0]

    def mutual_information_loss(self, latent: dict, q_cat, q_cont) -> tuple:
        """(weighted L_I, categorical part, continuous part, Q's category accuracy) on fakes."""
        c_cat = latent["c_cat"]
        if len(c_cat.shape) == 2:
            c_cat = ops.argmax(c_cat, axis=-1)
        c_cat = ops.cast(c_cat, "int32")
        cat = ops.mean(ops.sparse_categorical_crossentropy(c_cat, q_cat, from_logits=True))
        cont = ops.mean(ops.sum(0.5 * ops.square(ops.cast(latent["c_cont"], "float32") - q_cont),
                                axis=-1))
        acc = ops.mean(ops.cast(ops.equal(ops.cast(ops.argmax(q_cat, axis=-1), "int32"), c_cat),
                                "float32"))
        total = float(self.options["mi_weight"]) * (cat + float(self.options["cont_weight"]) * cont)
        return total, cat, cont, acc

    def discriminator_objective(self, batch: dict, fake, latent: dict):
        """GAN loss for D, plus L_I on the fakes (trains D's body and the Q head)."""
        real_out = self.discriminate(batch["x"], batch, training=True)
        fake_out, q_cat, q_cont = self.discriminator(fake, training=True)
        mi, _, _, _ = self.mutual_information_loss(latent, q_cat, q_cont)
        loss = self.loss.discriminator(real_out, fake_out) + mi
        return loss, {"d_real": self.loss.scores(real_out), "d_fake": self.loss.scores(fake_out)}

    def generator_objective(self, batch: dict, fake, latent: dict):
        """GAN loss for G, plus L_I: G must draw its codes so that Q can read them back."""
        fake_out, q_cat, q_cont = self.discriminator(fake, training=True)
        mi, cat, cont, acc = self.mutual_information_loss(latent, q_cat, q_cont)
        loss = self.loss.generator(fake_out) + mi
        return loss, {"mi": mi, "mi_cat": cat, "mi_cont": cont, "q_cat_acc": acc}

    @property
    def metric_names(self) -> tuple[str, ...]:
        return ("d_real", "d_fake", "mi", "mi_cat", "mi_cont", "q_cat_acc")
