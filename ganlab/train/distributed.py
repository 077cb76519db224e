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

from ganlab import backend
from ganlab.models.base import GAN
from ganlab.train.steps import StepFunctions

Draw = Callable[[int], dict]


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
                   draw: Draw, global_batch: int) -> tuple[Any, Draw]:
        """The session's step functions and batch source, made to run over the devices."""
        self.per_device(global_batch)
        if backend.BACKEND == "jax":
            return fns, self._laid_out(draw)
        _divide_gradients(g_opt, self.replicas)
        _divide_gradients(d_opt, self.replicas)
        _draw_latents_globally(gan, self.engine)
        return MirroredSteps(fns, self.engine), self._split(draw)

    def _laid_out(self, draw: Draw) -> Draw:
        """JAX: each stacked (k, B, ...) array laid out along the mesh's batch axis (axis 1)."""
        mesh = self.engine.device_mesh

        def laid_out(count: int) -> dict:
            return {key: keras.distribution.distribute_tensor(
                        value, keras.distribution.TensorLayout((None, "batch") + (None,) * (value.ndim - 2), mesh))
                    for key, value in draw(count).items()}

        return laid_out

    def _split(self, draw: Draw) -> Draw:
        """TF: each stacked (k, B, ...) array as per-replica (k, B/N, ...) slices."""
        strategy = self.engine

        def split(count: int) -> Any:
            stacked = draw(count)
            b = next(iter(stacked.values())).shape[1] // self.replicas
            return strategy.experimental_distribute_values_from_function(
                lambda ctx: {k: v[:, ctx.replica_id_in_sync_group * b : (ctx.replica_id_in_sync_group + 1) * b]
                             for k, v in stacked.items()})

        return split


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
        def run(per_replica: Any) -> dict:
            out = strategy.run(step, args=(per_replica,))
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
