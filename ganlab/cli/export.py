"""``export`` (a checkpoint for shipping, or the generator as .keras, TF SavedModel or ONNX) and
``export-float16``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ganlab.cli.common import command_line, shared


def add_parsers(sub: Any) -> None:
    """The ``export`` and ``export-float16`` subcommands."""
    x = sub.add_parser("export", help="copy a checkpoint for shipping, without optimizer state; or the "
                       "generator as .keras, TF SavedModel or ONNX (--format)")
    shared(x, "--checkpoint", checkpoint={"help": "folder or shipped name (cgan-mnist, dcgan-fashion)"})
    x.add_argument("--format", default="checkpoint",
                   choices=["checkpoint", "keras", "tf_saved_model", "onnx"],
                   help="checkpoint: a checkpoint folder without optimizer state; the others: the "
                        "generator through Keras' Model.save / Model.export")
    x.add_argument("--out", default=None,
                   help="destination (default for generator formats: exports/NAME-generator[.keras|.onnx])")
    x.add_argument("--no-check", action="store_true", help="do not run the export beside Keras")
    x.set_defaults(func=cmd_export, float16=False)

    x = sub.add_parser("export-float16", help="copy a checkpoint for shipping with float16 weights")
    shared(x, "--checkpoint")
    x.add_argument("--out", required=True)
    x.set_defaults(func=cmd_export, float16=True, format="checkpoint")


def cmd_export(args: argparse.Namespace, argv: list[str]) -> int:
    """Copy a checkpoint for shipping, without optimizer state (``export-float16``: float16 weights);
    ``--format keras|tf_saved_model|onnx``: the generator through Keras' own export, checked."""
    from ganlab.checkpoints import export_checkpoint, export_float16

    if args.format != "checkpoint":
        return _export_generator(args)
    if not args.out:
        raise SystemExit("export: --out is required with --format checkpoint")
    export = export_float16 if args.float16 else export_checkpoint
    path = export(args.checkpoint, args.out, command_line(argv))
    size = sum(p.stat().st_size for p in path.iterdir()) / 1e6
    weights = " with float16 weights" if args.float16 else ""
    print(f"exported {args.checkpoint} to {path}{weights} ({size:.1f} MB)")
    return 0


def _export_generator(args: argparse.Namespace) -> int:
    """The generator as a .keras file, a TF SavedModel or ONNX; then run it beside Keras."""
    from ganlab import export

    loaded = export.load_for_export(args.checkpoint)
    path = export.export_generator(loaded, args.out or export.default_path(args.checkpoint, args.format),
                                   args.format)
    names = ", ".join(f"{k} {(None, *v.shape[1:])} {v.dtype}" for k, v in export.example_feed(loaded, 1).items())
    print(f"exported the {loaded.gan.name} generator of {args.checkpoint} as {args.format} to {path} "
          f"(inputs: {names})")
    if not args.no_check:
        try:
            diff = export.max_difference(loaded, path, args.format)
        except ImportError as e:
            print(f"not checked: {e} (pip install -r requirements-dev.txt)")
        else:
            print(f"checked: max |export - Keras| = {diff:.2e} on 8 seeded inputs")
            if not diff <= 1e-4:
                print("error: the export does not reproduce the Keras generator", file=sys.stderr)
                return 1
    return 0


