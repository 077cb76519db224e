"""Is it copying? The training images nearest to a sample (no UI), in the shipped classifier's
features and in pixels, beside how near a *held-out* real image typically gets to the training set.

A generator that memorised its data puts samples much nearer to one training image than a real,
never-seen image of the same data gets; a generator that invents lands about as near as held-out
images do. The index holds the whole training split once per dataset: pixels as uint8 (MNIST: 60,000
× 784 = 47 MB), their 2×2 block means as float32 (47 MB) and the classifier's 128 features as float32
(31 MB): 125 MB. A pixel query ranks every image by the block means (a lower bound of the full distance),
then compares only the best few hundred in full, until the answer is provably exact.
``IndexCache`` keeps at most ``MAX_INDEXES``.

Distances are those of ``explore.project``: pixels = RMS difference on a 0..1 grey scale; features
= Euclidean distance between the classifier's penultimate features.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from ganlab.data.base import DataError
from ganlab.data.idx import DATASET_DIRS, FASHION_CLASSES, MNIST_CLASSES, load_idx_pair
from ganlab.evaluate.quality import Classifier, classifier_for, load_classifier
from ganlab.images import grid, to_uint8, to_unit_range, upscale

K = 5  # neighbours shown
HELD_OUT = 300  # test images whose nearest training image sets the reference
CHUNK = 8192  # training rows pooled at a time while building
CANDIDATES = 256  # rows compared in full first (more, ×4 at a time, until the answer is exact)
MAX_INDEXES = 2  # datasets indexed at once (MNIST and Fashion-MNIST: 125 MB each)


class NearestError(ValueError):
    """A sample or dataset that cannot be searched; the message says why."""


@dataclass
class Neighbours:
    """The K nearest training images by one distance."""

    indices: np.ndarray  # (K,) rows of the training split
    distances: np.ndarray  # (K,) float
    images: np.ndarray  # (K, H, W) uint8
    labels: np.ndarray  # (K,) int
    reference: float  # median distance of a held-out real image to its nearest training image
    reference_low: float  # 10th percentile of the same


@dataclass
class Nearest:
    """A sample's nearest training images in features (None without a classifier) and in pixels."""

    features: Neighbours | None
    pixels: Neighbours
    seconds: float
    dataset: str
    class_names: tuple[str, ...]
    sample: np.ndarray | None = None

    def figure(self, scale: int = 4) -> np.ndarray:
        """One row per distance: the sample, then its nearest training images (uint8, crisp upscaling)."""
        rows = [n for n in (self.features, self.pixels) if n is not None]
        tiles = np.concatenate([np.concatenate([self.sample[None], n.images]) for n in rows])
        return upscale(grid(tiles, cols=len(rows[0].images) + 1, pad=2), scale)

    def summary(self) -> str:
        """One or two sentences: is the sample nearer to a training image than real images get?"""
        parts = []
        for name, n in (("features", self.features), ("pixels", self.pixels)):
            if n is None:
                continue
            ratio = n.distances[0] / max(n.reference, 1e-9)
            how = ("nearer than 9 in 10 held-out real images get: it may be a near-copy"
                   if n.distances[0] < n.reference_low else
                   "as near as held-out real images typically get: it is not a copy")
            if ratio > 1.2:
                how = "farther than held-out real images typically get: G invented it (or drew it badly)"
            parts.append(f"In {name}, the nearest training image is at {n.distances[0]:.3f} against a typical "
                         f"{n.reference:.3f} for a real image G never saw ({ratio:.2f}×): {how}.")
        return " ".join(parts)

    def brief(self) -> str:
        """One sentence for both distances: nearest vs the held-out yardstick, and what that says."""
        rows = [(name, n) for name, n in (("features", self.features), ("pixels", self.pixels)) if n is not None]
        bits = [f"{name} {n.distances[0]:.3f} vs {n.reference:.3f} ({n.distances[0] / max(n.reference, 1e-9):.2f}×)"
                for name, n in rows]
        near = any(n.distances[0] < n.reference_low for _, n in rows)
        far = all(n.distances[0] > 1.2 * n.reference for _, n in rows)
        how = ("nearer than 9 in 10 held-out real images get: it may be a near-copy" if near else
               "farther than held-out real images get: G invented it (or drew it badly)" if far else
               "about as near as held-out real images get: it is not a copy")
        return f"nearest training image at {', '.join(bits)} against a real image G never saw: {how}."


class Index:
    """Every image of a training split, searchable by pixels and (with a classifier) by features."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, classifier: Classifier | None,
                 name: str = "data", class_names: tuple[str, ...] = (), held_out: np.ndarray | None = None) -> None:
        self.images = np.ascontiguousarray(images, np.uint8)
        self.labels = np.asarray(labels, np.int32)
        self.name, self.class_names, self.classifier = name, tuple(class_names), classifier
        h, w = self.images.shape[1:3]
        self.pool = 2 if h % 2 == 0 and w % 2 == 0 else 1  # 2×2 measured 4× faster than 4×4 (tighter bound)
        self.pooled = np.concatenate([self._pooled(self.images[i:i + CHUNK])
                                      for i in range(0, len(self.images), CHUNK)])
        self.pooled_norms = np.einsum("ij,ij->i", self.pooled, self.pooled)
        self.features = None if classifier is None else self._features(self.images)
        self.feature_norms = None if self.features is None else np.einsum("ij,ij->i", self.features, self.features)
        self.reference = self._reference(held_out if held_out is not None else self.images[:0])

    @staticmethod
    def _flat(images: np.ndarray) -> np.ndarray:
        return images.reshape(len(images), -1)

    @property
    def nbytes(self) -> int:
        """Memory held by the index (bytes)."""
        arrays = (self.images, self.labels, self.pooled, self.pooled_norms, self.features, self.feature_norms)
        return int(sum(a.nbytes for a in arrays if a is not None))

    def _features(self, images: np.ndarray, batch: int = 2000) -> np.ndarray:
        """Classifier features of uint8 images, converted to float a batch at a time."""
        return np.concatenate([self.classifier.features_and_logits(to_unit_range(images[i:i + batch]))[0]
                               for i in range(0, len(images), batch)]).astype(np.float32)

    def _pooled(self, images: np.ndarray) -> np.ndarray:
        """Block means (POOL×POOL) of uint8 images as float32 rows: distances between them bound the
        full pixel distances from below (||x - y||² >= POOL² ||pool(x) - pool(y)||², by Jensen)."""
        n, h, w = images.shape[:3]
        f = self.pool
        x = images.reshape(n, h // f, f, w // f, f, -1).astype(np.float32)
        return x.mean(axis=(2, 4)).reshape(n, -1)

    def _pixel_top(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact k nearest training images in pixels: (Q, k) indices and squared distances (0..255, summed).

        Candidates are examined in order of their pooled lower bound until the k-th exact distance is
        below the bound of every image not examined, so only a few hundred rows are converted per query."""
        pq = self._pooled(queries)
        bound = self.pool ** 2 * (np.einsum("ij,ij->i", pq, pq)[:, None] + self.pooled_norms[None]
                                  - 2 * pq @ self.pooled.T)
        flat, q = self._flat(self.images), self._flat(queries).astype(np.float32)
        idx_out, d_out = np.empty((len(q), k), np.int64), np.empty((len(q), k), np.float32)
        for row in range(len(q)):
            m = CANDIDATES
            while True:
                m = min(m, len(flat))
                cand = np.argpartition(bound[row], m - 1)[:m] if m < len(flat) else np.arange(len(flat))
                diff = flat[cand].astype(np.float32) - q[row]
                d = np.einsum("ij,ij->i", diff, diff)
                best = np.argsort(d)[:k]
                rest = np.delete(bound[row], cand)
                if m == len(flat) or d[best[-1]] <= rest.min() * 0.999:
                    break
                m *= 4
            idx_out[row], d_out[row] = cand[best], d[best]
        return idx_out, d_out

    def _feature_top(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """k nearest training images in classifier features: (Q, k) indices and distances."""
        f = self._features(queries)
        sq = np.einsum("ij,ij->i", f, f)[:, None] + self.feature_norms[None] - 2 * f @ self.features.T
        idx = np.argpartition(sq, k, axis=1)[:, :k]
        order = np.take_along_axis(sq, idx, 1).argsort(1)
        idx = np.take_along_axis(idx, order, 1)
        return idx, np.sqrt(np.maximum(np.take_along_axis(sq, idx, 1), 0))

    def _top(self, queries: np.ndarray, k: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """{'pixels': (indices, RMS 0..1 distances), 'features': (...)} for each query."""
        idx, sq = self._pixel_top(queries, k)
        out = {"pixels": (idx, np.sqrt(sq / self._flat(queries).shape[1]) / 255.0)}
        if self.features is not None:
            out["features"] = self._feature_top(queries, k)
        return out

    def _reference(self, held_out: np.ndarray) -> dict[str, tuple[float, float]]:
        """Median and 10th percentile of held-out images' nearest-training-image distances."""
        if not len(held_out):
            return {}
        return {name: (float(np.median(d[:, 0])), float(np.percentile(d[:, 0], 10)))
                for name, (_, d) in self._top(held_out, 1).items()}

    def query(self, sample: np.ndarray, k: int = K) -> Nearest:
        """The k nearest training images to one uint8 sample of the training images' size."""
        start = time.perf_counter()
        sample = np.asarray(sample)
        if sample.dtype != np.uint8 or sample.shape != self.images.shape[1:]:
            raise NearestError(f"A sample must be uint8 pixels of shape {self.images.shape[1:]} (as `generate` "
                               f"writes them); got {sample.dtype} {tuple(sample.shape)}.")
        found = {name: self._neighbours(name, idx[0], d[0]) for name, (idx, d) in self._top(sample[None], k).items()}
        return Nearest(found.get("features"), found["pixels"], time.perf_counter() - start, self.name,
                       self.class_names, sample)

    def _neighbours(self, name: str, idx: np.ndarray, d: np.ndarray) -> Neighbours:
        median, low = self.reference.get(name, (float("nan"), float("nan")))
        return Neighbours(idx, d, self.images[idx], self.labels[idx], median, low)


def build_index(dataset: str, data_dir: Any = None, limit: int | None = None,
                held_out: int = HELD_OUT) -> Index:
    """The index of a named dataset's training split ('mnist', 'fashion'), with the shipped classifier
    where there is one, and the reference from ``held_out`` test images; ``limit``: the first N only."""
    if dataset not in DATASET_DIRS:
        raise NearestError(f"There is no training-set index for dataset {dataset!r}: only "
                           f"{', '.join(DATASET_DIRS)} (a model trained on uploaded images keeps no copy of them).")
    try:
        images, labels = load_idx_pair(dataset, "train", data_dir)
        test, _ = load_idx_pair(dataset, "test", data_dir)
    except DataError as e:
        raise NearestError(f"The {dataset} training images are not available here: {e}") from None
    name = classifier_for(dataset)
    classes = MNIST_CLASSES if dataset == "mnist" else FASHION_CLASSES
    n = limit or len(images)
    return Index(images[:n], labels[:n], load_classifier(name) if name else None, dataset, classes,
                 test[:held_out])


def as_queries(samples: np.ndarray) -> np.ndarray:
    """Generator outputs (float, data range -1..1) as the uint8 pictures an Index is queried with."""
    return to_uint8(np.asarray(samples))


def stacked_figure(found: list[Nearest], scale: int = 4) -> np.ndarray:
    """Several samples' ``Nearest.figure`` rows one below the other (uint8)."""
    figures = [n.figure(scale) for n in found]
    gap = np.full((2 * scale, figures[0].shape[1], *figures[0].shape[2:]), 255, np.uint8)
    return np.concatenate([part for f in figures for part in (f, gap)][:-1])


class IndexCache:
    """At most ``max_indexes`` dataset indexes, each built once (concurrent askers wait for one build)."""

    def __init__(self, max_indexes: int = MAX_INDEXES, data_dir: Any = None, limit: int | None = None) -> None:
        self._indexes: OrderedDict[str, Index] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.max_indexes, self.data_dir, self.limit = max_indexes, data_dir, limit

    def get(self, dataset: str) -> Index:
        """The index of ``dataset``, built on first use (seconds: the classifier reads every image)."""
        with self._lock:
            lock = self._locks.setdefault(dataset, threading.Lock())
        with lock:
            with self._lock:
                if dataset in self._indexes:
                    self._indexes.move_to_end(dataset)
                    return self._indexes[dataset]
            index = build_index(dataset, self.data_dir, self.limit)
            with self._lock:
                self._indexes[dataset] = index
                while len(self._indexes) > self.max_indexes:
                    self._indexes.popitem(last=False)
                return index

    def ready(self, dataset: str) -> bool:
        """True when the index of ``dataset`` is built."""
        with self._lock:
            return dataset in self._indexes

    @property
    def nbytes(self) -> int:
        """Memory held by the indexes built so far (bytes)."""
        with self._lock:
            return sum(index.nbytes for index in self._indexes.values())


_SHARED: list[IndexCache] = []


def shared_indexes() -> IndexCache:
    """The process's one IndexCache (the Playground and the Train tab share it: one index per dataset)."""
    with _SHARED_LOCK:
        if not _SHARED:
            _SHARED.append(IndexCache())
        return _SHARED[0]


_SHARED_LOCK = threading.Lock()
