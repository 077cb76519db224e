"""The in-memory Dataset every source returns, its error type and where data lives."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATA_DIR_ENV = "GANLAB_DATA_DIR"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}


class DataError(ValueError):
    """A data source is missing or malformed; the message says what and where."""


@dataclass
class Dataset:
    """Examples in memory plus what the models need to know about them."""

    name: str
    x: np.ndarray  # float32; points (N, 2) or images (N, H, W, C) in [-1, 1]
    y: np.ndarray | None = None  # int32 class labels, or None
    class_names: tuple[str, ...] = ()
    kind: str = "image"  # "image" or "points"
    credit: str = ""
    cond: np.ndarray | None = None  # paired inputs (pix2pix: the sketch for each target in x)
    meta: dict = field(default_factory=dict)
    # semi-supervised data: a few labelled examples beside the unlabelled ones in x (see data.labels)
    x_labelled: np.ndarray | None = None
    y_labelled: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one example."""
        return tuple(self.x.shape[1:])

    @property
    def num_classes(self) -> int:
        """Number of classes (0 when unlabelled)."""
        labelled = self.y is not None or self.y_labelled is not None
        return len(self.class_names) if labelled else 0

    def __len__(self) -> int:
        return len(self.x)

    def sampler(self, batch_size: int, seed: int = 0) -> Callable[[int], dict[str, np.ndarray]]:
        """A function ``draw(n_batches)`` giving random batches stacked as (n, B, ...).

        Keys: "x" (targets), "y" (labels, zeros when unlabelled), "cond" for paired data, and for
        semi-supervised data "x_labelled" / "y_labelled": a batch of the same size drawn from the few
        labelled examples, independently of "x".
        """
        rng = np.random.default_rng(seed)

        def draw(n_batches: int = 1) -> dict[str, np.ndarray]:
            idx = rng.integers(0, len(self.x), size=(n_batches, batch_size))
            batch = {"x": self.x[idx]}
            batch["y"] = (self.y[idx] if self.y is not None
                          else np.zeros((n_batches, batch_size), np.int32))
            if self.cond is not None:
                batch["cond"] = self.cond[idx]
            if self.x_labelled is not None and self.y_labelled is not None:
                lab = rng.integers(0, len(self.x_labelled), size=(n_batches, batch_size))
                batch["x_labelled"], batch["y_labelled"] = self.x_labelled[lab], self.y_labelled[lab]
            return batch

        return draw


def default_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The data folder: the argument, else $GANLAB_DATA_DIR, else None."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    return Path(chosen).expanduser() if chosen else None
