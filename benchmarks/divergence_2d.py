"""JS / KL between real and generated points on the ring, healthy vs collapsing, and what the 2D views
and a settings change cost.

    python benchmarks/divergence_2d.py            # JS / KL at steps 0, 500, 1500, 3000 of both presets
    python benchmarks/divergence_2d.py --costs    # also: view_2d's CPU time, the pause after a change

JS and KL are ganlab.train.diagnostics.divergence_2d (bits, smoothed 36×36 histograms over the 2D
view's extent) between the 600 real points the view draws and G's 512 fixed-latent fakes, as
``/metrics`` and ``/view_2d`` report them. Two real samples of the ring differ by JS ≈ 0.01 bits
(sampling noise); all fakes on one of the 8 blobs gives ≈ 0.72.

Measured on a 2-core AMD EPYC (TensorFlow 2.21 CPU, shared with other jobs: load 4-8), 2026-12-02,
seed 0 (seed 1 in brackets):

    preset     step  JS (bits)      KL (bits)       coverage
    healthy       0  0.991 (0.994)  12.14 (12.29)   0.00 (0.00)
    healthy     500  0.222 (0.236)   0.82 (0.92)    1.00 (1.00)
    healthy    1500  0.067 (0.079)   0.27 (0.34)    1.00 (1.00)
    healthy    3000  0.145 (0.108)   0.63 (0.46)    1.00 (1.00)
    collapse      0  0.995 (0.996)  12.31 (12.35)   0.00 (0.00)
    collapse    500  0.905 (0.839)  10.28 (10.81)   0.08 (0.08)
    collapse   1500  0.902 (0.808)  10.82 (10.59)   0.08 (0.08)
    collapse   3000  0.854 (0.554)  10.94 (4.03)    0.00 (0.67)

At step 0 G puts every point near the origin (JS ≈ 1). The healthy ring falls to JS 0.07-0.15 bits
(it wobbles: D keeps reshaping the blobs); the collapsing run stays above 0.8 while G sits on one
blob, and drops (seed 1: 0.55) when it spreads over a few, as the preset's note says it hops.

--costs on the healthy preset after 300 steps: view_2d (48² heatmap, 512 fakes and arrows, 16²
manifold, KL / JS) 4.1-5.5 ms CPU per call (median of 40; its first call traces ~0.7-1 s, once per
session). A change of lr, k or the loss compiles nothing (``programs`` stays 1): the first 64-step
call after it takes as long as the next (e.g. lr 218 vs 248 ms, loss 121 vs 120 ms; k = 2: 89 vs
86 ms for 32 steps), so the pause is the call in flight (≤ CALL_S = 50 ms) plus noise.
"""

from __future__ import annotations

import argparse
import statistics
import time

from ganlab.config import TrainConfig
from ganlab.train import diagnostics, views
from ganlab.train.monitor import EXTENT, real_points
from ganlab.train.run import TrainingRun

PRESETS = {  # as ganlab/ui/train/text.py's "Healthy: ring of 8 Gaussians" and "Broken: mode collapse on the ring"
    "healthy": {"loss": "non_saturating", "lr_g": 1e-3, "lr_d": 1e-3, "k": 1, "batch_size": 256, "latent_dim": 8},
    "collapse": {"loss": "non_saturating", "lr_g": 0.005, "lr_d": 0.0005, "k": 1, "batch_size": 64, "latent_dim": 2},
}
AT = (0, 500, 1500, 3000)


def session(name: str, seed: int = 0) -> TrainingRun:
    """A ring session with the preset's settings."""
    return TrainingRun(TrainConfig(model="vanilla", dataset="ring", seed=seed, steps=3000, **PRESETS[name]))


def divergence_table(seed: int = 0) -> None:
    """JS / KL / coverage at the steps in AT, for both presets."""
    print(f"{'preset':9} {'step':>5} {'JS (bits)':>10} {'KL (bits)':>10} {'coverage':>9}")
    for name in PRESETS:
        s = session(name, seed)
        real = real_points(s)
        for target in AT:
            for _ in s.run(target - s.step_count):
                pass
            q = diagnostics.quality_2d(real, s.samples(), EXTENT)
            print(f"{name:9} {s.step_count:>5} {q['js']:>10.3f} {q['kl']:>10.2f} {q['coverage']:>9.2f}")


def view_cost(s: TrainingRun, calls: int = 40) -> float:
    """Median CPU milliseconds of one view_2d call (after a first, compiling one)."""
    views.view_2d(s)
    times = []
    for _ in range(calls):
        t0 = time.process_time()
        views.view_2d(s)
        times.append(1000 * (time.process_time() - t0))
    return statistics.median(times)


def change_pauses(s: TrainingRun, chunk: int = 64) -> None:
    """Wall time of a fused call of ``chunk`` steps before a change, the first call after it and the
    second (the pause a change causes is the first call's extra time over the second's)."""
    s.steps(chunk)
    s.steps(chunk)
    for change in ({"lr_g": 5e-4, "lr_d": 5e-4}, {"k": 2}, {"loss": "least_squares"}, {"k": 1},
                   {"loss": "non_saturating"}):
        times = []
        for i in range(3):
            if i == 1:
                s.change_settings(**change)
            t0 = time.perf_counter()
            s.steps(chunk)
            times.append(1000 * (time.perf_counter() - t0))
        print(f"change {change}: call before {times[0]:.0f} ms, first call after {times[1]:.0f} ms, second "
              f"{times[2]:.0f} ms ({chunk} steps, k = {s.config.k}; programs: {s.fns.train_many.compiles()})")


def main() -> None:
    """Print the table, and with --costs the view and change costs on the healthy preset."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--costs", action="store_true", help="also time view_2d and a settings change")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    divergence_table(args.seed)
    if args.costs:
        s = session("healthy", args.seed)
        for _ in s.run(300):
            pass
        print(f"view_2d: {view_cost(s):.1f} ms CPU per call (median)")
        change_pauses(s)


if __name__ == "__main__":
    main()
