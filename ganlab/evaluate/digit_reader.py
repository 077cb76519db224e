"""Classify digit images with any of the project's classifiers: the SGAN's discriminator (K classes
plus "fake"), its labels-only baseline, or the independent CNN (``classifier-mnist``).

Images come as ``generate`` writes them: uint8 (N, 28, 28), 0 = background. One loader for the CLI's
``classify`` and the app's Classify panel.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
from PIL import Image

from ganlab import backend
from ganlab.checkpoints import CheckpointError, load_generator, resolve
from ganlab.data import mnist_like
from ganlab.data.uploads import load_image
from ganlab.evaluate.quality import load_classifier
from ganlab.images import to_unit_range
from ganlab.models.sgan import SemiSupervisedGAN

FAKE = "fake"
MAX_UPLOAD_BYTES = 10 * 2**20  # an uploaded digit picture, checked before decoding
MAX_UPLOAD_PIXELS = 4096 * 4096


@dataclass(frozen=True)
class Reading:
    """What a classifier reads in N images: the class each shows if it is real and, for an SGAN, how
    likely D finds it generated. The one reading behind ``classify``, the Classify tab and
    ``evaluate-sgan``."""

    names: tuple[str, ...]  # one per probability column; an SGAN's last column is "fake"
    probs: np.ndarray  # (N, len(names)) floats (float32 from a classifier), each row sums to 1
    labels: np.ndarray  # (N,) int32: the most probable of the K classes ("fake" left out)
    share: np.ndarray  # (N,): that class's share among the K classes, p(class | real)
    p_fake: np.ndarray | None  # (N,): p(fake), D's probability that the picture is generated; None without

    @property
    def labels_with_fake(self) -> np.ndarray:
        """(N,) int32: the most probable of all columns, so ``len(names) - 1`` (= K) where that is "fake"."""
        return self.probs.argmax(1).astype(np.int32) if len(self.probs) else np.zeros(0, np.int32)

    @property
    def called_fake(self) -> int:
        """How many pictures D calls fake: "fake" is the most probable of the K+1 columns (0 without)."""
        return 0 if self.p_fake is None else int((self.labels_with_fake == len(self.names) - 1).sum())


def read_classes(probs: np.ndarray, names: tuple[str, ...] | list[str]) -> Reading:
    """The reading of (N, len(names)) probabilities: per picture the most probable class with "fake" (a
    last column named ``FAKE``, if any) left out, its share among the classes, and p(fake)."""
    names = tuple(names)
    probs = np.asarray(probs)
    probs = (probs if probs.dtype.kind == "f" else probs.astype(np.float32)).reshape(-1, len(names))
    has_fake = len(names) > 1 and names[-1] == FAKE
    classes = probs[:, :-1] if has_fake else probs
    labels = classes.argmax(1).astype(np.int32) if len(classes) else np.zeros(0, np.int32)
    best = np.take_along_axis(classes, labels[:, None], 1)[:, 0]
    total = classes.sum(1)
    share = np.divide(best, total, out=np.zeros_like(best), where=total > 0)
    return Reading(names, probs, labels, share, probs[:, -1].copy() if has_fake else None)


@dataclass
class ImageClassifier:
    """Probabilities per class (and "fake" for an SGAN) for uint8 images; compiled inference."""

    names: tuple[str, ...]  # one per probability column
    source: str  # what was loaded, e.g. "sgan-mnist-100 (classifier)"
    probabilities: Callable[[np.ndarray], Any]  # float images (B, H, W, C) in [-1, 1] -> (B, len(names))
    shape: tuple[int, ...]  # (H, W, C) of one image

    def __call__(self, images: np.ndarray, batch: int = 1000) -> Reading:
        """What it reads in uint8 (N, H, W[, C]) images, 0 = background (see ``Reading``)."""
        return self.read_unit_range(check_images(images, self.shape), batch)

    def read_unit_range(self, x: np.ndarray, batch: int = 1000) -> Reading:
        """What it reads in float32 images (N, H, W, C) in [-1, 1], as the datasets hold them."""
        probs = [np.asarray(keras.ops.convert_to_numpy(self.probabilities(x[i : i + batch])), np.float32)
                 for i in range(0, len(x), batch)]
        return read_classes(np.concatenate(probs) if probs else np.zeros((0, len(self.names)), np.float32),
                            self.names)


def digit_reading(probs: dict[str, float]) -> tuple[str, float, float] | None:
    """For an SGAN's K+1 probabilities: the likeliest digit if the picture is real, its share among the
    digits (p(digit | real): what the SGAN's test accuracy counts) and p(fake); None without "fake"."""
    if FAKE not in probs:
        return None
    names = (*(k for k in probs if k != FAKE), FAKE)
    reading = read_classes(np.array([[probs[k] for k in names]]), names)
    return names[reading.labels[0]], float(reading.share[0]), float(reading.p_fake[0])


def check_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 pictures (N, H, W) or (N, H, W, C) (one (H, W) picture becomes N = 1); ValueError with a
    message for NaN, another dtype, another number of axes or no pictures."""
    images = np.asarray(images)
    if images.ndim == 2:
        images = images[None]
    if images.dtype.kind in "fc" and np.isnan(images).any():
        raise ValueError(f"The images contain NaN ({int(np.isnan(images).sum()):,} values): they must be uint8 "
                         "pixels 0..255 (0 = background), as `generate` writes them.")
    if images.dtype != np.uint8:
        hint = " (values 0..255? convert them with .astype(np.uint8))" if images.dtype.kind in "iuf" else ""
        raise ValueError(f"Images must be uint8 pixels 0..255 (0 = background, as `generate` writes them); "
                         f"got {images.dtype}{hint}.")
    if images.ndim not in (3, 4):
        raise ValueError(f"Images must be an array N×H×W (or N×H×W×C); got shape {tuple(images.shape)}.")
    if not len(images):
        raise ValueError("There are no images to classify (the array holds 0 pictures).")
    return images


def check_images(images: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """uint8 images (``check_pixels``) as float32 in [-1, 1] with a channel axis; a clear error when
    their size does not fit the classifier's ``shape`` (H, W, C)."""
    images = check_pixels(images)
    x = to_unit_range(images)
    if tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(f"Images of shape {tuple(images.shape[1:])} do not fit this classifier: it reads "
                         f"{'×'.join(map(str, shape[:2]))} images.")
    return x


def load_image_classifier(name_or_path: str | os.PathLike, head: str = "classifier") -> ImageClassifier:
    """A GAN checkpoint whose discriminator classifies (sgan; ``head`` "classifier" or "baseline"),
    or a classifier folder (classifier-mnist, classifier-fashion), by path or shipped name."""
    folder = resolve(name_or_path)
    if (folder / "classifier.keras").is_file():
        clf = load_classifier(folder)
        return ImageClassifier(clf.class_names, f"{Path(folder).name} (independent CNN)",
                               lambda x: keras.ops.softmax(clf.features_and_logits(x)[1], axis=-1),
                               tuple(clf.model.input_shape[1:]))
    loaded = load_generator(folder, with_discriminator=True)
    if head not in loaded.gan.class_heads:
        raise CheckpointError(f"{name_or_path} is a {loaded.gan.name} checkpoint: it has no classifier "
                              f"{head!r} (classifiers: sgan checkpoints, classifier-mnist, classifier-fashion).")
    return gan_classifier(loaded, head)


def gan_classifier(loaded: Any, head: str) -> ImageClassifier:
    """One classifier head of a loaded GAN (``load_generator(..., with_discriminator=True)``); the
    SGAN's "classifier" head has K+1 columns, the last "fake"."""
    gan = loaded.gan
    names = tuple(loaded.card.get("class_names", ())) or tuple(str(i) for i in range(gan.spec.num_classes))
    if head == "classifier":
        names = (*names, FAKE)
    run = backend.compile_step(lambda x: gan.class_probabilities(x, head), list(gan.discriminator.variables))
    return ImageClassifier(names, f"{Path(loaded.path).name} ({head})", run, tuple(gan.spec.data_shape))


def sgan_test_accuracy(name_or_path: str | os.PathLike, data_dir: str | None = None,
                       limit: int | None = None) -> dict[str, Any]:
    """Test accuracy of an SGAN checkpoint's classifier and of its labels-only baseline on the
    dataset's test split (all 10,000 MNIST test images unless ``limit``): the share of test images whose
    reading (``read_classes``: the most probable digit, "fake" left out) is their digit; beside it, how
    many real test images D calls fake."""
    loaded = load_generator(name_or_path, with_discriminator=True, model=SemiSupervisedGAN)
    test = mnist_like(loaded.card["dataset"], "test", data_dir, limit=limit)
    options = loaded.gan.options  # the card's options over the model's defaults
    per_class = options.get("labels_per_class")
    result: dict[str, Any] = {"test_images": len(test.y), "split": f"{test.name} test set (never trained on)",
                              "labels_per_class": per_class,
                              "labels": per_class * loaded.gan.spec.num_classes if per_class else None,
                              "label_seed": options.get("label_seed"), "step": loaded.card.get("step")}
    for head in loaded.gan.class_heads:
        reading = gan_classifier(loaded, head).read_unit_range(test.x)
        result[f"{head}_accuracy"] = round(float((reading.labels == test.y).mean()), 4)
        if reading.p_fake is not None:
            result[f"{head}_called_fake"] = reading.called_fake  # real test digits D calls fake
    return result


def accuracy_table(results: list[dict[str, Any]]) -> str:
    """A Markdown table of SGAN results: labels, steps, the SGAN's and the baseline's test accuracy."""
    rows = ["| labels (per class) | steps | SGAN classifier | baseline (same body, labels only) |",
            "|---|---|---|---|"]
    for r in sorted(results, key=lambda r: r["labels"] or 0):
        rows.append(f"| {r['labels']:,} ({r['labels_per_class']}) | {r['step']:,} | "
                    f"**{100 * r['classifier_accuracy']:.2f} %** | {100 * r['baseline_accuracy']:.2f} % |")
    return "\n".join(rows)


def accuracy_figure(results: list[dict[str, Any]]) -> np.ndarray:
    """Test accuracy against the number of labels (log axis), SGAN vs baseline, as an RGB array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    results = sorted(results, key=lambda r: r["labels"] or 0)
    labels = [r["labels"] for r in results]
    fig = Figure(figsize=(5.6, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    lines = (("classifier_accuracy", "semi-supervised GAN (+ all other training images, unlabelled)", "#1d4ed8"),
             ("baseline_accuracy", "baseline: same network, the labels only", "#888888"))
    for key, name, color in lines:
        values = [100 * r[key] for r in results]
        ax.plot(labels, values, "o-", color=color, label=name)
        for n, v in zip(labels, values):
            ax.annotate(f"{v:.1f}", (n, v), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_xticks(labels, [f"{n:,}" for n in labels])
    ax.set_xlabel("labelled MNIST training images")
    ax.set_ylabel(f"test accuracy (%), {results[0]['test_images']:,} images" if results else "test accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def digit_image(image: Any) -> np.ndarray:
    """A drawing or upload (an image file's path, checked before decoding; an RGB/RGBA/grey array; or a
    Gradio ImageEditor dict) as uint8 28×28, 0 = background; ValueError with a message for bad input.

    A picture with a light background (dark ink) is inverted; the ink is centred by its bounding
    box in a 20×20 area, as MNIST's digits are.
    """
    if isinstance(image, dict):  # Sketchpad / ImageEditor value
        image = image.get("composite") if image.get("composite") is not None else image.get("background")
    if image is None:
        raise ValueError("Draw a digit or upload a picture first.")
    if isinstance(image, (str, os.PathLike)):  # an upload: size and pixel count checked before decoding
        image = load_image(image, "RGBA", max_bytes=MAX_UPLOAD_BYTES, max_pixels=MAX_UPLOAD_PIXELS)
    arr = np.asarray(image)
    if arr.dtype == object or arr.ndim not in (2, 3) or min(arr.shape[:2]) < 1:
        raise ValueError(f"Not an image (array of shape {arr.shape}); upload a PNG or JPEG.")
    if arr.ndim == 3 and arr.shape[-1] == 4:  # transparent canvas: ink is where alpha is
        rgb = arr[..., :3].astype(np.float32).mean(-1)
        alpha = arr[..., 3].astype(np.float32) / 255
        opaque = rgb[alpha > 0.5]
        dark_ink = opaque.size > 0 and opaque.mean() < 128  # dark strokes: put them on white, else on black
        grey = rgb * alpha + 255 * (1 - alpha) if dark_ink else rgb * alpha
    else:
        grey = arr.astype(np.float32).mean(-1) if arr.ndim == 3 else arr.astype(np.float32)
    if np.median(grey) > 127:  # dark ink on a light background: make it MNIST-like
        grey = 255 - grey
    ink = np.argwhere(grey > 40)
    if not len(ink):
        raise ValueError("The picture is empty: draw a digit first.")
    (top, left), (bottom, right) = ink.min(0), ink.max(0) + 1
    crop = grey[top:bottom, left:right]
    side = max(crop.shape)
    square = np.zeros((side, side), np.float32)
    y0, x0 = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
    square[y0 : y0 + crop.shape[0], x0 : x0 + crop.shape[1]] = crop
    small = np.asarray(Image.fromarray(square.clip(0, 255).astype(np.uint8)).resize((20, 20), Image.Resampling.LANCZOS))
    out = np.zeros((28, 28), np.uint8)
    out[4:24, 4:24] = small
    return out
