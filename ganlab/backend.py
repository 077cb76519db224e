"""The only backend-specific code: compile a step, take gradients, name the device.

Everything else in ganlab is written with ``keras.ops`` and calls these few functions,
so the same train step runs on TensorFlow (default) and JAX.
"""

from __future__ import annotations

import functools
import os
import platform
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

BACKEND = keras.backend.backend()


def _check_backend() -> None:
    if BACKEND not in ("tensorflow", "jax"):
        raise RuntimeError(
            f"ganlab supports the 'tensorflow' and 'jax' Keras backends, not {BACKEND!r}. "
            "Set KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax."
        )


_check_backend()

if BACKEND == "tensorflow":
    import tensorflow as tf

    def _open(value: Any, dims: int) -> Any:
        """TensorSpecs for ``value`` (an array or a dict of arrays) with its first ``dims`` axes left open."""
        return tf.nest.map_structure(
            lambda a: tf.TensorSpec([None] * dims + list(a.shape[dims:]), tf.as_dtype(a.dtype)), value)

    def compile_step(fn: Callable, state: Sequence[keras.Variable], xla: bool = False,
                     relax: Sequence[int] | None = None) -> Callable:
        """Compile a stateful step that reads and updates Keras variables (tf.function).

        ``relax`` (one count per argument): leave that many leading axes of each argument open, so
        one trace serves every length along them (a train step's k D batches: any k, no retrace).
        Not for a step built under a tf.distribute strategy: its synchronisation points (merge_call)
        cannot sit in the graph loop an open length needs (``repeat``), so there shapes stay static."""
        del state  # TF variables are updated in place by the graph.
        if relax is None or tf.distribute.has_strategy():
            return tf.function(fn, jit_compile=xla, reduce_retracing=relax is None)
        compiled: list = []  # traced on the first call, with the relaxed axes open

        @functools.wraps(fn)
        def call(*args):
            if not compiled:
                specs = [_open(a, dims) for a, dims in zip(args, relax)]
                compiled.append(tf.function(fn, input_signature=specs, jit_compile=xla))
            return compiled[0](*args)

        return call

    def repeat(fn: Callable[[Any], Any], n: Any) -> None:
        """Run ``fn(i)`` for i in range(n) inside a compiled step, for its updates of variables; a
        graph loop when n is only known when the step runs (one program for every n)."""
        if isinstance(n, (int, np.integer)):
            for i in range(int(n)):
                fn(i)
            return

        def body(i):
            fn(i)
            return (i + 1,)

        tf.while_loop(lambda i: i < n, body, (tf.constant(0),))

    def grad(
        fn: Callable[..., tuple[Any, Any]],
        variables: Sequence[keras.Variable] = (),
        inputs: Sequence[Any] = (),
    ) -> tuple[Any, list, list]:
        """Return ``(aux, grads_wrt_variables, grads_wrt_inputs)`` of ``loss, aux = fn(*inputs)``."""
        inputs = [tf.convert_to_tensor(x) for x in inputs]
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss, aux = fn(*inputs)
        grads = tape.gradient(loss, [*variables, *inputs])
        return (loss, aux), grads[: len(variables)], grads[len(variables) :]

    def vjp(fn: Callable[[], Any], variables: Sequence[keras.Variable]) -> tuple[Any, Callable]:
        """Run ``fn()`` and return its output and a pullback: cotangent -> grads of variables."""
        with tf.GradientTape() as tape:
            out = fn()

        def pullback(cotangent: Any) -> list:
            return tape.gradient(out, list(variables), output_gradients=cotangent)

        return out, pullback

    def input_gradient(fn: Callable[[Any], Any], x: Any) -> Any:
        """Gradient of ``sum(fn(x))`` with respect to ``x``, itself differentiable (for penalties)."""
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x)

    def compile_loop(fn: Callable, state: Sequence[keras.Variable], xla: bool = False,
                     max_steps: int = 256) -> Callable:
        """Compile ``call(source, index)``: ``fn(source, index[i])`` for every i along index's first axis
        (at most max_steps), in one graph (a tf.while_loop), returning each output stacked along a new
        first axis. ``call.compiles()`` counts the traces so far."""
        del state, max_steps  # one trace with the lengths left open (steps, and k per step) serves them all

        def loop(source, index):
            first = fn(source, index[0])  # step 0 outside the loop: it gives the outputs' structure
            keys = sorted(first)
            n = tf.shape(index)[0]
            arrays = [tf.TensorArray(first[k].dtype, size=n, element_shape=first[k].shape).write(0, first[k])
                      for k in keys]

            def body(i, arrays):
                out = fn(source, index[i])
                return i + 1, [a.write(i, out[k]) for a, k in zip(arrays, keys)]

            _, arrays = tf.while_loop(lambda i, _: i < n, body, (tf.constant(1), arrays))
            return {k: a.stack() for k, a in zip(keys, arrays)}

        compiled: list = []  # traced once, on the first call, for any length of every input

        def call(source, index):
            if not compiled:
                specs = [_open(source, 1), _open(index, max(np.ndim(index) - 1, 1))]
                compiled.append(tf.function(loop, input_signature=specs, jit_compile=xla, autograph=False))
            return compiled[0](source, index)

        call.compiles = lambda: compiled[0].experimental_get_tracing_count() if compiled else 0
        return call

    def value_grad(fn: Callable[[list], tuple[Any, Any]], values: Sequence[Any]) -> tuple[tuple[Any, Any], list]:
        """``((loss, aux), grads)`` of ``loss, aux = fn(values)`` with respect to the arrays ``values``."""
        values = [tf.convert_to_tensor(v) for v in values]
        with tf.GradientTape() as tape:
            tape.watch(values)
            loss, aux = fn(values)
        return (loss, aux), tape.gradient(loss, values, unconnected_gradients=tf.UnconnectedGradients.ZERO)

    def value_vjp(fn: Callable[[list], tuple[Any, Any]], values: Sequence[Any]) -> tuple[Any, Callable, Any]:
        """``(out, pullback, aux)`` of ``out, aux = fn(values)``; pullback: cotangent -> grads of values."""
        values = [tf.convert_to_tensor(v) for v in values]
        with tf.GradientTape() as tape:
            tape.watch(values)
            out, aux = fn(values)
        return out, lambda cot: tape.gradient(out, values, output_gradients=cot,
                                              unconnected_gradients=tf.UnconnectedGradients.ZERO), aux

    def compile_pure(fn: Callable, xla: bool = False) -> Callable:
        """Compile a pure function of arrays (no variables); ``call.compiles()`` counts its traces."""
        compiled = tf.function(fn, jit_compile=xla, autograph=False)
        call = functools.wraps(fn)(lambda *args: compiled(*args))
        call.compiles = compiled.experimental_get_tracing_count
        return call

    def fetch(values: dict[str, Any]) -> dict[str, np.ndarray]:
        """Device values to host numpy arrays, in one round trip where the backend allows."""
        return {k: np.asarray(v) for k, v in values.items()}

else:  # jax
    import jax
    from keras.src.backend.common.stateless_scope import get_stateless_scope

    def _scope_with(values: dict[int, Any]) -> keras.StatelessScope:
        """A StatelessScope that sees the enclosing scope's values, overridden by ``values``."""
        scope = keras.StatelessScope()
        outer = get_stateless_scope()
        if outer is not None:
            scope.state_mapping.update(outer.state_mapping)
        scope.state_mapping.update(values)
        return scope

    def _changed(scope: keras.StatelessScope, skip: set[int]) -> dict[int, Any]:
        return {k: v for k, v in scope.state_mapping.items() if k not in skip}

    def compile_step(fn: Callable, state: Sequence[keras.Variable], xla: bool = True,
                     relax: Sequence[int] | None = None) -> Callable:
        """Compile a stateful step with jax.jit: variables go in as values and come out updated.

        ``relax`` is accepted for TensorFlow's sake: XLA shapes are static, so a new length (another
        k) compiles once more, and jit keeps every program it compiled."""
        del xla, relax  # jit always compiles with XLA on JAX.
        state = list(state)

        def pure(values, *args):
            with _scope_with({id(v): x for v, x in zip(state, values)}) as scope:
                out = fn(*args)
            return out, [scope.get_current_value(v) for v in state]

        jitted = jax.jit(pure)

        @functools.wraps(fn)
        def call(*args):
            out, new_values = jitted([v.value for v in state], *args)
            for v, x in zip(state, new_values):
                v.assign(x)
            return out

        return call

    def grad(
        fn: Callable[..., tuple[Any, Any]],
        variables: Sequence[keras.Variable] = (),
        inputs: Sequence[Any] = (),
    ) -> tuple[Any, list, list]:
        """Return ``(aux, grads_wrt_variables, grads_wrt_inputs)`` of ``loss, aux = fn(*inputs)``."""
        variables = list(variables)
        ids = {id(v) for v in variables}

        def f(var_values, input_values):
            with _scope_with({id(v): x for v, x in zip(variables, var_values)}) as scope:
                loss, aux = fn(*input_values)
            return loss, (aux, _changed(scope, ids))

        (loss, (aux, updates)), (gv, gi) = jax.value_and_grad(f, argnums=(0, 1), has_aux=True)(
            [v.value for v in variables], list(inputs)
        )
        get_stateless_scope().state_mapping.update(updates)
        return (loss, aux), list(gv), list(gi)

    def vjp(fn: Callable[[], Any], variables: Sequence[keras.Variable]) -> tuple[Any, Callable]:
        """Run ``fn()`` and return its output and a pullback: cotangent -> grads of variables."""
        variables = list(variables)
        ids = {id(v) for v in variables}

        def f(var_values):
            with _scope_with({id(v): x for v, x in zip(variables, var_values)}) as scope:
                out = fn()
            return out, _changed(scope, ids)

        out, pull, updates = jax.vjp(f, [v.value for v in variables], has_aux=True)
        get_stateless_scope().state_mapping.update(updates)
        return out, lambda cotangent: list(pull(cotangent)[0])

    def input_gradient(fn: Callable[[Any], Any], x: Any) -> Any:
        """Gradient of ``sum(fn(x))`` with respect to ``x``, itself differentiable (for penalties)."""
        return jax.grad(lambda t: keras.ops.sum(fn(t)))(x)

    def repeat(fn: Callable[[Any], Any], n: Any) -> None:
        """Run ``fn(i)`` for i in range(n) inside a compiled step (n is static under jit: unrolled)."""
        for i in range(int(n)):
            fn(i)

    def compile_loop(fn: Callable, state: Sequence[keras.Variable], xla: bool = True,
                     max_steps: int = 256) -> Callable:
        """Compile ``call(source, index)``: ``fn(source, index[i])`` for every i along index's first axis
        (at most max_steps), in one XLA program carrying the variables, returning stacked outputs.

        One program serves every length: index is padded to max_steps and a fori_loop runs the
        first n, so adapting n never recompiles. ``call.compiles()`` counts the compiles so far."""
        del xla
        state = list(state)
        jnp = jax.numpy

        def one(values, source, idx):
            with _scope_with({id(v): x for v, x in zip(state, values)}) as scope:
                out = fn(source, idx)
            return [jnp.asarray(scope.get_current_value(v), dtype=x.dtype) for v, x in zip(state, values)], out

        def pure(values, source, index, n):
            shapes = jax.eval_shape(lambda: one(values, source, index[0])[1])
            outs = {k: jnp.zeros((max_steps, *s.shape), s.dtype) for k, s in shapes.items()}

            def body(i, carry):
                values, outs = carry
                values, out = one(values, source, index[i])
                return values, {k: outs[k].at[i].set(out[k]) for k in outs}

            return jax.lax.fori_loop(0, n, body, (values, outs))

        jitted = jax.jit(pure)

        def call(source, index):
            index = np.asarray(index)
            n = len(index)
            if not 1 <= n <= max_steps:
                raise ValueError(f"a fused call runs 1 to {max_steps} steps, not {n}")
            padded = np.zeros((max_steps, *index.shape[1:]), index.dtype)
            padded[:n] = index
            new_values, outs = jitted([v.value for v in state], source, padded, np.int32(n))
            for v, x in zip(state, new_values):
                v.assign(x)
            return {k: v[:n] for k, v in jax.device_get(outs).items()}

        call.compiles = jitted._cache_size
        return call

    def value_grad(fn: Callable[[list], tuple[Any, Any]], values: Sequence[Any]) -> tuple[tuple[Any, Any], list]:
        """``((loss, aux), grads)`` of ``loss, aux = fn(values)`` with respect to the arrays ``values``."""
        (loss, aux), grads = jax.value_and_grad(fn, has_aux=True)(list(values))
        return (loss, aux), list(grads)

    def value_vjp(fn: Callable[[list], tuple[Any, Any]], values: Sequence[Any]) -> tuple[Any, Callable, Any]:
        """``(out, pullback, aux)`` of ``out, aux = fn(values)``; pullback: cotangent -> grads of values."""
        out, pull, aux = jax.vjp(fn, list(values), has_aux=True)
        return out, lambda cot: list(pull(cot)[0]), aux

    def compile_pure(fn: Callable, xla: bool = True) -> Callable:
        """Compile a pure function of arrays (no variables); ``call.compiles()`` counts its compiles."""
        del xla
        jitted = jax.jit(fn)
        call = functools.wraps(fn)(lambda *args: jitted(*args))
        call.compiles = jitted._cache_size
        return call

    def fetch(values: dict[str, Any]) -> dict[str, np.ndarray]:
        """Device values to host numpy arrays, in one round trip where the backend allows."""
        return {k: np.asarray(v) for k, v in jax.device_get(values).items()}


def cpu_flags() -> set[str]:
    """CPU feature flags from /proc/cpuinfo (empty where unavailable)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def gpu_names() -> list[str]:
    """Names of the GPUs the backend can use (empty on a CPU-only machine)."""
    if BACKEND == "tensorflow":
        names = []
        for dev in tf.config.list_physical_devices("GPU"):
            details = tf.config.experimental.get_device_details(dev)
            names.append(details.get("device_name", dev.name))
        return names
    return [d.device_kind for d in jax.devices() if d.platform == "gpu"]


@functools.cache
def device_description() -> str:
    """A one-line description of where training runs, e.g. 'CPU (2 cores, AVX-512 bf16)'."""
    gpus = gpu_names()
    if gpus:
        return f"GPU: {', '.join(gpus)} ({BACKEND})"
    flags = cpu_flags()
    extra = ", AVX-512 bf16" if {"avx512_bf16", "amx_bf16"} & flags else ""
    cpu = platform.processor() or platform.machine()
    return f"CPU: {cpu} ({os.cpu_count()} cores{extra}, {BACKEND})"


def gather_on_device() -> bool:
    """Whether training batches are gathered from a device copy of the dataset: with a GPU (no
    per-step host copy), and always on JAX (one fused program for every chunk length needs inputs
    of fixed shape). On TensorFlow's CPU the host gathers each call's rows instead."""
    return BACKEND == "jax" or bool(gpu_names())


def to_device(arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Copy arrays once to the default device (a GPU when there is one), as backend tensors."""
    if BACKEND == "jax":
        return {k: jax.device_put(v) for k, v in arrays.items()}
    return {k: tf.convert_to_tensor(v) for k, v in arrays.items()}


def gpu_has_bf16() -> bool:
    """True when every GPU in use computes in bfloat16 natively (NVIDIA compute capability 8.0+)."""
    if BACKEND == "tensorflow":
        caps = [tf.config.experimental.get_device_details(d).get("compute_capability", (0, 0))
                for d in tf.config.list_physical_devices("GPU")]
    else:
        caps = [tuple(int(p) for p in str(getattr(d, "compute_capability", "0.0")).split(".")[:2])
                for d in jax.devices() if d.platform == "gpu"]
    return bool(caps) and all(tuple(c) >= (8, 0) for c in caps)


def resolve_precision(precision: str) -> str:
    """Turn 'auto' into the dtype policy that is fastest here; pass explicit names through.

    mixed_bfloat16 trains faster than float32 where the hardware computes bf16 natively, on CPUs
    and GPUs alike. Without native bf16 it is emulated and slower, so 'auto' picks it only on a CPU
    with bf16 instructions (TensorFlow) or a GPU of compute capability 8.0 or more.
    """
    if precision != "auto":
        return precision
    if gpu_names():
        return "mixed_bfloat16" if gpu_has_bf16() else "float32"
    if BACKEND == "tensorflow" and {"avx512_bf16", "amx_bf16"} & cpu_flags():
        return "mixed_bfloat16"
    return "float32"
