"""The argparse parser of every subcommand; each command module adds its own (``add_parsers``), and the
training settings' flags come from ``ganlab.config.settings``."""

from __future__ import annotations

import argparse

from ganlab.cli import bench, classify, data, evaluate, export, generate, held_out, project, record, replay, train

COMMAND_MODULES = (train, generate, project, evaluate, held_out, classify, export, record, replay, bench,
                   data)  # the order of --help


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for all subcommands (training defaults come from ganlab.config)."""
    p = argparse.ArgumentParser(prog="python -m ganlab", description="Train and play with GANs.")
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.add_parsers(sub)
    return p
