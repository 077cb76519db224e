"""Steps/s of R ring GANs trained together by one GroupedSteps program (ganlab/train/grouped.py).

Ring preset shapes: G 8-64-64-64-2, D 2-64-64-64-1, batch 256, non-saturating loss, k=1, Adam 1e-3.
Prints the CPU model and date, then per R: the compile time (first call), steps/s of each run and
of the group (run-steps/s), with and without XLA (jit_compile). Usage:

    nice python benchmarks/grouped_step.py [--runs 1 8 30] [--steps 64] [--seconds 5] [--xla both]
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import time

import keras
import numpy as np

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


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1, 8, 30])
    parser.add_argument("--steps", type=int, default=64, help="steps per call")
    parser.add_argument("--seconds", type=float, default=5.0, help="timed seconds per figure")
    parser.add_argument("--xla", choices=["off", "on", "both"], default="both")
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"Keras {keras.__version__} ({keras.backend.backend()})")
    for xla in {"off": [False], "on": [True], "both": [False, True]}[args.xla]:
        for runs in args.runs:
            compile_s, each = measure(runs, xla, args.steps, args.seconds)
            print(f"R={runs:3d} xla={'on ' if xla else 'off'} compile {compile_s:6.2f} s  "
                  f"{each:8.1f} steps/s each  {each * runs:8.1f} run-steps/s total", flush=True)


if __name__ == "__main__":
    main()
