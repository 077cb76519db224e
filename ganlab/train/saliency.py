"""What an image GAN's two players look at, for the Train tab's "why" panel (GAN Lab's gradient
arrows, for pictures):

- **G's push**: on a few fixed fakes, −∂ℓ_G/∂x per pixel (ℓ_G: one fake's term of G's adversarial loss,
  as ganlab.train.views.arrows) — where G's next update is told to add ink (positive) or remove it;
- **D's saliency**: |∂D/∂x| per pixel on a real and a fake image — which pixels D's verdict
  depends on most.

Both are one compiled call each, built once per session and run per refresh, never per step.
D is called in inference mode (no batch-norm statistics are updated by looking).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from keras import ops

from ganlab import backend

if TYPE_CHECKING:
    from ganlab.train.run import TrainingRun


@dataclass(frozen=True)
class ImageGradients:
    """The pictures behind the panel, as float32 arrays of the data's image shape (N, H, W, C)."""

    fakes: np.ndarray  # the fixed fakes G(z), in [-1, 1]
    push: np.ndarray  # −∂L_G/∂x on each fake (signed)
    real: np.ndarray  # one real image, and its saliency |∂D/∂x|
    real_saliency: np.ndarray
    fake_saliency: np.ndarray  # |∂D/∂x| on the first fake


class ImageGradientProbe:
    """Compiled input gradients of one session's G loss and D score (images from latent only)."""

    def __init__(self, run: TrainingRun, count: int = 4):
        gan = run.gan
        if not gan.spec.is_image:
            raise ValueError("gradient maps are for image GANs; 2D runs show arrows on the points instead")
        self.run, self.gan = run, gan
        latent = run.fixed_latent
        total = len(next(iter(latent.values())))
        self.rows = np.linspace(0, total - 1, min(count, total)).round().astype(int)  # spread over the classes
        self.latent = {k: np.asarray(v)[self.rows] for k, v in latent.items()}
        self.real = {k: np.asarray(v[:1]) for k, v in run.dataset.arrays().items()}  # one real example
        state = [*gan.generator.variables, *gan.discriminator.variables, *getattr(gan.loss, "variables", ())]
        self._push = backend.compile_step(self._push_fn, state)
        self._saliency = backend.compile_step(self._saliency_fn, state)

    def _score(self, x: Any, condition: dict) -> Any:
        return ops.cast(self.gan.discriminate(x, condition, training=False), "float32")

    def _push_fn(self, latent: dict) -> tuple[Any, Any]:
        """The fakes and −∂L_G/∂x on them."""
        fake = self.gan.generate(latent, training=False)
        condition = self.gan.fake_condition(latent)
        _, _, (g,) = backend.grad(lambda f: (self.gan.loss.generator(self._score(f, condition)), ()), (), [fake])
        return fake, -g * ops.cast(ops.shape(fake)[0], "float32")  # each fake's own term, as views.arrows

    def _saliency_fn(self, x: Any, condition: dict) -> Any:
        """|∂ sum(D(x)) / ∂x| per pixel."""
        _, _, (g,) = backend.grad(lambda t: (ops.sum(self._score(t, condition)), ()), (), [x])
        return ops.abs(g)

    def measure(self) -> ImageGradients:
        """The maps for the fixed fakes now, and D's saliency on the first real image and first fake."""
        fake, push = self._push(self.latent)
        fake = np.asarray(fake, np.float32)
        first = {k: v[:1] for k, v in self.latent.items()}
        real = np.asarray(self.real["x"], np.float32)
        real_sal = self._saliency(real, self.gan.real_condition(self.real))
        fake_sal = self._saliency(fake[:1], self.gan.fake_condition(first))
        return ImageGradients(fake, np.asarray(push, np.float32), real, np.asarray(real_sal, np.float32),
                              np.asarray(fake_sal, np.float32))
