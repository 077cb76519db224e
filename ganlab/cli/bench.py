"""``bench``: training steps/s of the main models and inference latency."""

from __future__ import annotations

import argparse
from typing import Any

from ganlab.cli.common import shared


def add_parsers(sub: Any) -> None:
    """The ``bench`` subcommand."""
    b = sub.add_parser("bench", help="training steps/s and inference latency")
    b.add_argument("--steps", type=int, default=10, help="timed steps per round")
    b.add_argument("--rounds", type=int, default=3, help="alternating rounds per comparison")
    b.add_argument("--quick", action="store_true", help="smaller numbers, for a smoke test")
    shared(b, "--data-dir")
    b.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace, argv: list[str]) -> int:
    """Print steps/s of the main models, the ratio to the TF tutorial's step, inference ms/image."""
    from ganlab.evaluate.bench import run_bench

    run_bench(steps=args.steps, rounds=args.rounds, data_dir=args.data_dir, quick=args.quick)
    return 0
