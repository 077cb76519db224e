"""The compiled train steps: k discriminator updates, then one generator update.

Written once with keras.ops and ``ganlab.backend`` (tf.function on TensorFlow, jax.jit on JAX).
The last D update and the G update share one generator forward pass: G does not change during
the D update, so its fakes are still valid for G's gradient, which is taken through the
*updated* D (the PyTorch DCGAN example does the same). This keeps the alternating algorithm of
Goodfellow et al. while costing little more than the TF tutorial's simultaneous update.

Every step takes ``(source, index)``: the arrays batches come from (the whole dataset on the
device, or a chunk the host gathered) and the rows of each batch, so batches are gathered where
the data lives. ``train_many`` runs N train steps in one compiled call (a loop inside the
program) and returns every step's metrics stacked, so each step is still recorded while the
host reads metrics once per call instead of once per step.

A train step is made of two phases, each also compiled on its own for the slow-motion step
(``d_phase``: one of the first k - 1 D updates; ``last_phase``: the last D update and G's update):
the normal step and the slow one run the same code and draw the same random numbers. k is read
from the index's shape at run time (TensorFlow: a graph loop, one program for every k), and the
loss from ``gan.loss`` (a ``LossSwitch``: its choice is a variable), so changing either while a run
trains compiles nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from ganlab import backend
from ganlab.models.base import GAN


class StepFunctions:
    """Compiled ``train`` (and ``train_many``), ``d_only``, ``g_only``, the two phases of a train step,
    ``generate``, ``discriminate`` and ``push`` for one GAN and its optimizers."""

    def __init__(self, gan: GAN, g_opt: keras.Optimizer, d_opt: keras.Optimizer,
                 xla: bool = False, max_steps: int = 256):
        self.gan, self.g_opt, self.d_opt = gan, g_opt, d_opt
        self.g_vars = list(gan.generator.trainable_variables)
        self.extra_vars = list(gan.generator_extra_variables())
        extra_ids = {id(v) for v in self.extra_vars}
        self.d_vars = [v for v in gan.discriminator.trainable_variables if id(v) not in extra_ids]
        g_opt.build(self.g_vars + self.extra_vars)
        d_opt.build(self.d_vars)
        seen: set[int] = set()
        state = []
        choice = list(getattr(gan.loss, "variables", ()))  # the loss chosen at run time (LossSwitch)
        for v in (*gan.generator.variables, *gan.discriminator.variables, *g_opt.variables,
                  *d_opt.variables, gan.seed_generator.state, *choice):
            if id(v) not in seen:
                seen.add(id(v))
                state.append(v)
        self.state = state  # every variable a train step reads or updates
        self.train = backend.compile_step(self._train, state, xla, relax=(1, 1))  # any k: (k, B) rows
        self.train_many = backend.compile_loop(self._train, state, xla, max_steps=max_steps)
        self.d_only = backend.compile_step(self._d_only, state, xla)
        self.g_only = backend.compile_step(self._g_only, state, xla)
        self.d_phase = backend.compile_step(self._d_phase, state, xla)
        self.last_phase = backend.compile_step(self._last_phase, state, xla)
        self.generate = backend.compile_step(lambda latent: gan.generate(latent, training=False),
                                             list(gan.generator.variables), xla)
        self.discriminate = backend.compile_step(
            lambda x: ops.cast(gan.discriminator(x, training=False), "float32"),
            list(gan.discriminator.variables), xla)
        self.push = backend.compile_step(self._push, [*gan.generator.variables, *gan.discriminator.variables,
                                                      *choice], xla)

    # -- building blocks -----------------------------------------------------------------
    def _fake(self, batch: dict) -> tuple[Any, dict]:
        latent = self.gan.sample_latent(ops.shape(batch["x"])[0], batch)
        return ops.stop_gradient(self.gan.generate(latent, training=True)), latent

    def _d_apply(self, batch: dict, fake: Any, latent: dict) -> tuple[Any, dict]:
        """One discriminator update on a real batch and given fakes."""
        (loss, metrics), grads, _ = backend.grad(
            lambda: self.gan.discriminator_objective(batch, fake, latent), self.d_vars)
        self.d_opt.apply(grads, self.d_vars)
        return loss, metrics

    def _g_apply(self, batch: dict) -> tuple[Any, Any, dict]:
        """One generator update; returns the fakes it used, its loss and metrics."""
        latent = self.gan.sample_latent(ops.shape(batch["x"])[0], batch)
        fake, pullback = backend.vjp(lambda: self.gan.generate(latent, training=True), self.g_vars)
        return fake, latent, pullback

    def _g_finish(self, batch: dict, fake: Any, latent: dict, pullback) -> tuple[Any, dict, Any]:
        """G's update from its fakes: its loss, metrics and ∂L_G/∂fake (what moved each fake)."""
        (loss, metrics), extra_grads, (d_fake,) = backend.grad(
            lambda f: self.gan.generator_objective(batch, f, latent), self.extra_vars, [fake])
        self.g_opt.apply(list(pullback(d_fake)) + list(extra_grads), self.g_vars + self.extra_vars)
        return loss, metrics, d_fake

    def _push(self, latent: dict) -> tuple[Any, Any]:
        """G's fakes for ``latent`` and, on each, −∂ℓ_G/∂x: the gradient of that fake's own term of G's
        loss (L_G is their mean, so this is N · −∂L_G/∂x for N fakes), D in inference mode; no update."""
        gan = self.gan
        fake = gan.generate(latent, training=False)
        n = ops.cast(ops.shape(fake)[0], "float32")

        def loss(f):
            out = ops.cast(gan.discriminate(f, gan.fake_condition(latent), training=False), "float32")
            return gan.loss.generator(out) * n, ()

        _, _, (grad,) = backend.grad(loss, (), [fake])
        return fake, -grad

    @staticmethod
    def _batch(source: dict, rows: Any) -> dict:
        """The batch made of ``rows`` (B,) of every array in ``source``; an array shorter than the
        data (a few labelled examples beside many unlabelled ones) is read at rows modulo its length."""
        return {key: ops.take(value, rows % ops.shape(value)[0], axis=0) for key, value in source.items()}

    # -- the phases of a train step --------------------------------------------------------
    def _d_phase(self, source: dict, rows: Any) -> dict:
        """One of the first k - 1 D updates: a real batch, fresh fakes, one D update."""
        batch = self._batch(source, rows)
        fake, latent = self._fake(batch)
        d_loss, d_metrics = self._d_apply(batch, fake, latent)
        return {"d_loss": d_loss, **d_metrics, "real": batch["x"], "fake": fake}

    def _last_phase(self, source: dict, rows: Any) -> tuple[dict, dict]:
        """The last D update, then G's update through the updated D, sharing G's forward pass: the
        step's metrics, and what the slow step shows (the batch, the fakes, the latent, ∂L_G/∂fake)."""
        batch = self._batch(source, rows)
        fake, latent, pullback = self._g_apply(batch)
        d_loss, d_metrics = self._d_apply(batch, ops.stop_gradient(fake), latent)
        g_loss, g_metrics, d_fake = self._g_finish(batch, fake, latent, pullback)
        return ({"d_loss": d_loss, "g_loss": g_loss, **d_metrics, **g_metrics},
                {"real": batch["x"], "fake": fake, "latent": latent, "grad": d_fake})

    def run_phases(self, source: dict, index: Any, observe: Callable[[str, int, dict], None]) -> dict:
        """One train step (rows ``index`` (k, B)) phase by phase with the compiled phases, calling
        ``observe("start", 0, {})`` first, ``observe("d", i, outputs)`` after each of the first k - 1 D
        updates and ``observe("g", k - 1, outputs)`` after the last D update and G's (outputs: the
        phase's metrics, ``real``, ``fake``; for "g" also ``latent`` and ``grad`` = ∂L_G/∂fake);
        returns the step's metrics (host arrays). The same phases as ``_train``, in the same order."""
        k = len(index)
        observe("start", 0, {})
        for i in range(k - 1):
            observe("d", i, backend.fetch(self.d_phase(source, index[i])))
        metrics, seen = self.last_phase(source, index[k - 1])
        metrics = backend.fetch(metrics)
        latent = backend.fetch(seen.pop("latent"))
        observe("g", k - 1, {**metrics, **backend.fetch(seen), "latent": latent})
        return metrics

    # -- the steps -----------------------------------------------------------------------
    def _train(self, source: dict, index: Any) -> dict:
        """k D updates (batches of rows index[0..k-1], k = len(index)) then one G update through the
        updated D."""
        backend.repeat(lambda i: self._d_phase(source, index[i]), ops.shape(index)[0] - 1)
        return self._last_phase(source, index[-1])[0]

    def _d_only(self, source: dict, index: Any) -> dict:
        """One D update; G's loss is evaluated on the same fakes but G is not changed."""
        batch = self._batch(source, index[0])
        fake, latent = self._fake(batch)
        d_loss, d_metrics = self._d_apply(batch, fake, latent)
        g_loss, g_metrics = self.gan.generator_objective(batch, fake, latent)
        return {"d_loss": d_loss, "g_loss": g_loss, **d_metrics, **g_metrics}

    def _g_only(self, source: dict, index: Any) -> dict:
        """One G update; D's loss is evaluated on the same fakes but D is not changed."""
        batch = self._batch(source, index[0])
        fake, latent, pullback = self._g_apply(batch)
        d_loss, d_metrics = self.gan.discriminator_objective(batch, ops.stop_gradient(fake), latent)
        g_loss, g_metrics, _ = self._g_finish(batch, fake, latent, pullback)
        return {"d_loss": d_loss, "g_loss": g_loss, **d_metrics, **g_metrics}
