"""The measuring commands that read generated pictures with a classifier: ``evaluate``,
``evaluate-infogan``, ``evaluate-text2img``, ``evaluate-sgan`` and ``evaluate-augmentation``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ganlab.cli.common import command_line, shared, write_figure, write_quality


def add_parsers(sub: Any) -> None:
    """The classifier-based evaluation subcommands."""
    e = sub.add_parser("evaluate", help="classifier-based quality of a checkpoint")
    shared(e, "--checkpoint")
    e.add_argument("--dataset", default=None)
    e.add_argument("--classifier", default=None)
    e.add_argument("--per-class", type=int, default=100)
    shared(e, "--seed", "--data-dir", "--write-card")
    e.set_defaults(func=cmd_evaluate)

    ig = sub.add_parser("evaluate-infogan", help="what an InfoGAN's codes mean, read by the classifier")
    shared(ig, "--checkpoint", checkpoint={"help": "folder or shipped name (infogan-mnist)"})
    ig.add_argument("--classifier", default=None, help="default: classifier-<dataset of the card>")
    ig.add_argument("--per-category", type=int, default=500, help="samples per category for the mapping")
    ig.add_argument("--samples", type=int, default=300, help="samples per continuous-code sweep")
    shared(ig, "--seed")
    ig.add_argument("--figure", default=None,
                    help="write the rows×columns figure for code 1 here (code 2 gets the suffix _2)")
    ig.add_argument("--figure-seed", type=int, default=0, help="noise seed for the figure")
    shared(ig, "--write-card")
    ig.set_defaults(func=cmd_evaluate_infogan)

    e = sub.add_parser("evaluate-text2img", help="does a text2img model draw what its sentence says?")
    shared(e, "--checkpoint", checkpoint={"help": "folder or shipped name (text2img-mnist)"})
    e.add_argument("--classifier", default=None, help="default: classifier-mnist")
    e.add_argument("--per-class", type=int, default=100, help="seeds per sentence")
    shared(e, "--seed", "--data-dir", "--write-card")
    e.set_defaults(func=cmd_evaluate_text2img)

    e = sub.add_parser("evaluate-sgan", help="test accuracy of an SGAN's classifier and of its labels-only baseline")
    shared(e, "--checkpoint", "--data-dir", checkpoint={
        "action": "append", "help": "folder or shipped name (sgan-mnist-100); repeat it to compare label counts"})
    e.add_argument("--limit", type=int, default=None, help="only the first N test images")
    e.add_argument("--figure", default=None, help="write test accuracy against the number of labels here (PNG)")
    shared(e, "--write-card")
    e.set_defaults(func=cmd_evaluate_sgan)

    e = sub.add_parser("evaluate-augmentation",
                       help="does a cGAN trained on N labelled images help a classifier trained on those N?")
    shared(e, "--checkpoint", "--data-dir", "--write-card", checkpoint={
        "action": "append", "help": "a cGAN trained with --labels-per-class (repeat to compare several N)"})
    e.add_argument("--generated-per-class", type=int, default=500, help="cGAN samples per class in the pool")
    e.add_argument("--steps", type=int, default=2000, help="classifier updates per run (batch 64)")
    e.add_argument("--seeds", type=int, default=3, help="classifier initialisations per condition")
    e.add_argument("--limit", type=int, default=None, help="only the first N test images")
    e.set_defaults(func=cmd_evaluate_augmentation)


def cmd_evaluate(args: argparse.Namespace, argv: list[str]) -> int:
    """Measure a checkpoint with the independent classifier and print JSON."""
    from ganlab.checkpoints import load_generator
    from ganlab.data import mnist_like
    from ganlab.evaluate.quality import evaluate_generator, load_classifier

    loaded = load_generator(args.checkpoint)
    dataset = args.dataset or loaded.card["dataset"]
    clf = load_classifier(args.classifier or f"classifier-{dataset}")
    real = mnist_like(dataset, "test", args.data_dir)
    result = evaluate_generator(loaded.gan, clf, real, per_class=args.per_class, seed=args.seed)
    result["classifier"] = clf.card.get("dataset") and f"classifier-{clf.card['dataset']}"
    result["command"] = command_line(argv)
    print(json.dumps(result))
    if args.write_card:
        print(f"quality written to {write_quality(loaded.path, result, replace=True)}")
    return 0


def cmd_evaluate_infogan(args: argparse.Namespace, argv: list[str]) -> int:
    """Measure what an InfoGAN's codes mean (category→digit accuracy, code 1/2 effects); print JSON."""
    from ganlab.evaluate.infogan import describe_code, evaluate_infogan
    from ganlab.evaluate.quality import load_classifier
    from ganlab.explore.infogan import code_figure, load_infogan

    model = load_infogan(args.checkpoint)
    clf = load_classifier(args.classifier or f"classifier-{model.card['dataset']}")
    result = evaluate_infogan(model, clf, per_category=args.per_category, samples=args.samples, seed=args.seed)
    result["classifier"] = clf.card.get("dataset") and f"classifier-{clf.card['dataset']}"
    result["command"] = command_line(argv)
    print(json.dumps({k: v for k, v in result.items() if k != "confusion"}))
    print(f"category→digit accuracy (best one-to-one mapping): {result['accuracy']:.1%} "
          f"(paper: ~95%); mapping {result['mapping']}")
    for code in result["codes"]:
        print(describe_code(code))
    entry = {model.loaded.gan.quality_key: result}
    model.loaded.card = dict(model.card, quality={**(model.card.get("quality") or {}), **entry})  # figures read it
    if args.figure:
        for j in range(model.continuous):
            path = Path(args.figure) if j == 0 else _suffixed(args.figure, f"_{j + 1}")
            write_figure(code_figure(model, j, seed=args.figure_seed), path)
            print(f"figure for code {j + 1} written to {path}")
    if args.write_card:
        print(f"InfoGAN measurements written to {write_quality(model.loaded.path, entry)}")
    return 0


def _suffixed(path: str, suffix: str) -> Path:
    """``path`` with ``suffix`` before its extension (figure.png → figure_2.png)."""
    p = Path(path)
    return p.with_name(f"{p.stem}{suffix}{p.suffix}")


def cmd_evaluate_text2img(args: argparse.Namespace, argv: list[str]) -> int:
    """Digit accuracy per digit word, same-seed attribute ordering and diversity of a text2img checkpoint."""
    from ganlab.checkpoints import load_generator
    from ganlab.data import mnist_like
    from ganlab.evaluate.quality import load_classifier
    from ganlab.evaluate.text2img import evaluate_text2img, table

    loaded = load_generator(args.checkpoint, generates_from="text")
    clf = load_classifier(args.classifier or "classifier-mnist")
    real = mnist_like("mnist", "test", args.data_dir)
    result = evaluate_text2img(loaded.gan, clf, real, per_class=args.per_class, seed=args.seed)
    result["classifier"] = f"classifier-{clf.card.get('dataset', 'mnist')}"
    result["command"] = command_line(argv)
    print(table(result))
    print(json.dumps(result))
    if args.write_card:
        print(f"text quality written to {write_quality(loaded.path, {loaded.gan.quality_key: result})}")
    return 0


def cmd_evaluate_sgan(args: argparse.Namespace, argv: list[str]) -> int:
    """Test accuracy of SGAN checkpoints' classifiers and of their labels-only baselines; a table, a
    figure (accuracy against the number of labels) and card updates on request."""
    from ganlab.evaluate.digit_reader import accuracy_figure, accuracy_table, sgan_test_accuracy
    from ganlab.models import model_of

    results = []
    for checkpoint in args.checkpoint:
        result = {**sgan_test_accuracy(checkpoint, args.data_dir, args.limit), "command": command_line(argv)}
        results.append(result)
        print(json.dumps({"checkpoint": checkpoint, **result}))
        if args.write_card:
            key = model_of(_card(checkpoint)).quality_key
            print(f"test accuracy written to {write_quality(checkpoint, {key: result})}")
    print(accuracy_table(results))
    if args.figure:
        write_figure(accuracy_figure(results), args.figure)
        print(f"figure written to {args.figure}")
    return 0


def _card(checkpoint: str) -> dict[str, Any]:
    """The card of a checkpoint folder or shipped name."""
    from ganlab.checkpoints import read_card, resolve

    return read_card(resolve(checkpoint))


def cmd_evaluate_augmentation(args: argparse.Namespace, argv: list[str]) -> int:
    """Classifier test accuracy on N real labelled images, with and without a cGAN's samples."""
    from ganlab.evaluate.augmentation import augmentation_experiment, augmentation_table

    results = []
    for checkpoint in args.checkpoint:
        result = augmentation_experiment(checkpoint, args.data_dir, args.generated_per_class, args.steps,
                                         tuple(range(args.seeds)), args.limit)
        results.append(result)
        record = {**result.as_dict(), "command": command_line(argv)}
        print(json.dumps(record))
        if args.write_card:
            print(f"result written to {write_quality(checkpoint, {'augmentation': record})}")
    print(augmentation_table(results))
    return 0
