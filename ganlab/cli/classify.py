"""``classify`` (any of the project's classifiers on an .npz of images, read by
``ganlab.evaluate.digit_reader``) and ``train-classifier`` (the independent CNN)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from ganlab.cli.common import command_line, save_npz, shared


def add_parsers(sub: Any) -> None:
    """The ``classify`` and ``train-classifier`` subcommands."""
    e = sub.add_parser("classify", help="class probabilities of images (an .npz as generate writes it)")
    shared(e, "--checkpoint", checkpoint={
        "help": "an sgan checkpoint (K classes + 'fake') or a classifier (classifier-mnist)"})
    e.add_argument("--head", default="classifier", choices=["classifier", "baseline"],
                   help="sgan: its classifier, or the labels-only baseline it carries")
    e.add_argument("--images", required=True, help=".npz with 'images': uint8 N×28×28, 0 = background")
    e.add_argument("--labels-with-fake", action="store_true",
                   help="labels over all K+1 columns (sgan: K where 'fake' is the most probable)")
    e.add_argument("--out", required=True,
                   help="output .npz: labels (N,) the class it reads if the picture is real (argmax over "
                        "the K classes, what evaluate-sgan's accuracy counts); p_fake (N,) D's probability "
                        "that it is generated (sgan classifier only: absent for a classifier without a "
                        "'fake' class); probs (N, K+1 for sgan, the last column 'fake'; N×K otherwise); "
                        "names (one per probs column)")
    e.set_defaults(func=cmd_classify)

    c = sub.add_parser("train-classifier", help="train the independent evaluation classifier")
    c.add_argument("--dataset", default="mnist", choices=["mnist", "fashion"])
    c.add_argument("--epochs", type=int, default=5)
    shared(c, "--seed", "--data-dir")
    c.add_argument("--limit", type=int, default=None, help="use only the first N images (smoke tests)")
    c.add_argument("--out", required=True)
    c.set_defaults(func=cmd_train_classifier)


def _load_images(path: str) -> np.ndarray:
    """The ``images`` array of an .npz file; ValueError with a message when it is not there."""
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ValueError(f"--images: no file {path}") from None
    except (OSError, ValueError) as e:
        raise ValueError(f"--images: {path} is not an .npz file as `generate` writes it ({e})") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"--images: {path} holds one bare array; save it as an .npz with "
                         "np.savez(path, images=...)")
    with data:
        if "images" not in data.files:
            raise ValueError(f"{path} has no array named 'images' (found {', '.join(data.files) or 'none'}).")
        return data["images"]


def cmd_classify(args: argparse.Namespace, argv: list[str]) -> int:
    """Classify images from an .npz (as `generate` writes them); write the reading to --out."""
    from ganlab.evaluate.digit_reader import check_pixels, load_image_classifier

    images = check_pixels(_load_images(args.images))  # NaN, dtype, axes: before the model loads
    clf = load_image_classifier(args.checkpoint, args.head)
    reading = clf(images)
    labels = reading.labels_with_fake if args.labels_with_fake else reading.labels
    arrays = {"labels": labels, "probs": reading.probs, "names": np.array(clf.names)}
    if reading.p_fake is not None:
        arrays["p_fake"] = reading.p_fake
    save_npz(args.out, **arrays)
    counts = np.bincount(labels, minlength=len(clf.names))
    read = ", ".join(f"{name}: {n:,}" for name, n in zip(clf.names, counts) if n)
    n = len(labels)
    fake = "" if reading.p_fake is None else \
        f"; D calls {reading.called_fake:,} of {n:,} ({100 * reading.called_fake / n:.1f} %) fake"
    what = "read (if real) as" if reading.p_fake is not None and not args.labels_with_fake else "read as"
    print(f"classified {n:,} images with {clf.source} into {args.out} ({', '.join(arrays)}); {what} {read}{fake}")
    return 0


def cmd_train_classifier(args: argparse.Namespace, argv: list[str]) -> int:
    """Train and save the independent evaluation classifier."""
    from ganlab.evaluate.quality import train_and_save_classifier

    card = train_and_save_classifier(args.dataset, Path(args.out), args.data_dir, args.epochs,
                                     args.seed, command_line(argv), limit=args.limit)
    print(json.dumps(card))
    return 0


