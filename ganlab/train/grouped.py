"""One compiled train step for a group of runs of one shape, their states stacked along a run axis.

The runs of a group share a model class, network sizes, batch size, data shape and backend; they
differ in weights, optimizer state, random numbers, data, learning rates, loss and k. A
:class:`GroupedSteps` holds ``capacity`` slots: every array of a run's state (G's and D's variables,
both Adam optimizers' variables, the GAN's seed state, the loss choice) is stacked into one array
of shape ``(capacity, ...)``. One program, compiled once, trains every slot: each phase of a train
step (steps.py: k D updates, then G's update through the updated D sharing G's forward pass) is
a pure function of one run's state, written with the model's own hooks inside a
``keras.StatelessScope`` and ``optimizer.stateless_apply``, and mapped over the slots with
``keras.ops.vectorized_map`` (jax.vmap / tf.vectorized_map), so any model works unchanged.

Per-run settings are inputs of the program, so changing them compiles nothing: learning rates
(written into each run's optimizer state), the loss (a per-run choice index, see
:class:`PerRunLoss`) and k (every call runs as many D updates as the largest active k; a run with
a smaller k skips the first ones: its state is kept, random numbers included). ``active`` masks
slots: an inactive slot's state comes back unchanged, so joining, leaving or pausing a run only
writes its slot. Runs never mix: a NaN in one slot leaves the others' numbers alone.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops
from keras.src.optimizers.base_optimizer import BaseOptimizer

from ganlab import backend
from ganlab.losses import LossSwitch
from ganlab.models.base import GAN


class PerRunLoss(LossSwitch):
    """A LossSwitch whose choice may differ per run inside a vectorized step: every allowed pair is
    computed and the chosen one taken (no branch on a per-run index), so its gradient is exact."""

    def _pick(self, fns: list, *args: Any) -> Any:
        unique = list(dict.fromkeys(fns))
        if len(unique) == 1:
            return unique[0](*args)
        where = ops.take(ops.convert_to_tensor([unique.index(f) for f in fns], "int32"), self._index.value)
        return ops.take(ops.stack([ops.cast(f(*args), "float32") for f in unique]), where)


class StatelessAdam(keras.optimizers.Adam):
    """Adam whose ``stateless_apply`` works on every backend: TensorFlow's optimizer refuses it (for
    tf.distribute's sake); the backend-neutral base methods it overrides do the same arithmetic."""

    stateless_apply = BaseOptimizer.stateless_apply
    assign = BaseOptimizer.assign
    assign_add = BaseOptimizer.assign_add
    assign_sub = BaseOptimizer.assign_sub
    _backend_update_step = BaseOptimizer._backend_update_step
    _apply_weight_decay = BaseOptimizer._apply_weight_decay
    _var_key = BaseOptimizer._var_key


def state_variables(gan: GAN, g_opt: keras.Optimizer, d_opt: keras.Optimizer) -> list[keras.Variable]:
    """Every variable a train step reads or updates, in the order a group stacks them (no duplicates)."""
    seen: set[int] = set()
    out = []
    for v in (*gan.generator.variables, *gan.discriminator.variables, *g_opt.variables, *d_opt.variables,
              gan.seed_generator.state, *getattr(gan.loss, "variables", ())):
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def build_optimizers(gan: GAN, g_opt: keras.Optimizer, d_opt: keras.Optimizer) -> tuple[list, list, list]:
    """Build G's and D's optimizers as StepFunctions does; returns (G's trained, extra, D's trained)."""
    g_vars = list(gan.generator.trainable_variables)
    extra = list(gan.generator_extra_variables())
    extra_ids = {id(v) for v in extra}
    d_vars = [v for v in gan.discriminator.trainable_variables if id(v) not in extra_ids]
    if not g_opt.built:
        g_opt.build(g_vars + extra)
    if not d_opt.built:
        d_opt.build(d_vars)
    return g_vars, extra, d_vars


class GroupedSteps:
    """``capacity`` runs of one shape trained together by one compiled program (see the module)."""

    def __init__(self, gan: GAN, capacity: int = 8, max_k: int = 4, max_steps: int = 256,
                 beta1: float = 0.5, beta2: float = 0.999, xla: bool = False):
        self.gan, self.capacity, self.max_k, self.max_steps = gan, capacity, max_k, max_steps
        if not isinstance(gan.loss, PerRunLoss):
            gan.loss = PerRunLoss(type(gan).losses, gan.loss.name)
        self.g_opt = StatelessAdam(1e-3, beta_1=beta1, beta_2=beta2)
        self.d_opt = StatelessAdam(1e-3, beta_1=beta1, beta_2=beta2)
        g_vars, extra, d_vars = build_optimizers(gan, self.g_opt, self.d_opt)
        self.variables = state_variables(gan, self.g_opt, self.d_opt)
        pos = {id(v): i for i, v in enumerate(self.variables)}
        self._g = [pos[id(v)] for v in g_vars + extra]  # what G's optimizer trains
        self._extra = [pos[id(v)] for v in extra]
        self._d = [pos[id(v)] for v in d_vars]
        self._g_opt = [pos[id(v)] for v in self.g_opt.variables]
        self._d_opt = [pos[id(v)] for v in self.d_opt.variables]
        self._lr = (pos[id(self.g_opt._learning_rate)], pos[id(self.d_opt._learning_rate)])
        self._loss = pos[id(gan.loss.variables[0])]
        self.metric_names = ("d_loss", "g_loss", *gan.metric_names)
        template = self.values_of(gan, self.g_opt, self.d_opt)
        self.state = [ops.convert_to_tensor(np.repeat(np.asarray(v)[None], capacity, axis=0)) for v in template]
        self._empty = list(self.state)  # every slot as the template run: a sibling's first state
        self.program = backend.compile_pure(self._program, xla)

    def sibling(self) -> GroupedSteps:
        """Another group of this shape and capacity with its own state (every slot as this group's first
        state) that shares this group's compiled program: the program is pure, so nothing compiles."""
        twin = copy.copy(self)
        twin.state = list(self._empty)
        return twin

    # -- slots ---------------------------------------------------------------------------
    @staticmethod
    def values_of(gan: GAN, g_opt: keras.Optimizer, d_opt: keras.Optimizer) -> list[np.ndarray]:
        """One run's state as host arrays, from a built GAN and its optimizers (a TrainingRun's
        ``gan``, ``g_opt``, ``d_opt``), in a group's order; the optimizers are built if needed."""
        build_optimizers(gan, g_opt, d_opt)
        values = [np.array(keras.ops.convert_to_numpy(v.value)) for v in state_variables(gan, g_opt, d_opt)]
        if not getattr(gan.loss, "variables", ()):  # a plain LossPair: the loss is a per-call input anyway
            values.append(np.zeros((), np.int32))
        return values

    def put(self, slot: int, values: Sequence[np.ndarray]) -> None:
        """Write one run's state (``values_of``'s list) into ``slot``; compiles nothing."""
        if len(values) != len(self.variables):
            raise ValueError(f"a run's state has {len(self.variables)} arrays, not {len(values)}")
        state = [np.array(backend.fetch({"a": s})["a"]) for s in self.state]
        for s, v, var in zip(state, values, self.variables):
            s[slot] = np.asarray(v, dtype=s.dtype).reshape(var.shape)
        self.state = [ops.convert_to_tensor(s) for s in state]  # device arrays, as the program returns them

    def take(self, slot: int) -> list[np.ndarray]:
        """``slot``'s state as host arrays (``values_of``'s order)."""
        return [np.array(backend.fetch({"a": s})["a"][slot]) for s in self.state]

    def assign_to(self, slot: int, gan: GAN, g_opt: keras.Optimizer, d_opt: keras.Optimizer) -> None:
        """Copy ``slot``'s state into a GAN and its optimizers (to save, sample or leave the group)."""
        for var, value in zip(state_variables(gan, g_opt, d_opt), self.take(slot), strict=True):
            var.assign(value)

    # -- one run's phases, pure: (its state, its data, its rows) -> new state ------------------
    def _scope(self, values: Sequence[Any]) -> keras.StatelessScope:
        return keras.StatelessScope(state_mapping=list(zip(self.variables, values)))

    def _read(self, scope: keras.StatelessScope) -> list:
        return [scope.get_current_value(v) for v in self.variables]

    @staticmethod
    def _with(values: Sequence[Any], where: Sequence[int], new: Sequence[Any]) -> list:
        out = list(values)
        for i, x in zip(where, new, strict=True):
            out[i] = x
        return out

    @staticmethod
    def _batch(source: dict, rows: Any) -> dict:
        return {key: ops.take(value, rows % ops.shape(value)[0], axis=0) for key, value in source.items()}

    def _d_update(self, values: list, batch: dict, fake: Any, latent: dict) -> tuple[Any, dict, list]:
        """One D update on a real batch and given fakes: D's loss, metrics and the new state."""
        def objective(weights):
            with self._scope(self._with(values, self._d, weights)) as scope:
                loss, metrics = self.gan.discriminator_objective(batch, fake, latent)
            return loss, (metrics, self._read(scope))

        weights = [values[i] for i in self._d]
        (loss, (metrics, values)), grads = backend.value_grad(objective, weights)
        new, opt = self.d_opt.stateless_apply([values[i] for i in self._d_opt], grads, weights)
        return loss, metrics, self._with(self._with(values, self._d, new), self._d_opt, opt)

    def _d_phase(self, args: tuple) -> list:
        """One of the first k - 1 D updates (fresh fakes); the run's new state."""
        values, source, rows = args
        batch = self._batch(source, rows)
        with self._scope(values) as scope:
            latent = self.gan.sample_latent(ops.shape(batch["x"])[0], batch)
            fake = ops.stop_gradient(self.gan.generate(latent, training=True))
        return self._d_update(self._read(scope), batch, fake, latent)[2]

    def _last_phase(self, args: tuple) -> tuple[list, dict]:
        """The last D update, then G's through the updated D sharing G's forward pass: (state, metrics)."""
        values, source, rows = args
        batch = self._batch(source, rows)
        with self._scope(values) as scope:
            latent = self.gan.sample_latent(ops.shape(batch["x"])[0], batch)
        values = self._read(scope)

        def forward(weights):
            with self._scope(self._with(values, self._g, weights)) as scope:
                fake = self.gan.generate(latent, training=True)
            return fake, self._read(scope)

        g_weights = [values[i] for i in self._g]
        fake, pullback, values = backend.value_vjp(forward, g_weights)
        d_loss, d_metrics, values = self._d_update(values, batch, ops.stop_gradient(fake), latent)

        def objective(inputs):
            with self._scope(self._with(values, self._extra, inputs[1:])) as scope:
                loss, metrics = self.gan.generator_objective(batch, inputs[0], latent)
            return loss, (metrics, self._read(scope))

        extra = [values[i] for i in self._extra]
        (g_loss, (g_metrics, values)), (d_fake, *extra_grads) = backend.value_grad(objective, [fake, *extra])
        grads = [*pullback(d_fake)[: len(self._g) - len(extra)], *extra_grads]
        new, opt = self.g_opt.stateless_apply([values[i] for i in self._g_opt], grads,
                                              [values[i] for i in self._g])
        values = self._with(self._with(values, self._g, new), self._g_opt, opt)
        metrics = {"d_loss": d_loss, "g_loss": g_loss, **d_metrics, **g_metrics}
        return values, {k: ops.cast(metrics[k], "float32") for k in self.metric_names}

    # -- the program -----------------------------------------------------------------------
    @staticmethod
    def _keep(mask: Any, new: Sequence[Any], old: Sequence[Any]) -> list:
        """``new`` where the per-run ``mask`` (R,) holds, else ``old``, for every stacked array."""
        return [ops.where(ops.reshape(mask, (-1,) + (1,) * (len(ops.shape(a)) - 1)), a, b)
                for a, b in zip(new, old)]

    def _program(self, state: list, source: dict, index: Any, n: Any, settings: dict) -> tuple[list, dict]:
        """n train steps of every slot (index: (max_steps, max_k, R, B) rows, each run's k batches
        last along max_k); returns the new state (inactive slots unchanged) and (max_steps, R) metrics."""
        active, k = settings["active"], settings["k"]
        old = list(state)
        state = self._with(state, (*self._lr, self._loss), (
            ops.cast(settings["lr_g"], self.variables[self._lr[0]].dtype),
            ops.cast(settings["lr_d"], self.variables[self._lr[1]].dtype),
            ops.cast(settings["loss"], self.variables[self._loss].dtype)))
        kcap = ops.shape(index)[1]
        first = kcap - ops.max(ops.where(active, k, 1))  # the D updates the largest active k needs
        outs = {name: ops.zeros((ops.shape(index)[0], self.capacity), "float32") for name in self.metric_names}

        def step(i, carry):
            state, outs = carry
            rows = index[i]

            def d_update(j, state):
                new = ops.vectorized_map(self._d_phase, (state, source, rows[j]))
                return self._keep(j >= kcap - k, new, state)

            before = state
            state = ops.fori_loop(first, kcap - 1, d_update, state)
            state, metrics = ops.vectorized_map(self._last_phase, (state, source, rows[kcap - 1]))
            state = self._keep(i < settings["steps"], state, before)  # a run asked for fewer steps stops
            outs = {name: ops.slice_update(outs[name], (i, 0), metrics[name][None]) for name in outs}
            return state, outs

        state, outs = ops.fori_loop(0, n, step, (state, outs))
        return self._keep(active, state, old), outs

    def settings(self, lr_g: Sequence[float], lr_d: Sequence[float], loss: Sequence[int], k: Sequence[int],
                 active: Sequence[bool], steps: Sequence[int] | None = None) -> dict[str, np.ndarray]:
        """The per-run inputs of a call, checked: each a (capacity,) array. ``loss``: indices into the
        model's ``losses``; ``steps``: how many of a call's n steps each run takes (default: all n)."""
        steps = [self.max_steps] * self.capacity if steps is None else steps
        out = {"lr_g": np.asarray(lr_g, np.float32), "lr_d": np.asarray(lr_d, np.float32),
               "loss": np.asarray(loss, np.int32), "k": np.asarray(k, np.int32), "active": np.asarray(active, bool),
               "steps": np.asarray(steps, np.int32)}
        for name, value in out.items():
            if value.shape != (self.capacity,):
                raise ValueError(f"{name} must have one value per slot ({self.capacity}), not shape {value.shape}")
        if np.any(out["k"][out["active"]] < 1) or np.any(out["k"][out["active"]] > self.max_k):
            raise ValueError(f"k must be 1 to {self.max_k} for every active run")
        return out

    def pack(self, rows: dict[int, np.ndarray], n: int, batch_size: int) -> np.ndarray:
        """The index of a call from each active slot's rows (n, k, B) (what ``IndexSampler(n * k)``
        gives, reshaped): (max_steps, max_k, capacity, B), each run's k batches last along max_k."""
        index = np.zeros((self.max_steps, self.max_k, self.capacity, batch_size), np.int32)
        for slot, r in rows.items():
            index[: len(r), self.max_k - r.shape[1]:, slot] = r
        return index

    def train(self, source: dict[str, Any], rows: dict[int, np.ndarray], n: int,
              settings: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """n train steps of every active slot in one call: ``source`` holds each slot's data stacked,
        (capacity, S, ...) per key; ``rows`` each active slot's rows (n, k, B). Updates ``state``;
        returns each metric as (n, capacity) host arrays (an inactive slot's column, or a run's rows past
        its ``steps``, are meaningless). A slot's rows may be shorter than n when it takes fewer steps."""
        if not 1 <= n <= self.max_steps:
            raise ValueError(f"a call trains 1 to {self.max_steps} steps, not {n}")
        batch = next(iter(rows.values())).shape[-1] if rows else 1
        index = self.pack(rows, n, batch)
        settings = {**settings, "steps": np.minimum(settings["steps"], n).astype(np.int32)}
        self.state, outs = self.program(self.state, source, index, np.int32(n), settings)
        return {name: value[:n] for name, value in backend.fetch(outs).items()}

    def compiles(self) -> int:
        """How many times the program has been traced / compiled."""
        return int(self.program.compiles())
