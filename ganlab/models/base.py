"""What every GAN in ganlab offers: its two networks, how to sample latents, and its objectives.

The training step (``ganlab.train.steps``) only calls the hooks below, so a new model (InfoGAN's Q
head, pix2pix's paired input) changes its own file, not the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import keras
import numpy as np
from keras import ops

from ganlab.images import grid
from ganlab.losses import LossPair, get_loss

if TYPE_CHECKING:  # type hints only: the data layer does not depend on models
    from ganlab.data import Dataset


def checked_codes(codes: np.ndarray | None, n: int, count: int, seed: int, what: str) -> np.ndarray:
    """Class labels or categorical codes as int32, each in [0, n); random from the seed when None."""
    if codes is None:
        codes = np.random.default_rng(seed + 1).integers(0, n, count)
    codes = np.asarray(codes, np.int32)
    if codes.min() < 0 or codes.max() >= n:
        raise ValueError(f"{what} must be between 0 and {n - 1}; got {sorted(set(codes.tolist()))}")
    return codes


@dataclass(frozen=True)
class ModelSpec:
    """Everything a model builder needs to know; stored in the checkpoint card."""

    data_shape: tuple[int, ...]
    latent_dim: int
    num_classes: int = 0
    precision: str = "float32"  # a Keras dtype policy name, e.g. "mixed_bfloat16"
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def is_image(self) -> bool:
        """True for (H, W, C) images, False for flat vectors such as 2D points."""
        return len(self.data_shape) == 3


class GAN:
    """A generator/discriminator pair and its objectives, written with keras.ops."""

    name: ClassVar[str] = "base"
    summary: ClassVar[str] = ""
    conditional: ClassVar[bool] = False  # takes class labels (Dataset.y) as generator input
    paired: ClassVar[bool] = False  # translates an input image (Dataset.cond) into a target (Dataset.x)
    default_loss: ClassVar[str] = "non_saturating"
    losses: ClassVar[tuple[str, ...]] = ("minimax", "non_saturating", "least_squares", "hinge")
    data_kinds: ClassVar[tuple[str, ...]] = ("image",)
    default_latent_dim: ClassVar[int] = 64
    default_k: ClassVar[int] = 1
    default_lr: ClassVar[tuple[float, float]] = (2e-4, 2e-4)  # (generator, discriminator)
    default_betas: ClassVar[tuple[float, float]] = (0.5, 0.999)
    default_batch_size: ClassVar[int] = 64
    default_options: ClassVar[dict[str, Any]] = {}
    # -- what the layers above need to know (so that no one outside models/ compares model names) --
    playable: ClassVar[bool] = True  # the Playground's seed, truncation and z sliders drive it
    # What the generator draws from: "latent" (noise, plus classes or codes), "sketch" (an input image
    # it translates), "low_res" (images it upscales 4×) or "text" (a typed sentence; noise and classes
    # too, the classes read as one-word sentences).
    generates_from: ClassVar[str] = "latent"
    quality_key: ClassVar[str | None] = None  # where card["quality"] keeps this model's own measure

    def __init__(self, spec: ModelSpec, loss: str | None = None, seed: int = 0):
        kind = "image" if spec.is_image else "points"
        if kind not in self.data_kinds:
            raise ValueError(f"Model {self.name!r} needs {' or '.join(self.data_kinds)} data, "
                             f"not {kind} of shape {spec.data_shape}.")
        if self.conditional and spec.num_classes < 2:
            raise ValueError(f"Model {self.name!r} is conditional: it needs a dataset with class "
                             "labels (e.g. mnist, fashion, or a folder with one subfolder per class).")
        self.spec = spec
        self.options = {**self.default_options, **spec.options}
        self.loss: LossPair = get_loss(loss or self.default_loss)
        if self.loss.name not in self.losses:
            hint = " It needs a Lipschitz critic: use --model wgan_gp." if self.loss.name == "wasserstein" else ""
            raise ValueError(f"Loss {self.loss.name!r} does not fit model {self.name!r} "
                             f"(choose {', '.join(self.losses)}).{hint}")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.generator = self.build_generator()
        self.discriminator = self.build_discriminator()

    @classmethod
    def latent_dim_for(cls, is_image: bool) -> int:
        """Default latent size for image or point data."""
        return cls.default_latent_dim

    @classmethod
    def defaults(cls, is_image: bool) -> dict[str, Any]:
        """This model's training defaults, declared once (TrainConfig.resolve fills them in)."""
        return {"loss": cls.default_loss, "batch_size": cls.default_batch_size,
                "lr_g": cls.default_lr[0], "lr_d": cls.default_lr[1],
                "beta1": cls.default_betas[0], "beta2": cls.default_betas[1],
                "k": cls.default_k, "latent_dim": cls.latent_dim_for(is_image)}

    @classmethod
    def class_names(cls, card: dict[str, Any]) -> list[str]:
        """Names of the classes a checkpoint of this model generates on request (empty if unconditional)."""
        if not cls.conditional:
            return []
        names = [str(n) for n in card.get("class_names") or []]
        n = int(card.get("num_classes") or 0)
        return names if len(names) == n else [str(i) for i in range(n)]

    @classmethod
    def class_choices(cls, card: dict[str, Any]) -> list[tuple[str, int]]:
        """(name, index) choices of a checkpoint's classes, for a class picker (empty if unconditional)."""
        return [(name, i) for i, name in enumerate(cls.class_names(card))]

    @classmethod
    def own_quality(cls, quality: dict[str, Any] | None) -> dict[str, Any]:
        """This model's own measure from a card's ``quality`` (empty when it has none or was not measured)."""
        return dict((quality or {}).get(cls.quality_key) or {}) if cls.quality_key else {}

    @classmethod
    def quality_line(cls, quality: dict[str, Any] | None) -> str | None:
        """The sentence a checkpoint card shows about this model's own measure; None when there is none."""
        return None

    @classmethod
    def prepare_data(cls, dataset: Dataset, options: dict[str, Any]) -> Dataset:
        """The data this model trains on, made from the loaded dataset (called once, before
        ``data_options``). Default: the dataset unchanged. A model that derives inputs (SRGAN's
        low-res images) returns a new Dataset: the given one may be shared, never modify it."""
        return dataset

    @classmethod
    def data_options(cls, dataset: Dataset, options: dict[str, Any]) -> dict[str, Any]:
        """Model options derived from the data (checked here; raise ValueError if it does not fit)."""
        return dict(options)

    # -- architecture --------------------------------------------------------------------
    def build_generator(self) -> keras.Model:
        """The generator network."""
        raise NotImplementedError

    def build_discriminator(self) -> keras.Model:
        """The discriminator (critic) network, returning raw scores (logits)."""
        raise NotImplementedError

    def hidden_dtype(self) -> str:
        """Dtype policy for hidden layers; output layers stay float32."""
        return self.spec.precision

    # -- sampling ------------------------------------------------------------------------
    def sample_latent(self, batch_size: int, batch: dict | None = None) -> dict[str, Any]:
        """Random generator inputs; conditional models take labels from ``batch``."""
        return {"z": keras.random.normal((batch_size, self.spec.latent_dim), seed=self.seed_generator)}

    def latent_for(self, z: np.ndarray, labels: np.ndarray | None = None, seed: int = 0) -> dict[str, np.ndarray]:
        """Generator inputs for noise ``z`` (N, D) and optional ``labels``: classes for conditional
        models (random from ``seed`` when None); other models take none."""
        if self.conditional:
            return {"z": z, "label": checked_codes(labels, self.spec.num_classes, len(z), seed, "labels")}
        if labels is not None:
            raise ValueError(f"model {self.name!r} is not conditional: it takes no labels")
        return {"z": z}

    def generator_inputs(self, latent: dict[str, Any]) -> Any:
        """Map a latent dict to the generator's call inputs."""
        return latent["z"]

    def generate(self, latent: dict[str, Any], training: bool = False) -> Any:
        """Generated examples (float32) for a latent dict."""
        return ops.cast(self.generator(self.generator_inputs(latent), training=training), "float32")

    def discriminate(self, x: Any, condition: dict[str, Any], training: bool = True) -> Any:
        """Raw discriminator scores for examples ``x`` under ``condition`` (labels, ...)."""
        return self.discriminator(x, training=training)

    # -- objectives ----------------------------------------------------------------------
    def real_condition(self, batch: dict) -> dict:
        """What the discriminator sees beside a real example (labels for cGAN)."""
        return batch

    def fake_condition(self, latent: dict) -> dict:
        """What the discriminator sees beside a generated example."""
        return latent

    def discriminator_objective(self, batch: dict, fake: Any, latent: dict) -> tuple[Any, dict]:
        """D loss and metrics on one real batch and one fake batch."""
        real_out = self.discriminate(batch["x"], self.real_condition(batch), training=True)
        fake_out = self.discriminate(fake, self.fake_condition(latent), training=True)
        loss = self.loss.discriminator(real_out, fake_out)
        metrics = {"d_real": self.loss.scores(real_out), "d_fake": self.loss.scores(fake_out)}
        return loss, metrics

    def generator_objective(self, batch: dict, fake: Any, latent: dict) -> tuple[Any, dict]:
        """G loss and metrics for a fake batch (gradient flows back through ``fake``)."""
        fake_out = self.discriminate(fake, self.fake_condition(latent), training=True)
        return self.loss.generator(fake_out), {}

    # -- the live preview ----------------------------------------------------------------
    def preview_inputs(self, dataset: Dataset, seed: int, per_class: int = 6,
                       count: int = 36) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """A fixed batch of generator inputs for the live sample grid, and what the grid shows beside
        the outputs. One row per class for conditional models; 512 points for 2D data (the GAN-Lab
        view); paired models: 8 held-out inputs, with their targets shown. Small on purpose: the
        Train tab draws it twice a second."""
        if self.paired:  # fixed held-out inputs (training ones if the data has none) and their targets
            held = dataset.meta.get("test_cond")
            use_test = held is not None and len(held)
            cond = held if use_test else dataset.cond
            targets = dataset.meta["test_x"] if use_test else dataset.x
            return ({"cond": np.asarray(cond[:8], np.float32)}, {"target": np.asarray(targets[:8], np.float32)})
        rng = np.random.default_rng(seed + 12345)
        dim = self.spec.latent_dim
        if self.conditional:
            n_cls = self.spec.num_classes
            z = rng.standard_normal((per_class, dim)).astype(np.float32)
            return {"z": np.tile(z, (n_cls, 1)),
                    "label": np.repeat(np.arange(n_cls, dtype=np.int32), per_class)}, {}
        n = count if self.spec.is_image else 512
        return {"z": rng.standard_normal((n, dim)).astype(np.float32)}, {}

    def preview(self, samples: np.ndarray, latent: dict[str, np.ndarray], shown: dict[str, np.ndarray],
                cols: int | None = None) -> np.ndarray:
        """The sample grid as uint8 (one row per class for conditional models, else a square)."""
        if cols is None:
            per_row = len(samples) // self.spec.num_classes if self.conditional and self.spec.num_classes else 0
            cols = per_row or int(np.ceil(np.sqrt(len(samples))))
        return grid(samples, cols=cols)

    # -- models whose discriminator is also a classifier (SGAN) -----------------------------
    @property
    def class_heads(self) -> tuple[str, ...]:
        """Names of the classifiers this model carries (none for most GANs)."""
        return ()

    def class_probabilities(self, x: Any, head: str = "classifier") -> Any:
        """Class probabilities for examples ``x`` from one of ``class_heads``; none here."""
        raise ValueError(f"Model {self.name!r} has no classifier: it cannot classify images.")

    def held_out_scores(self, dataset: Dataset, limit: int | None = None) -> dict[str, float]:
        """Numbers measured on the dataset's held-out examples while training (SGAN: test accuracy of
        its classifier and of its labels-only baseline); none for most models."""
        return {}

    def generator_extra_variables(self) -> list:
        """Variables outside the generator trained by the G objective (InfoGAN's Q head)."""
        return []

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Per-step metrics this model reports besides d_loss and g_loss (the grouped engine's outputs)."""
        return ("d_real", "d_fake")

    def example_inputs(self, count: int, seed: int = 0) -> dict[str, np.ndarray]:
        """Seeded random generator inputs of the right kind for ``count`` samples (a latent dict):
        noise, plus random labels or codes where the model takes them (see ``latent_for``)."""
        z = np.random.default_rng(seed).standard_normal((count, self.spec.latent_dim)).astype(np.float32)
        return self.latent_for(z, None, seed)
