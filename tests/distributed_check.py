"""Run by tests/test_distributed.py in a fresh process (devices must be set up before the backend starts):
``python tests/distributed_check.py OUT.json``. The CLI trains a few steps with ``--devices 2`` (which splits
the CPU), then the same runs go on one device and on two, and their records are written to OUT.json."""

from __future__ import annotations

import contextlib
import io
import json
import sys

import numpy as np


def runs(model: str, steps: int) -> dict:
    """The records of ``steps`` steps on one device and on two, same seed and global batch."""
    from ganlab.config import TrainConfig
    from ganlab.data import Dataset
    from ganlab.train.distributed import data_parallel
    from ganlab.train.run import TrainingRun

    rng = np.random.default_rng(0)
    if model == "vanilla":
        data = Dataset("cluster", (rng.normal(0, 0.3, (512, 2)) + [1.0, 1.0]).astype(np.float32), kind="points")
        options: dict = {}
    else:  # cGAN: labels into G and D, an Embedding (sparse gradients on TF), batch norm in G
        y = np.arange(64, dtype=np.int32) % 10
        x = np.clip(rng.normal(0, 0.5, (64, 28, 28, 1)), -1, 1).astype(np.float32)
        data = Dataset("tiny", x, y, tuple(str(i) for i in range(10)))
        options = {"width": 0.125, "embed_dim": 4}
    config = TrainConfig(model=model, dataset="tiny", steps=steps, batch_size=32, seed=0, precision="float32",
                         options=options)
    out = {}
    for n in (1, 2):
        session = TrainingRun(config, dataset=data, parallel=data_parallel(n) if n > 1 else None)
        out[n] = [r.as_dict() for r in session.run()]
        if n > 1:
            source, rows = session._inputs(1, 1)
            placed, _ = session._place(source, rows[0])  # where a step's rows live: split over both devices
            out["batch_devices"] = _devices_of(placed)
            out["device_line"] = session.device
    return out


def _devices_of(batch) -> int:
    """How many devices get a part of a batch (JAX: its sharding; TF: its per-replica slices)."""
    x = batch["x"]
    if hasattr(x, "sharding"):
        return len(x.sharding.device_set)
    return len(x.values)


def main(path: str) -> None:
    from ganlab.cli import main as cli

    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        rc = cli(["train", "--model", "vanilla", "--dataset", "ring", "--steps", "3", "--batch-size", "32",
                  "--devices", "2", "--quiet", "--no-eval", "--out", str(path) + ".ckpt"])
    result = {"cli_rc": rc, "cli_out": text.getvalue(), "vanilla": runs("vanilla", 50), "cgan": runs("cgan", 3)}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1])
