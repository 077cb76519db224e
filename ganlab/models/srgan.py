"""SRGAN (Ledig et al. 2017): 4× super-resolution, an SRResNet generator judged by a discriminator.

The pairs are made from any colour image set by :meth:`SRGAN.prepare_data`: the low-res input is
the high-res image shrunk by 4 with PIL's BICUBIC filter (fixed, see :func:`bicubic_down`).

Content loss: pixel MSE (the paper's SRResNet loss). The paper's SRGAN uses a VGG-19 feature loss,
but ImageNet VGG weights are not available offline, and a feature network trained here on ~1,450
emojis would be a weak, unvalidated stand-in; MSE is the honest, documented choice. The
adversarial term (``adversarial_weight``, 1e-3 as in the paper) is a non-saturating GAN loss on
every patch of a PatchGAN, so the Upscale tab can show a per-patch realness overlay.
``--option adversarial_weight=0`` trains the SRResNet baseline the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import keras
import numpy as np
from keras import layers, ops

from ganlab.images import grid
from ganlab.models.base import GAN
from ganlab.models.layers import model

if TYPE_CHECKING:
    from ganlab.data import Dataset

SCALE = 4  # two ×2 sub-pixel stages


@keras.saving.register_keras_serializable(package="ganlab")
class PixelShuffle(layers.Layer):
    """Sub-pixel upsampling (Shi et al. 2016): (H, W, C·r²) → (H·r, W·r, C), no Lambda layer."""

    def __init__(self, factor: int = 2, **kwargs: Any):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def call(self, x: Any) -> Any:
        """Rearrange channel blocks into r×r spatial blocks (keras.ops, any backend)."""
        return ops.depth_to_space(x, self.factor, data_format="channels_last")

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """(B, H·r, W·r, C / r²); unknown sizes stay unknown."""
        b, h, w, c = input_shape
        r = self.factor
        return (b, None if h is None else h * r, None if w is None else w * r, c // (r * r))

    def get_config(self) -> dict[str, Any]:
        """Serialisable config (the factor)."""
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="ganlab")
class StraightThroughClip(layers.Layer):
    """Clip to [-1, 1] in the forward pass; the gradient passes as if there were no clip."""

    def call(self, x: Any) -> Any:
        """x + stop_gradient(clip(x) - x)."""
        return x + ops.stop_gradient(ops.clip(x, -1.0, 1.0) - x)


def bicubic_down(images: np.ndarray, factor: int = SCALE) -> np.ndarray:
    """The fixed degradation: uint8 (N, H, W, 3) images shrunk by ``factor`` with PIL BICUBIC."""
    from PIL import Image

    n, h, w = images.shape[:3]
    if h % factor or w % factor:
        raise ValueError(f"Image size {h}×{w} must be divisible by {factor} for {factor}× super-resolution.")
    size = (w // factor, h // factor)
    return np.stack([np.asarray(Image.fromarray(im).resize(size, Image.Resampling.BICUBIC))
                     for im in images]) if n else np.zeros((0, h // factor, w // factor, 3), np.uint8)


def tiles(x: np.ndarray, size: int) -> np.ndarray:
    """Non-overlapping size×size tiles of images (N, H, W, C) (a new array; edges that do not fit are dropped)."""
    n, h, w, c = x.shape
    if size >= min(h, w):
        return x
    ny, nx = h // size, w // size
    t = x[:, : ny * size, : nx * size].reshape(n, ny, size, nx, size, c)
    return np.ascontiguousarray(t.transpose(0, 1, 3, 2, 4, 5).reshape(n * ny * nx, size, size, c))


def make_low_res(x: np.ndarray) -> np.ndarray:
    """Low-res inputs in [-1, 1] for high-res images ``x`` in [-1, 1] (N, H, W, 3)."""
    from ganlab.images import to_uint8

    return bicubic_down(to_uint8(x)).astype(np.float32) / 127.5 - 1.0


class SRGAN(GAN):
    """SRGAN sized for a 2-core CPU: 32² → 128² emojis (the paper: 96² crops of ImageNet photos).

    G (SRResNet): conv 9×9 (f=32) + PReLU; ``blocks`` residual blocks conv3-PReLU-conv3 + skip
    (no BatchNorm by default, as in EDSR: it costs time and makes a short run's inference differ
    from training); conv3 + long skip; two [conv3 → 4f → PixelShuffle(2) → PReLU] stages; conv
    9×9 → 3. ``global_skip`` adds a bicubic upsampling of the input to the output (the net learns
    the residual), which gets a short CPU run past bicubic quality within a few hundred steps;
    its output is then not a tanh but a straight-through clip to [-1, 1] (forward clipped, gradient
    as if linear: a tanh would pull the white background, at 1, away from the bicubic start).
    The generator is fully convolutional: any input size works (the app caps it).
    D: PatchGAN on the high-res image only (as in the paper, D never sees the low-res input):
    C32 s2 → C64 s2 → C128 s2 → C128 s1 → 1 logit per patch, a 16×16 map at 128².
    """

    name = "srgan"
    summary = "SRGAN: 4× super-resolution; an SRResNet generator, a PatchGAN judges the sharpness"
    conditional = False
    paired = True  # trains on Dataset.cond (low-res) → Dataset.x (high-res)
    default_loss = "non_saturating"
    default_latent_dim = 1  # unused: the low-res image is the only generator input
    default_lr = (1e-4, 1e-4)
    default_betas = (0.9, 0.999)
    default_batch_size = 16
    default_options = {"ngf": 32, "ndf": 32, "blocks": 6, "batch_norm": False, "global_skip": True,
                       "content_weight": 1.0, "adversarial_weight": 1e-3,
                       "out_kernel": 3, "crop": 64}
    playable = False  # no z: the Upscale tab feeds it
    generates_from = "low_res"
    quality_key = "superres"  # ganlab.evaluate.superres: held-out PSNR, SSIM, sharpness beside bicubic

    @classmethod
    def prepare_data(cls, dataset: Dataset, options: dict[str, Any]) -> Dataset:
        """A new Dataset of (low-res, high-res) pairs: ``x`` = high-res training crops, ``cond`` = their
        BICUBIC ÷4; the held-out ``test_x`` stays whole images, with ``test_cond`` made the same way.

        ``crop`` (option) is the high-res training crop side: whole images are cut into
        non-overlapping crop×crop tiles (4 per 128² emoji: 4× cheaper steps, same pixels). A folder
        of photos (``--dataset FOLDER``) is re-read at full resolution as random crops (see
        :func:`ganlab.data.folders.random_crops`). The given dataset may be shared between sessions:
        its arrays are never written.
        """
        from dataclasses import replace

        from ganlab.data.folders import random_crops

        crop = int(options.get("crop", cls.default_options["crop"]))
        if crop and crop % SCALE:
            raise ValueError(f"crop must be a multiple of {SCALE}; got {crop}.")
        if dataset.kind != "image" or dataset.x.ndim != 4 or dataset.x.shape[-1] != 3:
            raise ValueError(f"Model {cls.name!r} needs colour images (H, W, 3), e.g. --dataset openmoji "
                             f"or a folder of photos; got {dataset.name!r} with examples of shape {dataset.shape}.")
        if "path" in dataset.meta and not dataset.meta.get("paired"):  # a folder of photos
            dataset = random_crops(dataset.meta["path"], crop or dataset.x.shape[1],
                                   int(options.get("crops_per_image", 8)), seed=0)
            x = dataset.x
        else:
            x = tiles(dataset.x, crop) if crop else dataset.x
        meta = dict(dataset.meta)
        if "test_x" in meta and len(meta["test_x"]) and np.asarray(meta["test_x"]).shape[-1] == 3:
            meta["test_cond"] = make_low_res(meta["test_x"])
        else:
            meta.pop("test_cond", None)
            meta.pop("test_x", None)
        meta.update(paired=True, input=f"high-res image shrunk {SCALE}× (PIL BICUBIC)",
                    target="the high-res image", train_crop=int(x.shape[1]))
        return replace(dataset, x=x, cond=make_low_res(x), y=None, class_names=(), meta=meta)

    @classmethod
    def data_options(cls, dataset: Dataset, options: dict[str, Any]) -> dict[str, Any]:
        """Needs the low-res inputs made by :meth:`prepare_data`."""
        if dataset.cond is None or dataset.cond.shape[1] * SCALE != dataset.x.shape[1]:
            raise ValueError(f"Model {cls.name!r} needs (low-res, high-res) pairs: train it with "
                             "--dataset openmoji or a folder of photos.")
        return dict(options)

    # -- architecture --------------------------------------------------------------------
    @property
    def input_shape(self) -> tuple[int | None, int | None, int]:
        """The generator takes any (H, W, 3) low-res image; training uses (H/4, W/4, 3)."""
        return (None, None, 3)

    def _conv(self, x, filters: int, kernel: int = 3, dtype: str | None = None):
        return layers.Conv2D(filters, kernel, padding="same", dtype=dtype or self.hidden_dtype())(x)

    def _prelu(self, x):
        return layers.PReLU(shared_axes=[1, 2], dtype=self.hidden_dtype())(x)

    def _bn(self, x):
        return layers.BatchNormalization(dtype=self.hidden_dtype())(x) if self.options["batch_norm"] else x

    def build_generator(self) -> keras.Model:
        dt, o = self.hidden_dtype(), self.options
        f = int(o["ngf"])
        inp = keras.Input(self.input_shape, name="low_res")
        x = first = self._prelu(self._conv(inp, f, 9))
        for _ in range(int(o["blocks"])):
            y = self._prelu(self._bn(self._conv(x, f)))
            y = self._bn(self._conv(y, f))
            x = layers.Add(dtype=dt)([x, y])
        x = layers.Add(dtype=dt)([first, self._bn(self._conv(x, f))])
        for _ in range(2):
            x = self._prelu(PixelShuffle(2, dtype=dt)(self._conv(x, 4 * f)))
        if o["global_skip"]:
            out = self._conv(x, 3, int(o["out_kernel"]), dtype="float32")
            up = layers.UpSampling2D(SCALE, interpolation="bicubic", dtype="float32")(inp)
            out = layers.Add(dtype="float32")([up, out])
            out = StraightThroughClip(dtype="float32")(out)  # data range; gradient as if linear
        else:
            out = layers.Conv2D(3, int(o["out_kernel"]), padding="same", activation="tanh", dtype="float32")(x)
        return model(inp, out, "generator")

    def build_discriminator(self) -> keras.Model:
        dt, ndf = self.hidden_dtype(), int(self.options["ndf"])
        inp = keras.Input((None, None, 3), name="image")
        x = inp
        for i, (mult, stride) in enumerate(((1, 2), (2, 2), (4, 2), (4, 1))):
            x = layers.Conv2D(mult * ndf, 4, strides=stride, padding="same", use_bias=i == 0, dtype=dt)(x)
            if i:
                x = layers.BatchNormalization(dtype=dt)(x)
            x = layers.LeakyReLU(0.2, dtype=dt)(x)
        out = layers.Conv2D(1, 3, padding="same", dtype="float32")(x)
        return model(inp, out, "discriminator")

    # -- sampling ------------------------------------------------------------------------
    def sample_latent(self, batch_size: int, batch: dict | None = None) -> dict:
        """The generator's only input is the low-res image: the batch's ``cond``."""
        if batch is None or "cond" not in batch:
            raise ValueError("srgan needs (low-res, high-res) pairs: use --dataset openmoji or a folder of photos.")
        return {"cond": batch["cond"]}

    def example_inputs(self, count: int, seed: int = 0) -> dict[str, np.ndarray]:
        """No noise: seeded random low-res images (H/4, W/4, 3) in the training range [-1, 1]."""
        h, w, _ = self.spec.data_shape
        rng = np.random.default_rng(seed)
        return {"cond": rng.uniform(-1, 1, (count, h // SCALE, w // SCALE, 3)).astype(np.float32)}

    def generator_inputs(self, latent: dict):
        return latent["cond"]

    def discriminate(self, x, condition: dict, training: bool = True):
        return self.discriminator(x, training=training)

    # -- the live preview ----------------------------------------------------------------
    def preview(self, samples: np.ndarray, latent: dict[str, np.ndarray], shown: dict[str, np.ndarray],
                cols: int | None = None) -> np.ndarray:
        """Three rows: the low-res inputs (nearest ×4), the true images, G's outputs."""
        inputs = np.repeat(np.repeat(latent["cond"], SCALE, 1), SCALE, 2)
        return grid(np.concatenate([inputs, shown["target"], samples]), cols=len(samples))

    # -- objectives ----------------------------------------------------------------------
    def generator_objective(self, batch: dict, fake, latent: dict):
        """content_weight · pixel MSE + adversarial_weight · GAN loss on every patch."""
        o = self.options
        mse = ops.mean(ops.square(ops.cast(fake, "float32") - ops.cast(batch["x"], "float32")))
        adv_w = float(o["adversarial_weight"])
        fake_out = self.discriminate(fake, latent, training=True)
        g_adv = self.loss.generator(fake_out)
        loss = float(o["content_weight"]) * mse + adv_w * g_adv
        return loss, {"mse": mse, "g_adv": g_adv}

    @property
    def metric_names(self) -> tuple[str, ...]:
        return ("d_real", "d_fake", "mse", "g_adv")
