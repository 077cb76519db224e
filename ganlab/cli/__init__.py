"""Command line: ``python -m ganlab train | generate | project | evaluate | evaluate-infogan | evaluate-pix2pix |
evaluate-srgan | evaluate-sgan | evaluate-augmentation | evaluate-text2img | classify | train-classifier |
export | export-float16 | record | replay | bench | data``.

One module per family of commands (``train``, ``generate``, ``evaluate``, ``held_out``, ``classify``,
``export``, ``record``, ``replay``, ``bench``, ``data``), each adding its own subcommands to the parser
(``parser``); what they share is in ``common``. The commands import the heavy modules (Keras, TensorFlow)
inside their functions on purpose: that is for start-up time only (``--help`` and argument errors answer at
once instead of after ~3 s of TensorFlow loading), not to hide an import cycle — nothing in ganlab imports this package.
"""

from __future__ import annotations

import sys

from ganlab.cli.common import command_line
from ganlab.cli.parser import build_parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; errors a user can fix are printed without a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    from ganlab.checkpoints import CheckpointError
    from ganlab.config import ConfigError
    from ganlab.data import DataError

    try:
        return args.func(args, argv)
    except (ConfigError, DataError, CheckpointError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


__all__ = ["build_parser", "command_line", "main"]
