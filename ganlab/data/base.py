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
    # more per-example arrays a model derives in prepare_data (text2img: caption token ids), by name
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    device_copy: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # arrays() on a GPU

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

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays batches are gathered from: "x" (targets), "y" (labels, zeros when unlabelled)
        and "cond" for paired data; for semi-supervised data also "x_labelled" / "y_labelled", the few
        labelled examples; and every array in ``extras`` under its own name. A step reads every array at
        the same rows, modulo its length: the labelled batch is then uniform over the labelled examples
        (exactly when their count divides len(x))."""
        out = {"x": self.x, "y": self.y if self.y is not None else np.zeros(len(self.x), np.int32)}
        if self.cond is not None:
            out["cond"] = self.cond
        if self.x_labelled is not None and self.y_labelled is not None:
            out["x_labelled"], out["y_labelled"] = self.x_labelled, self.y_labelled
        out.update(self.extras)
        return out

    def index_sampler(self, batch_size: int, seed: int = 0) -> IndexSampler:
        """A function ``draw(n_batches)`` giving the rows of n random batches as int32 (n, B)."""
        return IndexSampler(len(self.x), batch_size, seed)

    def sampler(self, batch_size: int, seed: int = 0) -> Callable[[int], dict[str, np.ndarray]]:
        """A function ``draw(n_batches)`` giving random batches stacked as (n, B, ...), the batches
        :meth:`index_sampler` draws with the same seed; keys as in :meth:`arrays`."""
        rows, arrays = self.index_sampler(batch_size, seed), self.arrays()

        def draw(n_batches: int = 1) -> dict[str, np.ndarray]:
            idx = rows(n_batches)
            return {key: value[idx % len(value)] for key, value in arrays.items()}

        return draw


class IndexSampler:
    """``draw(n_batches)``: the rows of n random batches as int32 (n, B), from a seeded generator whose
    state can be copied (a forked run goes on with the same data order)."""

    def __init__(self, size: int, batch_size: int, seed: int = 0):
        self.size, self.batch_size = size, batch_size
        self.rng = np.random.default_rng(seed)

    def __call__(self, n_batches: int = 1) -> np.ndarray:
        return self.rng.integers(0, self.size, size=(n_batches, self.batch_size)).astype(np.int32)

    def follow(self, other: IndexSampler) -> None:
        """Continue from ``other``'s position in the random sequence (its batch size may differ)."""
        self.rng.bit_generator.state = other.rng.bit_generator.state


def default_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The data folder: the argument, else $GANLAB_DATA_DIR, else None."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    return Path(chosen).expanduser() if chosen else None
