"""GAN data augmentation with few labels: does a classifier trained on N real labelled images get
better when images from a cGAN trained on only those N are added?

The experiment (``python -m ganlab evaluate-augmentation``), for a cGAN checkpoint trained with
``--labels-per-class`` (its card names the fixed, seeded labelled subset, ``ganlab.data.labels``):

* **real**: the project's classifier CNN (``build_classifier``) trained on the N real images alone;
* **real + generated**: the same CNN, the same number of updates, each batch half real images and
  half cGAN samples (``generated_per_class`` fixed samples per class drawn once, labelled with the
  class they were asked for);
* **generated only**: the CNN trained on the cGAN samples alone (how much the samples carry).

Each is trained from ``len(seeds)`` initialisations and scored on the 10,000 test images, which
neither the cGAN nor the classifiers ever saw. Nothing here is tuned on the test set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from ganlab.checkpoints import load_generator
from ganlab.data import Dataset, mnist_like
from ganlab.data.labels import labelled_only
from ganlab.evaluate.quality import Classifier, build_classifier
from ganlab.models.cgan import ConditionalGAN
from ganlab.sampling import Sampler

CONDITIONS = ("real", "real + generated", "generated only")


@dataclass
class AugmentationResult:
    """Test accuracies per condition (one per classifier seed) for one cGAN checkpoint."""

    checkpoint: str
    labels: int  # N real labelled training images
    labels_per_class: int
    generated: int  # cGAN samples in the generated pool
    steps: int  # classifier updates per run
    accuracies: dict[str, list[float]]

    def mean(self, condition: str) -> float:
        """Mean test accuracy of one condition over the classifier seeds."""
        return float(np.mean(self.accuracies[condition]))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record (for the card and the printed line)."""
        return {"checkpoint": self.checkpoint, "labels": self.labels, "labels_per_class": self.labels_per_class,
                "generated": self.generated, "steps": self.steps,
                "accuracy": {c: [round(a, 4) for a in accs] for c, accs in self.accuracies.items()},
                "mean": {c: round(self.mean(c), 4) for c in self.accuracies}}


def labelled_training_set(card: dict[str, Any], data_dir: str | None) -> Dataset:
    """The real labelled images the cGAN was trained on, chosen again from its card's options."""
    options = card.get("options") or {}
    per_class = options.get("labels_per_class")
    if per_class is None:
        raise ValueError("This cGAN was trained on all the data: train one with --labels-per-class N "
                         "(the experiment compares it with those N labelled images).")
    limit = (card.get("config") or {}).get("limit")  # a --limit run chose its labels among the first ones
    train = mnist_like(card["dataset"], "train", data_dir, limit=limit)
    return labelled_only(train, int(per_class), int(options.get("label_seed", 0)))


def train_and_score(x: np.ndarray, y: np.ndarray, test: Dataset, seed: int, steps: int,
                    batch_size: int = 64, extra: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """Train the classifier CNN for ``steps`` updates on (x, y) — half of each batch from ``extra``
    when given — and return its test accuracy."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_classifier(test.num_classes, test.shape)
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    half = batch_size // 2 if extra is not None else batch_size
    for _ in range(steps):
        rows = rng.integers(0, len(x), half)
        bx, by = x[rows], y[rows]
        if extra is not None:
            more = rng.integers(0, len(extra[0]), batch_size - half)
            bx, by = np.concatenate([bx, extra[0][more]]), np.concatenate([by, extra[1][more]])
        model.train_on_batch(bx, by)
    predicted = Classifier(model, tuple(test.class_names), {}).predict(test.x)  # compiled, in chunks of 500
    return float(np.mean(predicted == test.y))


def augmentation_experiment(checkpoint: str, data_dir: str | None = None, generated_per_class: int = 500,
                            steps: int = 2000, seeds: tuple[int, ...] = (0, 1, 2),
                            test_limit: int | None = None) -> AugmentationResult:
    """Run the three conditions for one cGAN checkpoint trained with ``--labels-per-class``."""
    loaded = load_generator(checkpoint, model=ConditionalGAN)
    real = labelled_training_set(loaded.card, data_dir)
    test = mnist_like(loaded.card["dataset"], "test", data_dir, limit=test_limit)
    classes = np.repeat(np.arange(real.num_classes, dtype=np.int32), generated_per_class)
    fake_x = Sampler(loaded.gan).sample(len(classes), seed=12345, labels=classes)
    accuracies: dict[str, list[float]] = {c: [] for c in CONDITIONS}
    for seed in seeds:
        accuracies["real"].append(train_and_score(real.x, real.y, test, seed, steps))
        accuracies["real + generated"].append(
            train_and_score(real.x, real.y, test, seed, steps, extra=(fake_x, classes)))
        accuracies["generated only"].append(train_and_score(fake_x, classes, test, seed, steps))
    per_class = int(loaded.card["options"]["labels_per_class"])
    return AugmentationResult(str(checkpoint), len(real.x), per_class, len(classes), steps, accuracies)


def augmentation_table(results: list[AugmentationResult]) -> str:
    """A Markdown table: test accuracy (mean ± sd over classifier seeds) per condition and N."""
    head = "| labelled images | " + " | ".join(CONDITIONS) + " |"
    rows = [head, "|---" * (len(CONDITIONS) + 1) + "|"]
    for r in results:
        cells = [f"{100 * r.mean(c):.1f} % ± {100 * np.std(r.accuracies[c]):.1f}" for c in CONDITIONS]
        rows.append(f"| {r.labels:,} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
