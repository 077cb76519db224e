"""Steps/s of R ring GANs trained together by one GroupedSteps program (ganlab/train/grouped.py).

Ring preset shapes: G 8-64-64-64-2, D 2-64-64-64-1, batch 256, non-saturating loss, k=1, Adam 1e-3.
Prints the CPU model and date, then per R: the compile time (first call), steps/s of each run and
of the group (run-steps/s), with and without XLA (jit_compile). Usage:

    nice python benchmarks/grouped_step.py [--runs 1 8 30] [--steps 64] [--seconds 5] [--xla both]
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import subprocess
import time
from typing import Any

import keras
import numpy as np
from keras import ops

from ganlab import backend
from ganlab.data.toy import toy_2d
from ganlab.models import ModelSpec, get_model_class
from ganlab.train.grouped import GroupedSteps

BATCH = 256


def cpu_model() -> str:
    """The CPU's model name, as lscpu reports it."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return "unknown"
    return next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")),
                "unknown")


def build_group(runs: int, xla: bool) -> tuple[GroupedSteps, dict, dict, list]:
    """A group of ``runs`` ring GANs (seeds 0..runs-1), its stacked data, settings and row samplers."""
    data = toy_2d("ring")
    spec = ModelSpec((2,), 8, 0, "float32", {})
    cls = get_model_class("vanilla")
    keras.utils.set_random_seed(0)
    group = GroupedSteps(cls(spec, "non_saturating", seed=0), capacity=runs, max_k=1, max_steps=256, xla=xla)
    for slot in range(runs):
        keras.utils.set_random_seed(slot)
        gan = cls(spec, "non_saturating", seed=slot)
        group.put(slot, GroupedSteps.values_of(gan, keras.optimizers.Adam(), keras.optimizers.Adam()))
    source = {"x": np.repeat(data.x[None], runs, axis=0)}
    settings = group.settings([1e-3] * runs, [1e-3] * runs, [1] * runs, [1] * runs, [True] * runs)
    samplers = [data.index_sampler(BATCH, slot) for slot in range(runs)]
    return group, source, settings, samplers


def measure(runs: int, xla: bool, steps: int, seconds: float) -> tuple[float, float]:
    """(compile seconds, steps/s of each run) for a group of ``runs``."""
    group, source, settings, samplers = build_group(runs, xla)

    def call() -> None:
        rows = {slot: s(steps).reshape(steps, 1, BATCH) for slot, s in enumerate(samplers)}
        out = group.train(source, rows, steps, settings)
        assert np.isfinite(out["d_loss"]).all()

    t0 = time.perf_counter()
    call()
    compile_s = time.perf_counter() - t0
    call()
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        call()
        done += steps
    return compile_s, done / (time.perf_counter() - t0)


def _mlp(weights: list, x: Any) -> Any:
    """A stacked MLP: (R, B, in) through [W (R, in, out), b (R, out)] pairs, LeakyReLU(0.2) between."""
    for i in range(0, len(weights), 2):
        x = ops.einsum("rbi,rio->rbo", x, weights[i]) + weights[i + 1][:, None]
        if i + 2 < len(weights):
            x = ops.leaky_relu(x, 0.2)
    return x


def _adam(w: list, g: list, m: list, v: list, t: Any, lr: float = 1e-3) -> tuple[list, list, list]:
    """Keras's Adam (beta 0.5, 0.999) on stacked arrays."""
    alpha = lr * ops.sqrt(1 - 0.999 ** t) / (1 - 0.5 ** t)
    m = [a + (gi - a) * 0.5 for a, gi in zip(m, g)]
    v = [a + (gi * gi - a) * 0.001 for a, gi in zip(v, g)]
    return [wi - mi * alpha / (ops.sqrt(vi) + 1e-7) for wi, mi, vi in zip(w, m, v)], m, v


def _einsum_step(state: tuple, x: Any, seeds: keras.random.SeedGenerator) -> tuple[tuple, Any]:
    """One k=1 ring step for stacked MLPs: D's update, then G's through the updated D (shared forward)."""
    gw, dw, gm, gv, dm, dv, t, seed = state
    runs, batch = ops.shape(x)[0], ops.shape(x)[1]
    with keras.StatelessScope(state_mapping=[(seeds.state, seed)]) as scope:
        z = keras.random.normal((runs, batch, 8), seed=seeds)
    seed = scope.get_current_value(seeds.state)
    fake, pullback, _ = backend.value_vjp(lambda w: (_mlp(w, z), ()), gw)
    fake_in = ops.stop_gradient(fake)

    def d_loss(w):
        per_run = ops.mean(ops.softplus(-_mlp(w, x)), (1, 2)) + ops.mean(ops.softplus(_mlp(w, fake_in)), (1, 2))
        return ops.sum(per_run), per_run

    (_, d_losses), grads = backend.value_grad(d_loss, dw)
    dw, dm, dv = _adam(dw, grads, dm, dv, t + 1)
    (_, g_losses), (d_fake,) = backend.value_grad(
        lambda f: (ops.sum(ops.mean(ops.softplus(-_mlp(dw, f[0])), (1, 2))), ops.mean(f[0], (1, 2))), [fake])
    gw, gm, gv = _adam(gw, pullback(d_fake), gm, gv, t + 1)
    return (gw, dw, gm, gv, dm, dv, t + 1, seed), d_losses + g_losses


def measure_einsum(runs: int, xla: bool, steps: int, seconds: float) -> tuple[float, float]:
    """The same figures for a hand-stacked MLP (einsum) version of the ring step, k=1 only."""
    rng = np.random.default_rng(0)
    sizes_g, sizes_d = [8, 64, 64, 64, 2], [2, 64, 64, 64, 1]

    def stacked(sizes):
        out = []
        for a, b in itertools.pairwise(sizes):
            out += [rng.normal(0, a ** -0.5, (runs, a, b)).astype("float32"), np.zeros((runs, b), "float32")]
        return out

    gw, dw = stacked(sizes_g), stacked(sizes_d)
    zeros = lambda ws: [np.zeros_like(w) for w in ws]
    seeds = keras.random.SeedGenerator(0)
    state = (gw, dw, zeros(gw), zeros(gw), zeros(dw), zeros(dw), np.float32(0),
             ops.convert_to_numpy(seeds.state.value))

    def loop(state, x):
        return ops.fori_loop(0, ops.shape(x)[0], lambda i, s: _einsum_step(s, x[i], seeds)[0], state)

    program = backend.compile_pure(loop, xla)
    data = toy_2d("ring").x
    call = lambda s: program(s, data[rng.integers(0, len(data), (steps, runs, BATCH))])
    t0 = time.perf_counter()
    state = call(state)
    compile_s = time.perf_counter() - t0
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        state = call(state)
        done += steps
    return compile_s, done / (time.perf_counter() - t0)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1, 8, 30])
    parser.add_argument("--steps", type=int, default=64, help="steps per call")
    parser.add_argument("--seconds", type=float, default=5.0, help="timed seconds per figure")
    parser.add_argument("--xla", choices=["off", "on", "both"], default="both")
    parser.add_argument("--einsum", action="store_true", help="also time a hand-stacked einsum MLP step")
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"Keras {keras.__version__} ({keras.backend.backend()})")
    for xla in {"off": [False], "on": [True], "both": [False, True]}[args.xla]:
        for runs in args.runs:
            compile_s, each = measure(runs, xla, args.steps, args.seconds)
            print(f"R={runs:3d} xla={'on ' if xla else 'off'} compile {compile_s:6.2f} s  "
                  f"{each:8.1f} steps/s each  {each * runs:8.1f} run-steps/s total", flush=True)
            if args.einsum:
                compile_s, each = measure_einsum(runs, xla, args.steps, args.seconds)
                print(f"      einsum     compile {compile_s:6.2f} s  {each:8.1f} steps/s each  "
                      f"{each * runs:8.1f} run-steps/s total", flush=True)


if __name__ == "__main__":
    main()
