"""Held-out evaluations of the image-to-image models: ``evaluate-pix2pix`` (sketch → picture) and
``evaluate-srgan`` (4× upscaling beside bicubic)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ganlab.cli.common import command_line, figure_rows, shared, write_figure, write_quality


def _held_out_arguments(parser: argparse.ArgumentParser, shipped: str, compare_help: str, figure_help: str) -> None:
    """The arguments every held-out evaluation of an image-to-image model takes."""
    shared(parser, "--checkpoint", "--data-dir", checkpoint={"help": f"folder or shipped name ({shipped})"})
    parser.add_argument("--compare", action="append", default=[], help=compare_help)
    parser.add_argument("--figure", default=None, help=figure_help)
    parser.add_argument("--figure-rows", default=None, help="held-out indices for the figure, e.g. 0,5,9")
    parser.add_argument("--figure-scale", type=int, default=1)
    shared(parser, "--write-card")


def add_parsers(sub: Any) -> None:
    """The ``evaluate-pix2pix`` and ``evaluate-srgan`` subcommands."""
    e = sub.add_parser("evaluate-pix2pix", help="held-out L1 (and more) of pix2pix checkpoints")
    _held_out_arguments(e, "pix2pix-openmoji", "another pix2pix checkpoint (repeatable)",
                        "write input | compared... | checkpoint | target rows here")
    e.set_defaults(func=cmd_evaluate_pix2pix)

    e = sub.add_parser("evaluate-srgan", help="held-out PSNR / SSIM / sharpness of SRGAN checkpoints vs bicubic")
    _held_out_arguments(e, "srgan-openmoji", "another srgan checkpoint, e.g. the SRResNet baseline "
                        "(repeatable; shown first)", "write low-res | bicubic | compared... | checkpoint | truth rows")
    e.add_argument("--labels", default=None, help="names for the table, compared first: e.g. SRResNet,SRGAN")
    e.add_argument("--limit", type=int, default=None, help="only the first N held-out pairs")
    e.add_argument("--table", default=None, help="write the Markdown table here")
    e.set_defaults(func=cmd_evaluate_srgan)


def cmd_evaluate_pix2pix(args: argparse.Namespace, argv: list[str]) -> int:
    """Held-out metrics of pix2pix checkpoints; optional comparison figure; optional card update."""
    from ganlab.checkpoints import load_generator
    from ganlab.evaluate.pix2pix import comparison_figure, evaluate_pix2pix, held_out_split, translate
    from ganlab.sampling import Sampler

    loaded = [load_generator(c, generates_from="sketch") for c in [args.checkpoint, *args.compare]]
    cond, targets, names = held_out_split(loaded[0].card, args.data_dir)
    samplers = [Sampler(lg.gan) for lg in loaded]
    results = {}
    for lg, sampler in zip(loaded, samplers):
        r = evaluate_pix2pix(sampler, cond, targets)
        r["split"] = "held-out test split (never trained on)"
        r["command"] = command_line(argv)
        results[str(lg.path)] = r
        print(json.dumps({"checkpoint": str(lg.path), **r}))
    if args.figure:
        idx = figure_rows(args.figure_rows, len(cond))
        cols = [translate(s, cond[idx]) for s in [*samplers[1:], samplers[0]]]  # baselines first
        write_figure(comparison_figure(cond[idx], cols, targets[idx], scale=args.figure_scale), args.figure)
        print(f"figure ({', '.join(names[i] for i in idx)}) written to {args.figure}")
    if args.write_card:
        lg = loaded[0]
        entries: dict[str, Any] = {lg.gan.quality_key: results[str(lg.path)]}
        if args.compare:
            entries["compared_with"] = {str(o.path): results[str(o.path)] for o in loaded[1:]}
        print(f"held-out quality written to {write_quality(lg.path, entries)}")
    return 0


def cmd_evaluate_srgan(args: argparse.Namespace, argv: list[str]) -> int:
    """Held-out PSNR / SSIM / sharpness of SRGAN checkpoints and bicubic; table, figure, card."""
    from ganlab.checkpoints import load_generator
    from ganlab.evaluate.superres import comparison_figure, held_out_pairs, measure, table, upscale_all
    from ganlab.images import bicubic_up, nearest_up
    from ganlab.sampling import Sampler

    loaded = [load_generator(c, generates_from="low_res") for c in [*args.compare, args.checkpoint]]  # baselines first
    low, truth, names = held_out_pairs(loaded[-1].card, args.data_dir, args.limit)
    labels = args.labels.split(",") if args.labels else [lg.path.name for lg in loaded]
    if len(labels) != len(loaded):
        raise SystemExit(f"--labels needs {len(loaded)} names (compared checkpoints first, then --checkpoint)")
    columns = {"bicubic": bicubic_up(low), **{label: upscale_all(Sampler(lg.gan), low)
                                             for label, lg in zip(labels, loaded)}}
    rows = {name: measure(out, truth) for name, out in columns.items()}
    split = f"{len(low)} held-out pairs of {loaded[-1].card['dataset']} (never trained on)"
    print(f"{split}\n{table(rows)}")
    if args.table:
        Path(args.table).parent.mkdir(parents=True, exist_ok=True)
        Path(args.table).write_text(f"{split}\n\n{table(rows)}\n", encoding="utf-8")
        print(f"table written to {args.table}")
    if args.figure:
        idx = figure_rows(args.figure_rows, len(low))
        cols = [nearest_up(low[idx]), *[c[idx] for c in columns.values()], truth[idx]]
        write_figure(comparison_figure(cols, scale=args.figure_scale), args.figure)
        print(f"figure (low-res | {' | '.join(columns)} | truth; {', '.join(names[i] for i in idx)}) "
              f"written to {args.figure}")
    if args.write_card:
        lg = loaded[-1]
        result = {"split": split, "methods": rows, "command": command_line(argv),
                  "metrics": "PSNR on RGB uint8; SSIM on luminance (σ=1.5); sharpness = mean gradient "
                             "magnitude / the truth's"}
        print(f"held-out quality written to {write_quality(lg.path, {lg.gan.quality_key: result})}")
    return 0
