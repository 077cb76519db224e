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

Several machines (processes) follow each engine's own convention, read from the environment
(:func:`cluster_from_env`); every worker runs the same command:

- TensorFlow: ``TF_CONFIG`` (``{"cluster": {"worker": [...]}, "task": {"type": "worker", "index": i}}``)
  selects ``tf.distribute.MultiWorkerMirroredStrategy``. Replica ids, ``num_replicas_in_sync`` and the
  all-reduces span all workers, so the same two fixes hold: gradients are divided by the replica count of
  the whole cluster, and the latent batch is drawn once for the global batch (every worker draws the same
  one from the same seed, its labels gathered from all workers) and sliced by global replica id. Every
  worker samples the same global batch rows (same seed) and hands its replicas only their own slice.
- JAX: ``KERAS_DISTRIBUTION_JOB_ADDRESSES`` / ``_NUM_PROCESSES`` / ``_PROCESS_ID``, passed to
  ``keras.distribution.initialize`` (``jax.distributed.initialize``) before ``keras.distribution.DataParallel``
  over all processes' devices; each process builds its own shards of the global batch
  (``jax.make_array_from_callback``). On CPUs the collectives are gloo's.

Worker 0 (TF: the ``chief`` task if there is one) is the chief: only it writes files (``chief``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from ganlab import backend
from ganlab.models.base import GAN
from ganlab.train.steps import StepFunctions

Place = Callable[[dict, Any], tuple[Any, Any]]


@dataclass(frozen=True)
class Cluster:
    """This process's place in a multi-machine job, as the engine's own environment variables describe it."""

    workers: tuple[str, ...]  # each worker's name (TF: its task's device prefix; JAX: "process i")
    index: int  # this worker's position in ``workers``; 0 is the chief
    source: str  # the environment variables it was read from

    @property
    def chief(self) -> bool:
        """Whether this is worker 0, the one that writes the checkpoint."""
        return self.index == 0


@dataclass
class DataParallel:
    """N devices (on one machine, or on all the workers of a cluster) and the backend's engine that
    trains one step over them."""

    devices: list[str]  # all the devices of the job, every worker's
    engine: Any  # tf.distribute.(MultiWorker)MirroredStrategy, or keras.distribution.DataParallel on JAX
    cluster: Cluster | None = None  # None: one process

    @property
    def replicas(self) -> int:
        """How many devices share each batch (on all workers)."""
        return len(self.devices)

    @property
    def workers(self) -> int:
        """How many processes (machines) train together."""
        return len(self.cluster.workers) if self.cluster else 1

    @property
    def chief(self) -> bool:
        """Whether this process writes files (the checkpoint, the card, progress)."""
        return self.cluster is None or self.cluster.chief

    def per_device(self, global_batch: int) -> int:
        """Examples per device for a global batch (which must split evenly)."""
        if global_batch % self.replicas:
            raise ValueError(f"The batch size ({global_batch}) must split evenly over {self.replicas} devices: "
                             f"use a multiple of {self.replicas}.")
        return global_batch // self.replicas

    def describe(self, global_batch: int) -> str:
        """One line: the worker (in a cluster), the devices and the batch each one gets."""
        where = ""
        if self.cluster is not None:
            c = self.cluster
            where = (f"worker {c.index} of {len(c.workers)}{' (chief)' if c.chief else ''}, "
                     f"cluster from {c.source}: ")
        return (f"{where}{self.replicas} devices ({', '.join(self.devices)}; {engine_name(self.workers)}), "
                f"{self.per_device(global_batch)} examples per device (global batch {global_batch})")

    def as_dict(self, global_batch: int) -> dict[str, Any]:
        """For the checkpoint card."""
        card = {"devices": list(self.devices), "engine": engine_name(self.workers),
                "per_device_batch": self.per_device(global_batch), "global_batch": global_batch,
                "workers": self.workers}
        if self.cluster is not None:
            card["cluster"] = {"workers": list(self.cluster.workers), "from": self.cluster.source}
        return card

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
        _draw_latents_globally(gan, self.engine, across_workers=self.workers > 1)
        return MirroredSteps(fns, self.engine), self._split

    def _laid_out(self, source: dict, index: Any) -> tuple[dict, Any]:
        """JAX: the rows laid out along the mesh's batch axis, the index replicated; GSPMD partitions
        the unchanged step (the result is the one-device one whatever the layout)."""
        mesh = self.engine.device_mesh
        layout = lambda v: keras.distribution.TensorLayout(("batch",) + (None,) * (v.ndim - 1), mesh)
        if self.workers > 1:  # every process has the same global rows; each builds only its own shards
            import jax

            index = np.asarray(index)
            rows = {k: np.asarray(v)[index.reshape(-1)] for k, v in source.items()}
            local = np.arange(index.size, dtype=np.int32).reshape(index.shape)
            return {k: jax.make_array_from_callback(v.shape, layout(v).backend_layout, lambda i, v=v: v[i])
                    for k, v in rows.items()}, local
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


def engine_name(workers: int = 1) -> str:
    """The engine's name, for messages."""
    if backend.BACKEND == "jax":
        return "keras.distribution.DataParallel"
    return "tf.distribute.MultiWorkerMirroredStrategy" if workers > 1 else "tf.distribute.MirroredStrategy"


class MirroredSteps:
    """TF: ``train``, ``d_only`` and ``g_only`` run on every replica; ``generate``, ``discriminate`` and
    ``push`` (the views' and snapshots' readings, on one replica) as before."""

    def __init__(self, fns: StepFunctions, strategy: Any):
        self.generate, self.discriminate, self.push = fns.generate, fns.discriminate, fns.push
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


def _draw_latents_globally(gan: GAN, strategy: Any, across_workers: bool = False) -> None:
    """Inside a replica, draw the latent batch for all replicas at once (same seed stream as one device).

    Every worker of a cluster draws the same global batch (same seed) and keeps its replicas' slices; the
    batch a conditional model reads its labels from is then gathered from all workers."""
    import tensorflow as tf

    sample = gan.sample_latent
    replicas = strategy.num_replicas_in_sync

    def sample_latent(count: Any, batch: dict | None = None) -> dict:
        ctx = tf.distribute.get_replica_context()
        if ctx is None or tf.distribute.in_cross_replica_context():
            return sample(count, batch)

        def draw(strategy: Any, local: dict | None) -> Any:
            gather = ((lambda v: strategy.gather(v, axis=0)) if across_workers
                      else (lambda v: tf.concat(strategy.experimental_local_results(v), 0)))
            whole = None if local is None else {k: gather(v) for k, v in local.items()}
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
    before JAX started, see ``ganlab.devices``). When the environment describes a cluster
    (:func:`cluster_from_env`), ``count`` is this machine's devices and the plan spans all workers."""
    cluster = cluster_from_env()
    if cluster is not None:
        return _multi_worker(count, cluster)
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


# -- several machines ----------------------------------------------------------------------------------
JAX_VARIABLES = ("KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES",
                 "KERAS_DISTRIBUTION_PROCESS_ID")


def cluster_from_env(environ: Mapping[str, str] | None = None) -> Cluster | None:
    """The multi-machine job this process belongs to, from the backend's own variables (TensorFlow:
    ``TF_CONFIG``; JAX: ``KERAS_DISTRIBUTION_*``); None when they describe no more than one worker."""
    env = os.environ if environ is None else environ
    if backend.BACKEND == "tensorflow":
        return _tf_cluster(env.get("TF_CONFIG", ""))
    return _jax_cluster(env)


def _tf_cluster(text: str) -> Cluster | None:
    """TF_CONFIG's workers (the ``chief`` task first, then ``worker`` tasks) and this task's place."""
    if not text.strip():
        return None
    try:
        config = json.loads(text)
        jobs, task = config.get("cluster", {}), config.get("task", {})
    except (ValueError, AttributeError):
        raise ValueError(f"TF_CONFIG is not the JSON TensorFlow expects ({{\"cluster\": {{\"worker\": [...]}}, "
                         f"\"task\": {{\"type\": \"worker\", \"index\": 0}}}}): {text!r}") from None
    names = [(job, i) for job in ("chief", "worker") for i in range(len(jobs.get(job, [])))]
    if len(names) < 2:
        return None
    other = sorted(set(jobs) - {"chief", "worker"})
    if other:
        raise ValueError(f"TF_CONFIG names {', '.join(other)} jobs: MultiWorkerMirroredStrategy runs only "
                         "'chief' and 'worker' tasks.")
    me = (task.get("type"), int(task.get("index", 0)))
    if me not in names:
        raise ValueError(f"TF_CONFIG's task {task} is not one of its cluster's chief/worker tasks.")
    return Cluster(tuple(f"/job:{job}/replica:0/task:{i}" for job, i in names), names.index(me), "TF_CONFIG")


def _jax_cluster(env: Mapping[str, str]) -> Cluster | None:
    """The KERAS_DISTRIBUTION_* variables that ``keras.distribution.initialize`` reads."""
    addresses, count, pid = (env.get(name, "").strip() for name in JAX_VARIABLES)
    if not count or int(count) < 2:
        return None
    if not addresses or not pid:
        raise ValueError(f"KERAS_DISTRIBUTION_NUM_PROCESSES={count}: set {JAX_VARIABLES[0]} (the coordinator's "
                         f"host:port, process 0's) and {JAX_VARIABLES[2]} (0 to {int(count) - 1}) as well.")
    if not 0 <= int(pid) < int(count):
        raise ValueError(f"{JAX_VARIABLES[2]}={pid} must be between 0 and {int(count) - 1}.")
    return Cluster(tuple(f"process {i}" for i in range(int(count))), int(pid), "KERAS_DISTRIBUTION_*")


def _multi_worker(count: int | None, cluster: Cluster) -> DataParallel:
    """The plan over all workers' devices; ``count`` devices (None: all) on this machine."""
    if backend.BACKEND == "jax":
        _initialize_jax()
        import jax

        local = jax.local_device_count()
        if count is not None and count != local:
            raise ValueError(f"This process sees {local} devices but --devices asks for {count}: in a cluster "
                             "use --devices all (restrict GPUs with CUDA_VISIBLE_DEVICES).")
        devices = keras.distribution.list_devices()
        return DataParallel(available_devices(), keras.distribution.DataParallel(devices=devices), cluster)
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus and count not in (None, 1):
        raise ValueError("In a TensorFlow cluster each CPU-only worker is one device "
                         "(MultiWorkerMirroredStrategy): use --devices all.")
    if gpus and count is not None:
        if count > len(gpus):
            raise ValueError(f"Asked for {count} devices but this worker has {len(gpus)} GPUs.")
        tf.config.set_visible_devices(gpus[:count], "GPU")
    strategy = _multi_worker_mirrored()
    local = [re.sub(r"^/job:[^/]+/replica:\d+/task:\d+", "", d) for d in strategy.extended.worker_devices]
    devices = [worker + d for worker in cluster.workers for d in local]
    if len(devices) != strategy.num_replicas_in_sync:
        raise ValueError(f"The workers do not have the same number of devices ({len(local)} here, "
                         f"{strategy.num_replicas_in_sync} replicas in all).")
    return DataParallel(devices, strategy, cluster)


@functools.cache
def _multi_worker_mirrored() -> Any:
    """TF: the one MultiWorkerMirroredStrategy of this process (it reads TF_CONFIG; made before any op)."""
    import tensorflow as tf

    return tf.distribute.MultiWorkerMirroredStrategy()


@functools.cache
def _initialize_jax() -> None:
    """JAX: ``keras.distribution.initialize`` from the KERAS_DISTRIBUTION_* variables, once, before any
    JAX computation; gloo's collectives on CPUs (the default of recent JAX, named where it is not)."""
    import jax

    if getattr(jax.config, "jax_cpu_collectives_implementation", "gloo") in (None, "", "none"):
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    try:
        keras.distribution.initialize()
    except RuntimeError as e:
        raise RuntimeError(f"keras.distribution.initialize failed ({e}): it must run before JAX computes "
                           "anything (python -m ganlab train does this first).") from e
