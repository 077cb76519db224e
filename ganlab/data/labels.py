"""Few labels: a fixed, seeded choice of labelled examples per class, and the semi-supervised split.

The choice is documented so that a result can be reproduced: for each class c (in order), the
training examples of class c are shuffled by ``np.random.default_rng(seed)`` (one generator, used
class after class) and the first ``per_class`` are kept; the indices are returned sorted. With
``per_class=10, seed=0`` on the MNIST training set that is the 100 labelled images of
``sgan-mnist-100``; the other 59,900 training images are used without their labels. The test set is
never touched. ``labelled_only`` keeps just those labelled examples (a conditional GAN trained on the
few labels, for the augmentation experiment in ``ganlab.evaluate.augmentation``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ganlab.data.base import DataError, Dataset


def labelled_subset(y: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of ``per_class`` examples of every class in ``y`` (a fixed, seeded choice)."""
    y = np.asarray(y)
    if per_class < 1:
        raise DataError(f"labels_per_class must be at least 1; got {per_class}.")
    rng = np.random.default_rng(seed)
    chosen = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        if len(members) < per_class:
            raise DataError(f"Class {c} has only {len(members)} training examples: cannot label "
                            f"{per_class} of them (use fewer labels per class or more data).")
        chosen.append(rng.permutation(members)[:per_class])
    return np.sort(np.concatenate(chosen))


def _chosen(dataset: Dataset, per_class: int, seed: int, what: str) -> np.ndarray:
    """``labelled_subset`` of a dataset's labels; a clear error naming ``what`` when it has none."""
    if dataset.y is None or not dataset.class_names:
        raise DataError(f"{what} needs a labelled dataset (mnist, fashion, or a folder with one subfolder "
                        f"per class); {dataset.name!r} has no labels.")
    return labelled_subset(dataset.y, per_class, seed)


def semi_supervised(dataset: Dataset, per_class: int, seed: int = 0) -> Dataset:
    """A new Dataset: ``per_class`` labelled examples per class (``x_labelled``, ``y_labelled``) and
    all the other examples as unlabelled ``x`` (their labels dropped). The given one is not changed."""
    chosen = _chosen(dataset, per_class, seed, "Semi-supervised training")
    rest = np.setdiff1d(np.arange(len(dataset.x)), chosen)
    meta = {**dataset.meta, "labelled_indices": chosen, "labels_per_class": per_class, "label_seed": seed}
    return replace(dataset, x=dataset.x[rest], y=None, x_labelled=dataset.x[chosen],
                   y_labelled=np.asarray(dataset.y[chosen], np.int32), meta=meta)


def labelled_only(dataset: Dataset, per_class: int, seed: int = 0) -> Dataset:
    """A new Dataset of only the ``per_class`` labelled examples per class (the same fixed, seeded
    choice as ``semi_supervised``); the given one is not changed."""
    chosen = _chosen(dataset, per_class, seed, "Training on a few labels")
    meta = {**dataset.meta, "labelled_indices": chosen, "labels_per_class": per_class, "label_seed": seed}
    return replace(dataset, x=dataset.x[chosen], y=np.asarray(dataset.y[chosen], np.int32), meta=meta)
