"""Named GAN loss pairs, on raw discriminator outputs ("logits"), written with keras.ops.

Every pair is ``<name>_discriminator_loss(real, fake)`` and ``<name>_generator_loss(fake)``;
they average over all elements, so PatchGAN outputs (N, H, W, 1) work as well as (N, 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from keras import ops


def _mean(x):
    return ops.mean(ops.cast(x, "float32"))


def minimax_discriminator_loss(real, fake):
    """-log D(x) - log(1 - D(G(z))): binary cross-entropy, real=1, fake=0."""
    return _mean(ops.softplus(-real)) + _mean(ops.softplus(fake))


def minimax_generator_loss(fake):
    """log(1 - D(G(z))), minimised: the original (saturating) minimax generator loss."""
    return -_mean(ops.softplus(fake))


non_saturating_discriminator_loss = minimax_discriminator_loss


def non_saturating_generator_loss(fake):
    """-log D(G(z)): same fixed point as minimax, strong gradients when D rejects fakes."""
    return _mean(ops.softplus(-fake))


def least_squares_discriminator_loss(real, fake):
    """LSGAN: ½(D(x) - 1)² + ½ D(G(z))²."""
    return 0.5 * _mean(ops.square(real - 1.0)) + 0.5 * _mean(ops.square(fake))


def least_squares_generator_loss(fake):
    """LSGAN: ½(D(G(z)) - 1)²."""
    return 0.5 * _mean(ops.square(fake - 1.0))


def hinge_discriminator_loss(real, fake):
    """max(0, 1 - D(x)) + max(0, 1 + D(G(z)))."""
    return _mean(ops.relu(1.0 - real)) + _mean(ops.relu(1.0 + fake))


def hinge_generator_loss(fake):
    """-D(G(z))."""
    return -_mean(fake)


def wasserstein_discriminator_loss(real, fake):
    """Critic: D(G(z)) - D(x), an estimate of minus the Wasserstein-1 distance."""
    return _mean(fake) - _mean(real)


def wasserstein_generator_loss(fake):
    """-D(G(z))."""
    return -_mean(fake)


@dataclass(frozen=True)
class LossPair:
    """A discriminator/generator loss pair and how to read the discriminator's outputs."""

    name: str
    discriminator: Callable
    generator: Callable
    # "probability": sigmoid(output) is D's belief the input is real; "raw": show outputs as is.
    score: str
    equilibrium_d_loss: float | None
    summary: str

    def scores(self, outputs):
        """Mean D score on a batch: a probability, or the raw critic value."""
        if self.score == "probability":
            return _mean(ops.sigmoid(ops.cast(outputs, "float32")))
        return _mean(outputs)


LOG4 = 1.3862943611198906

LOSSES: dict[str, LossPair] = {
    "minimax": LossPair(
        "minimax", minimax_discriminator_loss, minimax_generator_loss, "probability", LOG4,
        "original min-max game; G's gradient vanishes when D confidently rejects fakes",
    ),
    "non_saturating": LossPair(
        "non_saturating", non_saturating_discriminator_loss, non_saturating_generator_loss,
        "probability", LOG4, "G maximises log D(G(z)) instead: the usual practical choice",
    ),
    "least_squares": LossPair(
        "least_squares", least_squares_discriminator_loss, least_squares_generator_loss,
        "raw", 0.25, "LSGAN: squared distance to targets 1 (real) and 0 (fake)",
    ),
    "hinge": LossPair(
        "hinge", hinge_discriminator_loss, hinge_generator_loss, "probability", 2.0,
        "margin loss used by SAGAN/BigGAN",
    ),
    "wasserstein": LossPair(
        "wasserstein", wasserstein_discriminator_loss, wasserstein_generator_loss, "raw", None,
        "critic estimates the Wasserstein distance; needs a Lipschitz critic (wgan_gp)",
    ),
}

ALIASES = {"ns": "non_saturating", "nonsaturating": "non_saturating", "non-saturating": "non_saturating",
           "lsgan": "least_squares", "least-squares": "least_squares", "ls": "least_squares",
           "wgan": "wasserstein", "saturating": "minimax"}


def get_loss(name: str) -> LossPair:
    """Look a loss pair up by name (a few aliases accepted), with a clear error."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in LOSSES:
        raise ValueError(f"Unknown loss {name!r}. Choose one of: {', '.join(LOSSES)}.")
    return LOSSES[key]
