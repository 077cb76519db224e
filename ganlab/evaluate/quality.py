"""Independent quality measures: a small CNN classifier trained on real data, class histograms,
share of conditional samples read as the asked class, and a Fréchet distance in its features.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
from keras import layers

from ganlab import backend
from ganlab.checkpoints import CheckpointError, assets_dir, atomic_write_dir
from ganlab.data import Dataset, mnist_like


def build_classifier(num_classes: int = 10, shape: tuple[int, int, int] = (28, 28, 1)) -> keras.Model:
    """A small CNN (~420k parameters); the penultimate layer is named 'features'."""
    x = keras.Input(shape, name="image")
    h = layers.Conv2D(32, 3, activation="relu", padding="same")(x)
    h = layers.MaxPooling2D()(h)
    h = layers.Conv2D(64, 3, activation="relu", padding="same")(h)
    h = layers.MaxPooling2D()(h)
    h = layers.Flatten()(h)
    h = layers.Dense(128, activation="relu", name="features")(h)
    h = layers.Dropout(0.3)(h)
    return keras.Model(x, layers.Dense(num_classes, name="logits")(h), name="classifier")


@dataclass
class Classifier:
    """A trained classifier with compiled inference (no model.predict in hot paths)."""

    model: keras.Model
    class_names: tuple[str, ...]
    card: dict[str, Any]

    def __post_init__(self) -> None:
        features = keras.Model(self.model.input,
                               [self.model.get_layer("features").output, self.model.output])
        self._run = backend.compile_step(lambda x: features(x, training=False),
                                         list(self.model.variables))

    def features_and_logits(self, images: np.ndarray, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
        """Penultimate features and logits for float images in [-1, 1], shape (N, 28, 28, 1)."""
        x = np.asarray(images, np.float32)
        if x.ndim == 3:
            x = x[..., None]
        feats, logits = [], []
        for i in range(0, len(x), batch):
            f, lg = self._run(x[i : i + batch])
            feats.append(keras.ops.convert_to_numpy(f))
            logits.append(keras.ops.convert_to_numpy(lg))
        return np.concatenate(feats), np.concatenate(logits)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Predicted class index per image."""
        return self.features_and_logits(images)[1].argmax(1)


def train_classifier(train: Dataset, test: Dataset, epochs: int = 5, seed: int = 0,
                     batch_size: int = 128) -> tuple[keras.Model, float]:
    """Train the CNN on real data; return it and its test accuracy."""
    keras.utils.set_random_seed(seed)
    model = build_classifier(train.num_classes, train.shape)
    model.compile(keras.optimizers.Adam(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(train.x, train.y, batch_size=batch_size, epochs=epochs, verbose=2)
    _, acc = model.evaluate(test.x, test.y, batch_size=500, verbose=0)
    return model, float(acc)


def save_classifier(model: keras.Model, path: Path, card: dict[str, Any]) -> Path:
    """Atomically save classifier.keras + card.json."""
    bare = keras.models.clone_model(model)  # without the optimizer: smaller, inference only
    bare.set_weights(model.get_weights())

    def write(tmp: Path) -> None:
        bare.save(tmp / "classifier.keras")
        (tmp / "card.json").write_text(json.dumps(card, indent=2), encoding="utf-8")
    return atomic_write_dir(path, write)


def load_classifier(name_or_path: str | os.PathLike = "classifier-mnist") -> Classifier:
    """Load a classifier folder (or shipped name) with safe_mode."""
    folder = Path(name_or_path)
    if not (folder / "classifier.keras").is_file():
        folder = assets_dir() / str(name_or_path)
    file = folder / "classifier.keras"
    if not file.is_file():
        raise CheckpointError(f"No classifier at {name_or_path!r}: expected {file}. "
                              "Train one with `python -m ganlab train-classifier`.")
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    model = keras.saving.load_model(file, compile=False, safe_mode=True)
    return Classifier(model, tuple(card.get("class_names", ())), card)


def classifier_for(dataset: str) -> str | None:
    """Shipped classifier name for a dataset ('mnist' -> 'classifier-mnist'), if any."""
    name = {"mnist": "classifier-mnist", "fashion": "classifier-fashion"}.get(dataset)
    return name if name and (assets_dir() / name / "classifier.keras").is_file() else None


def class_histogram(predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """Share of samples per predicted class (sums to 1)."""
    counts = np.bincount(np.asarray(predictions, int), minlength=num_classes)[:num_classes]
    return counts / max(counts.sum(), 1)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (FID's formula)."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # tr(sqrtm(s1 @ s2)) = the sum of the square roots of its eigenvalues (real and >= 0 for a
    # product of covariance matrices; rounding can leave tiny negative or imaginary parts)
    root_trace = np.sqrt(np.clip(np.linalg.eigvals(s1 @ s2).real, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * root_trace)


def evaluate_generator(gan, classifier: Classifier, real: Dataset | None = None,
                       per_class: int = 100, count: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Quality numbers for a generator, read by the independent classifier.

    Conditional models: share of samples read as the requested class (overall and per class).
    All models: class histogram, its normalised entropy (1 = all classes equally often, 0 =
    collapse to one class) and the Fréchet distance to real images in classifier features.
    """
    rng = np.random.default_rng(seed)
    n_cls = len(classifier.class_names)
    latent: dict[str, np.ndarray] = {}
    if gan.conditional:
        labels = np.repeat(np.arange(gan.spec.num_classes, dtype=np.int32), per_class)
        latent["label"] = labels
        count = len(labels)
    latent["z"] = rng.standard_normal((count, gan.spec.latent_dim)).astype(np.float32)
    gen = backend.compile_step(lambda lt: gan.generate(lt, training=False),
                               list(gan.generator.variables))
    images = np.concatenate([keras.ops.convert_to_numpy(gen({k: v[i : i + 500] for k, v in latent.items()}))
                             for i in range(0, count, 500)])
    feats, logits = classifier.features_and_logits(images)
    pred = logits.argmax(1)
    hist = class_histogram(pred, n_cls)
    nonzero = hist[hist > 0]
    result: dict[str, Any] = {
        "samples": int(count),
        "class_histogram": [round(float(h), 4) for h in hist],
        "class_entropy": round(float(-(nonzero * np.log(nonzero)).sum() / np.log(n_cls)), 4),
    }
    if gan.conditional:
        hits = pred == latent["label"]
        result["class_accuracy"] = round(float(hits.mean()), 4)
        result["per_class_accuracy"] = [round(float(hits[latent["label"] == c].mean()), 4)
                                        for c in range(gan.spec.num_classes)]
    if real is not None:
        idx = rng.choice(len(real.x), size=min(len(real.x), max(count, 1000)), replace=False)
        real_feats, _ = classifier.features_and_logits(real.x[idx])
        result["frechet_distance"] = round(frechet_distance(real_feats, feats), 3)
        # Calibration: the same distance between two disjoint sets of real images of this size.
        if len(real.x) >= 2 * len(idx):
            rest = np.setdiff1d(np.arange(len(real.x)), idx)
            other, _ = classifier.features_and_logits(real.x[rng.choice(rest, len(idx), replace=False)])
            result["frechet_distance_real_vs_real"] = round(frechet_distance(real_feats, other), 3)
    return result


def run_quality(gan, dataset: Dataset, named: str) -> dict[str, Any] | None:
    """What a finished run's card records: the model's own held-out scores if it has any, under its
    ``quality_key`` (SGAN: its classifier's test accuracy), else the shipped classifier of the dataset
    ``named`` (as the run's config names it: a folder called mnist is not MNIST) reading its samples;
    None without either."""
    scores = gan.held_out_scores(dataset, limit=None)
    if scores:
        return {gan.quality_key: scores}
    name = classifier_for(named) if gan.spec.is_image else None
    if name is None:
        return None
    return {**evaluate_generator(gan, load_classifier(name), dataset), "classifier": name}


def train_and_save_classifier(dataset: str, out: Path, data_dir=None, epochs: int = 5,
                              seed: int = 0, command: str | None = None,
                              limit: int | None = None) -> dict[str, Any]:
    """Train the independent classifier on a real dataset's train split and ship it
    (``limit``: only the first N train and test images, for smoke tests)."""
    train, test = mnist_like(dataset, "train", data_dir, limit), mnist_like(dataset, "test", data_dir, limit)
    model, acc = train_classifier(train, test, epochs=epochs, seed=seed)
    card = {"dataset": dataset, "class_names": list(train.class_names), "test_accuracy": round(acc, 4),
            "epochs": epochs, "seed": seed, "command": command, "credit": train.credit,
            "parameters": int(model.count_params())}
    save_classifier(model, out, card)
    return card
