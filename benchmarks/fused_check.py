"""Fused steps vs single steps, and precision per device: prints numbers, asserts nothing.

    python benchmarks/fused_check.py            # on whatever device is present (TF or JAX)

1. For several models: N steps one call each vs the same N steps in one fused call (same seed):
   the largest difference in any step's losses and in any generator weight.
2. DCGAN on MNIST at batch 256: fused steps/s in float32 and mixed_bfloat16 (the precision choice
   on this device), every step recorded.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from ganlab import backend
from ganlab.config import TrainConfig
from ganlab.data import load_dataset
from ganlab.evaluate.bench import fused_rate, settle
from ganlab.train.run import TrainingRun

MODELS = (("vanilla", "ring"), ("wgan_gp", "ring"), ("dcgan", "mnist"), ("cgan", "mnist"), ("infogan", "mnist"))


def equivalence(model: str, name: str, n: int = 8) -> tuple[float, float]:
    """(max |loss difference|, max |generator weight difference|) of n single steps vs one fused call."""
    data = load_dataset(name, limit=2048)
    make = lambda: TrainingRun(TrainConfig(model=model, dataset=name, batch_size=32, seed=5, steps=n,
                                               precision="float32"), dataset=data)
    a, b = make(), make()
    single = [a.step() for _ in range(n)]
    fused = b.steps(n)
    loss = max(max(abs(x.d_loss - y.d_loss), abs(x.g_loss - y.g_loss)) for x, y in zip(single, fused))
    weights = max(float(np.abs(p - q).max()) for p, q in
                  zip(a.gan.generator.get_weights(), b.gan.generator.get_weights()))
    return loss, weights


def main() -> None:
    """Print both tables."""
    print(f"device: {backend.device_description()}", flush=True)
    print(f"fused vs single steps (8 steps, float32): {'max |dloss|':>12s} {'max |dweight|':>14s}")
    for model, name in MODELS:
        t0 = time.perf_counter()
        loss, weights = equivalence(model, name)
        print(f"  {model:8s} {name:6s} {loss:24.2e} {weights:14.2e}   ({time.perf_counter() - t0:.0f} s)",
              flush=True)
    mnist = load_dataset("mnist")
    print("DCGAN, MNIST, batch 256, fused run(), every step recorded:")
    for precision in ("float32", "mixed_bfloat16"):
        s = TrainingRun(TrainConfig(model="dcgan", dataset="mnist", batch_size=256, steps=10_000_000,
                                        precision=precision), dataset=mnist)
        s.step()
        settle(s)
        rate = fused_rate(s, 200)
        print(f"  {precision:15s} {rate:9.1f} steps/s  ({s.chunk} steps per call)", flush=True)


if __name__ == "__main__":
    main()
