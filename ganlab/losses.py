"""Named GAN loss pairs, on raw discriminator outputs ("logits"), written with keras.ops.

Every pair is ``<name>_discriminator_loss(real, fake)`` and ``<name>_generator_loss(fake)``;
they average over all elements, so PatchGAN outputs (N, H, W, 1) work as well as (N, 1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import keras
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


class LossSwitch:
    """The loss pairs a model allows, behind one runtime choice, so a loss can change while a run trains.

    It reads like a LossPair (``name``, ``score``, ``discriminator``, ``generator``, ``scores`` of the
    chosen pair). A compiled step computes only the chosen pair (``keras.ops.switch`` on an int
    variable): :meth:`choose` takes effect at the next call, with no new program. Compiled functions
    that call the loss must carry :attr:`variables` in their state (JAX passes variables as values).
    """

    def __init__(self, names: Sequence[str], current: str):
        self.choices = tuple(get_loss(n) for n in names)
        self.current = get_loss(current)
        self._index = keras.Variable(self._position(self.current.name), dtype="int32", trainable=False,
                                     name="loss_choice")

    def _position(self, name: str) -> int:
        names = [p.name for p in self.choices]
        if name not in names:
            raise ValueError(f"Loss {name!r} does not fit this model (choose {', '.join(names)}).")
        return names.index(name)

    def choose(self, name: str) -> LossPair:
        """Switch to the loss ``name`` (an alias is fine) for the next compiled call; returns its pair."""
        pair = get_loss(name)
        self._index.assign(self._position(pair.name))
        self.current = pair
        return pair

    @property
    def variables(self) -> list:
        """The variable holding the choice (for the state of compiled functions)."""
        return [self._index]

    @property
    def name(self) -> str:
        """The chosen loss's name."""
        return self.current.name

    @property
    def score(self) -> str:
        """How to read D's outputs under the chosen loss: "probability" or "raw"."""
        return self.current.score

    @property
    def equilibrium_d_loss(self) -> float | None:
        """D's loss at the equilibrium under the chosen loss."""
        return self.current.equilibrium_d_loss

    @property
    def summary(self) -> str:
        """One line on the chosen loss."""
        return self.current.summary

    def _pick(self, fns: list[Callable], *args: Any) -> Any:
        unique = list(dict.fromkeys(fns))  # minimax and non-saturating share D's loss
        if len(unique) == 1:  # one choice (or all alike): no switch in the program
            return unique[0](*args)
        branch = self._index.value
        if len(unique) < len(fns):
            branch = ops.take(ops.convert_to_tensor([unique.index(f) for f in fns], "int32"), branch)
        return ops.switch(branch, unique, *args)

    def discriminator(self, real: Any, fake: Any) -> Any:
        """The chosen pair's discriminator loss."""
        return self._pick([p.discriminator for p in self.choices], real, fake)

    def generator(self, fake: Any) -> Any:
        """The chosen pair's generator loss."""
        return self._pick([p.generator for p in self.choices], fake)

    def scores(self, outputs: Any) -> Any:
        """Mean D score on a batch, read as the chosen pair reads it (a metric: no gradient flows here,
        so both readings are computed and one is kept, without a branch)."""
        kinds = {p.score for p in self.choices}
        if len(kinds) == 1:
            return self.choices[0].scores(outputs)
        outputs = ops.cast(outputs, "float32")
        probability = ops.take(ops.convert_to_tensor([p.score == "probability" for p in self.choices]),
                               self._index.value)
        return ops.where(probability, _mean(ops.sigmoid(outputs)), _mean(outputs))
