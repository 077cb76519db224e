"""What several commands share: the command as typed, ``--option KEY=VALUE``, one wording of the
arguments they have in common, input image files, .npz outputs and the one writer of a card's quality."""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path
from typing import Any

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")

SHARED_ARGUMENTS: dict[str, dict] = {
    "--checkpoint": {"required": True, "help": "checkpoint folder or shipped name"},
    "--data-dir": {"default": None, "help": "folder with mnist/, openmoji/ ... (default $GANLAB_DATA_DIR)"},
    "--seed": {"type": int, "default": 0},
    "--write-card": {"action": "store_true", "help": "store the result in the checkpoint's card"},
}


def command_line(argv: list[str]) -> str:
    """The command as a user would type it again (recorded in checkpoint cards)."""
    return "python -m ganlab " + shlex.join(argv)


def parse_options(items: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings as a dict, each value read as JSON where it is JSON (else the string)."""
    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--option expects key=value, got {item!r}")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def shared(parser: argparse.ArgumentParser, *flags: str, **changes: dict) -> None:
    """Add options several commands share, with one wording; ``changes`` maps a flag's dest to overrides."""
    for flag in flags:
        spec = dict(SHARED_ARGUMENTS[flag])
        spec.update(changes.get(flag.lstrip("-").replace("-", "_"), {}))
        parser.add_argument(flag, **spec)


def write_quality(checkpoint: str | Path, entries: dict[str, Any], replace: bool = False) -> Path:
    """Store ``entries`` in a checkpoint's ``card["quality"]`` beside what is there (``replace``: as the
    whole quality), atomically; the card's path."""
    from ganlab.checkpoints import atomic_write_text, read_card, resolve

    folder = resolve(checkpoint)
    card = read_card(folder)
    card["quality"] = dict(entries) if replace else {**(card.get("quality") or {}), **entries}
    atomic_write_text(folder / "card.json", json.dumps(card, indent=2))
    return folder / "card.json"


def input_files(inputs: str) -> list[Path]:
    """An image file, or the images in a folder (sorted)."""
    src = Path(inputs).expanduser()
    files = sorted(f for f in src.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES) if src.is_dir() else [src]
    if not files or not files[0].exists():
        raise SystemExit(f"--inputs: no image found at {src}")
    return files


def save_npz(out: str | Path, **arrays: np.ndarray) -> None:
    """Write arrays to a compressed .npz, making its folder."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)


def write_figure(image: np.ndarray, path: str | Path) -> None:
    """Save an RGB figure as PNG, making its folder."""
    from ganlab.images import save_png

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_png(image, path)


def figure_rows(rows: str | None, count: int) -> list[int]:
    """The held-out indices ``--figure-rows`` names (default the first six), those that exist."""
    idx = [int(i) for i in rows.split(",")] if rows else list(range(6))
    return [i for i in idx if 0 <= i < count]
