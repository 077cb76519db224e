"""Loss pairs: known values at equilibrium, signs, and name lookup."""

import math

import numpy as np
import pytest
from keras import ops

from ganlab import losses


def _f(x):
    return float(ops.convert_to_numpy(x))


def test_minimax_equilibrium_is_log4():
    zeros = np.zeros((8, 1), np.float32)  # D(x) = sigmoid(0) = 0.5 everywhere
    assert _f(losses.minimax_discriminator_loss(zeros, zeros)) == pytest.approx(math.log(4), 1e-5)
    assert _f(losses.minimax_generator_loss(zeros)) == pytest.approx(-math.log(2), 1e-5)
    assert _f(losses.non_saturating_generator_loss(zeros)) == pytest.approx(math.log(2), 1e-5)


def test_losses_reward_a_correct_discriminator():
    good_real, good_fake = np.full((4, 1), 5.0, np.float32), np.full((4, 1), -5.0, np.float32)
    for pair in losses.LOSSES.values():
        right = _f(pair.discriminator(good_real, good_fake))
        wrong = _f(pair.discriminator(good_fake, good_real))
        assert right < wrong, pair.name
        # G prefers fakes that D scores as real.
        assert _f(pair.generator(good_real)) < _f(pair.generator(good_fake)), pair.name


def test_patch_outputs_are_averaged():
    patch = np.zeros((2, 4, 4, 1), np.float32)
    assert _f(losses.hinge_discriminator_loss(patch, patch)) == pytest.approx(2.0)
    assert _f(losses.least_squares_discriminator_loss(patch, patch)) == pytest.approx(0.5)


def test_get_loss_aliases_and_errors():
    assert losses.get_loss("NS").name == "non_saturating"
    assert losses.get_loss("lsgan").name == "least_squares"
    with pytest.raises(ValueError, match="Unknown loss 'foo'"):
        losses.get_loss("foo")
