"""Data-parallel training on the backends' own engines: the global batch is split over N devices.

- JAX: ``keras.distribution.DataParallel``. Variables are built replicated inside its scope; each batch is
  laid out along the device mesh's ``batch`` axis, and ``jax.jit`` (GSPMD) partitions the unchanged step:
  means, batch-norm statistics and random draws are those of the global batch, so the numbers are the
  single-device ones.
- TensorFlow: ``tf.distribute.MirroredStrategy``. Networks and both optimizers are created in its scope;
  each step runs on every replica with ``strategy.run`` on its slice of the batch. Two things keep it
  equal to one device: (1) gradients are divided by the number of replicas before Keras' optimizer
  all-reduces them with a SUM, so the update is that of the global-batch mean loss and the effective
  learning rate does not change with N (the known pitfall: each replica's hand-written loss is a mean over
  its own slice); (2) the latent batch is drawn once for the global batch, in cross-replica context with
  the GAN's own seed generator (``merge_call``), and sliced, so the fakes are the single-device ones.
  Reported losses and D(x), D(G(z)) are the mean over replicas. Batch-norm layers normalise with their
  replica's statistics (as in every MirroredStrategy model without ``synchronized=True``), so models with
  batch norm in a network differ slightly from one device; models without it match to float rounding.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from ganlab import backend
from ganlab.models.base import GAN
from ganlab.train.steps import StepFunctions

Place = Callable[[dict, Any], tuple[Any, Any]]


@dataclass
class DataParallel:
    """N devices and the backend's engine that trains one step over them."""

    devices: list[str]
    engine: Any  # tf.distribute.MirroredStrategy, or keras.distribution.DataParallel on JAX

    @property
    def replicas(self) -> int:
        """How many devices share each batch."""
        return len(self.devices)

    def per_device(self, global_batch: int) -> int:
        """Examples per device for a global batch (which must split evenly)."""
        if global_batch % self.replicas:
            raise ValueError(f"The batch size ({global_batch}) must split evenly over {self.replicas} devices: "
                             f"use a multiple of {self.replicas}.")
        return global_batch // self.replicas

    def describe(self, global_batch: int) -> str:
        """One line: the devices and the batch each one gets."""
        return (f"{self.replicas} devices ({', '.join(self.devices)}; {engine_name()}), "
                f"{self.per_device(global_batch)} examples per device (global batch {global_batch})")

    def as_dict(self, global_batch: int) -> dict[str, Any]:
        """For the checkpoint card."""
        return {"devices": list(self.devices), "engine": engine_name(),
                "per_device_batch": self.per_device(global_batch), "global_batch": global_batch}

    def scope(self) -> contextlib.AbstractContextManager:
        """Where networks and optimizers are built, so their variables live on every device."""
        return self.engine.scope()

    def distribute(self, gan: GAN, g_opt: keras.Optimizer, d_opt: keras.Optimizer, fns: StepFunctions,
                   global_batch: int) -> tuple[Any, Place]:
        """The session's step functions, made to run over the devices, and the function that puts one
        step's inputs (``source`` rows and their (k, B) ``index``, as the host gathers them) on them."""
        self.per_device(global_batch)
        if backend.BACKEND == "jax":
            return fns, self._laid_out
        _divide_gradients(g_opt, self.replicas)
        _divide_gradients(d_opt, self.replicas)
        _draw_latents_globally(gan, self.engine)
        return MirroredSteps(fns, self.engine), self._split

    def _laid_out(self, source: dict, index: Any) -> tuple[dict, Any]:
        """JAX: the rows laid out along the mesh's batch axis, the index replicated; GSPMD partitions
        the unchanged step (the result is the one-device one whatever the layout)."""
        mesh = self.engine.device_mesh
        layout = lambda v: keras.distribution.TensorLayout(("batch",) + (None,) * (v.ndim - 1), mesh)
        return {k: keras.distribution.distribute_tensor(v, layout(v)) for k, v in source.items()}, index

    def _split(self, source: dict, index: Any) -> tuple[Any, Any]:
        """TF: replica r gets rows [r*B/N, (r+1)*B/N) of each of the k batches, and the matching index."""
        strategy, (k, batch) = self.engine, index.shape
        b = batch // self.replicas
        rows = {key: np.asarray(v)[np.asarray(index)] for key, v in source.items()}  # (k, B, ...)

        def part(ctx: Any) -> dict:
            r = ctx.replica_id_in_sync_group
            return {key: v[:, r * b:(r + 1) * b].reshape(k * b, *v.shape[2:]) for key, v in rows.items()}

        local = np.arange(k * b, dtype=np.int32).reshape(k, b)
        return strategy.experimental_distribute_values_from_function(part), local


def engine_name() -> str:
    """The engine's name, for messages."""
    return "keras.distribution.DataParallel" if backend.BACKEND == "jax" else "tf.distribute.MirroredStrategy"


class MirroredSteps:
    """TF: ``train``, ``d_only`` and ``g_only`` run on every replica; ``generate``, ``discriminate`` as before."""

    def __init__(self, fns: StepFunctions, strategy: Any):
        self.generate, self.discriminate = fns.generate, fns.discriminate
        self.train, self.d_only, self.g_only = (self._replicated(f, strategy)
                                                for f in (fns.train, fns.d_only, fns.g_only))

    @staticmethod
    def _replicated(step: Callable, strategy: Any) -> Callable:
        import tensorflow as tf

        @tf.function(reduce_retracing=True)
        def run(per_replica: Any, index: Any) -> dict:
            out = strategy.run(step, args=(per_replica, index))
            return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in out.items()}

        return run


def _divide_gradients(opt: keras.Optimizer, replicas: int) -> None:
    """Divide gradients by the replica count before the optimizer's all-reduce SUM (dense or sparse).

    Keras' own ``loss_scale_factor`` would do the division but fails on an Embedding's IndexedSlices."""
    import tensorflow as tf

    apply = opt.apply

    def divided(grads: list, trainable_variables: list | None = None) -> Any:
        grads = [g if g is None else tf.IndexedSlices(g.values / replicas, g.indices, g.dense_shape)
                 if isinstance(g, tf.IndexedSlices) else g / replicas for g in grads]
        return apply(grads, trainable_variables)

    opt.apply = divided


def _draw_latents_globally(gan: GAN, strategy: Any) -> None:
    """Inside a replica, draw the latent batch for all replicas at once (same seed stream as one device)."""
    import tensorflow as tf

    sample = gan.sample_latent
    replicas = strategy.num_replicas_in_sync

    def sample_latent(count: Any, batch: dict | None = None) -> dict:
        ctx = tf.distribute.get_replica_context()
        if ctx is None or tf.distribute.in_cross_replica_context():
            return sample(count, batch)

        def draw(strategy: Any, local: dict | None) -> Any:
            whole = None if local is None else {
                k: tf.concat(strategy.experimental_local_results(v), 0) for k, v in local.items()}
            latent = sample(count * replicas, whole)
            return strategy.experimental_distribute_values_from_function(
                lambda c: {k: v[c.replica_id_in_sync_group * count : (c.replica_id_in_sync_group + 1) * count]
                           for k, v in latent.items()})

        return ctx.merge_call(draw, args=(batch,))

    gan.sample_latent = sample_latent  # type: ignore[method-assign]


def available_devices() -> list[str]:
    """The devices the backend sees: GPUs if any, else the (logical) CPUs."""
    if backend.BACKEND == "jax":
        import jax

        return [f"{d.platform}:{d.id}" for d in jax.devices()]
    import tensorflow as tf

    kind = "GPU" if tf.config.list_physical_devices("GPU") else "CPU"
    return [d.name for d in tf.config.list_logical_devices(kind)]


def _split_tf_cpu(count: int) -> None:
    """TF on a CPU-only machine: ``count`` logical CPU devices (before TensorFlow's first operation)."""
    import tensorflow as tf

    if count < 2 or tf.config.list_physical_devices("GPU"):
        return
    cpu = tf.config.list_physical_devices("CPU")[0]
    if len(tf.config.get_logical_device_configuration(cpu) or []) == count:
        return
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError:
        raise ValueError("TensorFlow has already started, so the CPU can no longer be split into devices: "
                         "ask for them before anything runs (python -m ganlab train --devices N).") from None


def data_parallel(count: int | None) -> DataParallel | None:
    """The data-parallel plan for ``count`` devices (``None``: all of them); None for one device.

    On a CPU-only machine the CPU is split into ``count`` logical devices (JAX: the CLI set XLA_FLAGS
    before JAX started, see ``ganlab.devices``)."""
    if backend.BACKEND == "tensorflow" and count is not None:
        _split_tf_cpu(count)
    devices = available_devices()
    if count is not None and len(devices) < count:
        raise ValueError(f"Asked for {count} devices but the {backend.BACKEND} backend sees {len(devices)}: "
                         f"{', '.join(devices)}.")
    devices = devices[: count or len(devices)]
    if len(devices) < 2:
        return None
    if backend.BACKEND == "jax":
        return DataParallel(devices, keras.distribution.DataParallel(
            devices=keras.distribution.list_devices()[: len(devices)]))
    return DataParallel(devices, _mirrored(tuple(devices)))


@functools.cache
def _mirrored(devices: tuple[str, ...]) -> Any:
    """One MirroredStrategy per device set and process: two of them would draw the same collective-op
    keys, and their all-reduces would then meet each other's tensors."""
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(list(devices))
