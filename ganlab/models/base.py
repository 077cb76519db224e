"""What every GAN in ganlab offers: its two networks, how to sample latents, and its objectives.

The training step (``ganlab.train.steps``) only calls the hooks below, so a new model (InfoGAN's Q
head, pix2pix's paired input) changes its own file, not the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import keras
import numpy as np
from keras import ops

from ganlab.losses import LossPair, get_loss


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
    conditional: ClassVar[bool] = False
    default_loss: ClassVar[str] = "non_saturating"
    losses: ClassVar[tuple[str, ...]] = ("minimax", "non_saturating", "least_squares", "hinge")
    data_kinds: ClassVar[tuple[str, ...]] = ("image",)
    default_latent_dim: ClassVar[int] = 64
    default_k: ClassVar[int] = 1
    default_lr: ClassVar[tuple[float, float]] = (2e-4, 2e-4)  # (generator, discriminator)
    default_betas: ClassVar[tuple[float, float]] = (0.5, 0.999)
    default_options: ClassVar[dict[str, Any]] = {}

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

    def generator_extra_variables(self) -> list:
        """Variables outside the generator trained by the G objective (InfoGAN's Q head)."""
        return []

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Per-step metrics this model reports besides d_loss and g_loss."""
        return ("d_real", "d_fake")

    def example_inputs(self, count: int, seed: int = 0) -> dict[str, np.ndarray]:
        """Seeded random generator inputs of the right kind for ``count`` samples (a latent dict)."""
        z = np.random.default_rng(seed).standard_normal((count, self.spec.latent_dim))
        return {"z": z.astype(np.float32)}
