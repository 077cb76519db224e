"""``data --check``: which data sets are present where the app looks, and how to get the missing ones."""

from __future__ import annotations

import argparse
from typing import Any

from ganlab.cli.common import shared


def add_parsers(sub: Any) -> None:
    """The ``data`` subcommand."""
    p = sub.add_parser("data", help="check the data sets: present where the app looks, size, how to get them")
    p.add_argument("--check", action="store_true", required=True,
                   help="say, for each data set, whether it is there and how to get it offline")
    shared(p, "--data-dir")
    p.set_defaults(func=cmd_data)


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def cmd_data(args: argparse.Namespace, argv: list[str]) -> int:
    """Print one block per data set; exit 1 when a required one is missing."""
    from ganlab.data.status import check, where_looked

    print(where_looked(args.data_dir))
    missing_required = []
    for s in check(args.data_dir):
        need = "required" if s.required else "optional"
        if s.present:
            print(f"\n{s.name}: present ({s.source}) {s.path}, {_mb(s.size_bytes)}")
        else:
            print(f"\n{s.name}: MISSING ({need})")
            print(f"  to get it offline: {s.how_to_get}")
            if s.required:
                missing_required.append(s.name)
        print(f"  used by: {s.used_by}")
    if missing_required:
        print(f"\nmissing required data: {', '.join(missing_required)}")
        return 1
    print("\nevery required data set is present")
    return 0
