"""pix2pix (Isola et al. 2017): a U-Net turns an input image (a sketch) into a target image.

The discriminator is a PatchGAN: it sees the (input, output) pair and answers "real pair or
fake pair?" once per overlapping patch, so it judges local texture and colour while the
λ·L1 term (λ = 100) keeps the output close to the true target at low frequencies.
Setting ``adversarial_weight=0`` trains the same U-Net on L1 alone (the baseline).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import keras
import numpy as np
from keras import layers, ops

from ganlab.images import grid
from ganlab.models.base import GAN

if TYPE_CHECKING:
    from ganlab.data import Dataset
from ganlab.models.layers import model


def _down(x, filters: int, dtype: str, norm: bool = True):
    """4×4 stride-2 Conv → BatchNorm → LeakyReLU(0.2): halves the size (the paper's C_k)."""
    x = layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=not norm, dtype=dtype)(x)
    if norm:
        x = layers.BatchNormalization(dtype=dtype)(x)
    return layers.LeakyReLU(0.2, dtype=dtype)(x)


def _up(x, skip, filters: int, dtype: str, dropout: float = 0.0):
    """4×4 stride-2 ConvTranspose → BatchNorm (→ Dropout) → ReLU, then concat the skip."""
    x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False, dtype=dtype)(x)
    x = layers.BatchNormalization(dtype=dtype)(x)
    if dropout:
        x = layers.Dropout(dropout, dtype=dtype)(x)
    x = layers.ReLU(dtype=dtype)(x)
    return layers.Concatenate(dtype=dtype)([x, skip])


def unet_filters(size: int, base: int, cap: int, depth: int) -> list[int]:
    """Encoder widths: base, 2·base, 4·base, ... capped, ``depth`` levels (size must divide 2^depth)."""
    if size % (2**depth):
        raise ValueError(f"Image size {size} must be divisible by 2^{depth} = {2**depth} for the U-Net "
                         f"(use 64, 128 or 256, or --option depth=N with a smaller N).")
    return [min(base * 2**i, cap) for i in range(depth)]


class Pix2Pix(GAN):
    """pix2pix sized for a 2-core CPU at 128×128 (the paper: 256², 64 base filters, 8 levels).

    G: U-Net, 6 stride-2 levels 128→2 with widths 32-64-128-128-128-128 (capped at 128), no norm
    on the first and innermost levels, mirrored ConvTranspose decoder with skip connections,
    dropout 0.5 in the two innermost decoder blocks while training, tanh RGB output.
    D: PatchGAN on concat(input, image): C32 s2 → C64 s2 → C128 s1 → 1 logit per patch, a 32×32
    map of 34×34-pixel receptive fields at 128² (the paper's 70×70 at 256², scaled).
    Loss: non-saturating GAN on every patch + λ·L1(G(x), y), λ = 100.
    """

    name = "pix2pix"
    summary = "pix2pix: U-Net turns a sketch into an image; PatchGAN judges (sketch, image) pairs"
    conditional = False  # conditioned on a paired image, not on class labels
    paired = True  # trains on Dataset.cond → Dataset.x pairs
    default_loss = "non_saturating"
    default_latent_dim = 1  # unused: the input image is the only generator input
    default_lr = (2e-4, 2e-4)
    default_betas = (0.5, 0.999)
    default_options = {"ngf": 32, "ndf": 32, "cap": 128, "depth": 6, "dropout": 0.5,
                       "l1_weight": 100.0, "adversarial_weight": 1.0, "in_channels": 1}
    playable = False  # no z: the Sketch tab feeds it
    generates_from = "sketch"
    quality_key = "pix2pix"  # ganlab.evaluate.pix2pix: held-out L1, colourfulness, sharpness

    @classmethod
    def data_options(cls, dataset: Dataset, options: dict[str, Any]) -> dict[str, Any]:
        """Needs paired data; the input channels come from it unless given."""
        if dataset.cond is None:
            raise ValueError(f"Model {cls.name!r} needs paired data (input → target images): use "
                             "--dataset openmoji or a folder of side-by-side A|B images.")
        return {"in_channels": int(dataset.cond.shape[-1]), **options}

    # -- architecture --------------------------------------------------------------------
    @property
    def input_shape(self) -> tuple[int, int, int]:
        """Shape of one generator input (the sketch): (H, W, in_channels)."""
        h, w, _ = self.spec.data_shape
        return (h, w, int(self.options["in_channels"]))

    def build_generator(self) -> keras.Model:
        dt, o = self.hidden_dtype(), self.options
        h, w, channels = self.spec.data_shape
        filters = unet_filters(min(h, w), int(o["ngf"]), int(o["cap"]), int(o["depth"]))
        inp = keras.Input(self.input_shape, name="sketch")
        x, skips = inp, []
        for i, f in enumerate(filters):
            x = _down(x, f, dt, norm=0 < i < len(filters) - 1)
            skips.append(x)
        skips = skips[:-1][::-1]  # deepest first, innermost activation is x itself
        for i, (f, skip) in enumerate(zip(filters[:-1][::-1], skips)):
            x = _up(x, skip, f, dt, dropout=float(o["dropout"]) if i < 2 else 0.0)
        out = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", activation="tanh",
                                     dtype="float32")(x)
        return model(inp, out, "generator")

    def build_discriminator(self) -> keras.Model:
        dt, ndf = self.hidden_dtype(), int(self.options["ndf"])
        sketch = keras.Input(self.input_shape, name="sketch")
        image = keras.Input(self.spec.data_shape, name="image")
        x = layers.Concatenate(dtype=dt)([sketch, image])
        x = _down(x, ndf, dt, norm=False)
        x = _down(x, 2 * ndf, dt)
        x = layers.Conv2D(4 * ndf, 4, padding="same", use_bias=False, dtype=dt)(x)
        x = layers.BatchNormalization(dtype=dt)(x)
        x = layers.LeakyReLU(0.2, dtype=dt)(x)
        out = layers.Conv2D(1, 4, padding="same", dtype="float32")(x)
        return model([sketch, image], out, "discriminator")

    # -- sampling ------------------------------------------------------------------------
    def sample_latent(self, batch_size: int, batch: dict | None = None) -> dict:
        """The generator's only input is the paired image: the batch's ``cond``."""
        if batch is None or "cond" not in batch:
            raise ValueError("pix2pix needs paired data (sketch → image): use --dataset openmoji "
                             "or a folder of side-by-side A|B images.")
        return {"cond": batch["cond"]}

    def generator_inputs(self, latent: dict):
        return latent["cond"]

    def discriminate(self, x, condition: dict, training: bool = True):
        return self.discriminator([condition["cond"], x], training=training)

    # -- the live preview ----------------------------------------------------------------
    def preview(self, samples: np.ndarray, latent: dict[str, np.ndarray], shown: dict[str, np.ndarray],
                cols: int | None = None) -> np.ndarray:
        """Three rows: the inputs, their true images, G's outputs."""
        inputs = latent["cond"]
        if inputs.shape[-1] != samples.shape[-1]:
            inputs = np.repeat(inputs[..., :1], samples.shape[-1], axis=-1)
        return grid(np.concatenate([inputs, shown["target"], samples]), cols=len(samples))

    # -- objectives ----------------------------------------------------------------------
    def discriminator_objective(self, batch: dict, fake, latent: dict):
        """Per-patch real/fake loss on (sketch, real) and (sketch, G(sketch)), halved as in the paper."""
        loss, metrics = super().discriminator_objective(batch, fake, latent)
        return 0.5 * loss, metrics

    def generator_objective(self, batch: dict, fake, latent: dict):
        """adversarial_weight · GAN loss on every patch + l1_weight · mean |G(x) - y|."""
        fake_out = self.discriminate(fake, latent, training=True)
        g_adv = self.loss.generator(fake_out)
        l1 = ops.mean(ops.abs(ops.cast(fake, "float32") - ops.cast(batch["x"], "float32")))
        loss = float(self.options["adversarial_weight"]) * g_adv + float(self.options["l1_weight"]) * l1
        return loss, {"l1": l1, "g_adv": g_adv}

    @property
    def metric_names(self) -> tuple[str, ...]:
        return ("d_real", "d_fake", "l1", "g_adv")

    def example_inputs(self, count: int, seed: int = 0) -> dict[str, np.ndarray]:
        """No noise: seeded input images in the training range, white (1) with ~5 % dark (-1) pixels."""
        dark = np.random.default_rng(seed).random((count, *self.input_shape)) < 0.05
        return {"cond": np.where(dark, -1.0, 1.0).astype(np.float32)}
