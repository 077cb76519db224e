"""``record``: give a shipped model (or any checkpoint) its snapshots by running the training command its card
holds again — in-process, into a temporary folder, with snapshots kept as every run keeps them — and copying
the new run's snapshots.npz beside the model's files. The weights are left as they are; the card says how
the snapshots were made and how far the re-run's last snapshot lies from the model's own samples
(``final_gap``: a re-run on other hardware need not end exactly where the model did)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import shutil
import tempfile
from pathlib import Path
from typing import Any

DROPPED = {"--save-every": 1, "--tensorboard": 1, "--tensorboard-images": 1, "--data-dir": 1, "--quiet": 0,
           "--no-eval": 0}  # flags of the recorded command left out (with this many values)


def add_parsers(sub: Any) -> None:
    """The ``record`` subcommand."""
    r = sub.add_parser("record", help="give a shipped model its snapshots: run its card's training command again")
    r.add_argument("checkpoint", metavar="NAME", help="shipped model name or checkpoint folder")
    r.add_argument("--data-dir", default=None, help="folder with mnist/, openmoji/ ... (default $GANLAB_DATA_DIR)")
    r.add_argument("--steps", type=int, default=None, help="train this many steps instead (a quick try; the card "
                                                          "then says so)")
    r.add_argument("--dry-run", action="store_true", help="print the commands it would run, and stop")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=cmd_record)


def training_commands(command: str, work: Path, steps: int | None = None, quiet: bool = False) -> list[list[str]]:
    """The ``train`` argument lists of a card's command (``A ; then B`` is two), their --out / --resume
    folders moved under ``work``, --save-every, TensorBoard and --data-dir left out, --no-eval added."""
    runs = []
    for part in command.replace("; then ", ";").split(";"):
        words = shlex.split(part)
        if words[:4] != ["python", "-m", "ganlab", "train"]:
            raise ValueError(f"The card's command is not `python -m ganlab train ...`: {part.strip()!r}.")
        argv, i = ["train"], 4
        while i < len(words):
            flag, value = words[i].partition("=")[0], words[i + 1] if i + 1 < len(words) else ""
            if flag in DROPPED:
                i += 1 + (DROPPED[flag] if "=" not in words[i] else 0)
                continue
            if flag in ("--out", "--resume", "--steps") and "=" not in words[i]:
                value = str(work / Path(value).name) if flag != "--steps" else str(steps or value)
                argv += [flag, value]
                i += 2
                continue
            argv.append(words[i])
            i += 1
        runs.append([*argv, "--no-eval", *(["--quiet"] if quiet else [])])
    if "--out" not in runs[-1]:
        raise ValueError("The card's command has no --out: cannot tell where its run went.")
    return runs


def samples_gap(folder: Path, snaps: Any) -> float:
    """Mean absolute difference (of 255) between the model's own sample grid (its weights, its fixed latent
    batch, drawn as a snapshot is) and the recorded run's last snapshot: 0 when the re-run ended where the
    model did."""
    import numpy as np

    from ganlab.train.run import TrainingRun
    from ganlab.train.snapshots import levels

    own = TrainingRun.resume_from(folder, data_dir=None)  # this machine's data folder, as the re-run used
    mine = snaps.frame(len(snaps) - 1)
    if snaps.kind != "image":
        return float(np.abs(own.samples() - mine["fakes"]).mean())
    return float(np.abs(levels(own.preview()).astype(np.float32) - mine["grid"]).mean())


def cmd_record(args: argparse.Namespace, argv: list[str]) -> int:
    """Run the card's training command again and keep its snapshots beside the model's files."""
    from ganlab.checkpoints import atomic_write_text, read_card, resolve
    from ganlab.cli import main
    from ganlab.cli.common import command_line
    from ganlab.train.snapshots import Snapshots

    folder = resolve(args.checkpoint)
    card = read_card(folder)
    if not card.get("command"):
        raise ValueError(f"{args.checkpoint}'s card holds no training command to record.")
    with tempfile.TemporaryDirectory(prefix="ganlab-record-") as tmp:
        runs = training_commands(card["command"], Path(tmp), args.steps, args.quiet)
        for run in runs:
            print("python -m ganlab " + shlex.join(run), flush=True)
        if args.dry_run:
            return 0
        if args.data_dir:
            os.environ["GANLAB_DATA_DIR"] = args.data_dir
        for run in runs:
            if main(run) != 0:
                raise ValueError("The recorded training command failed; nothing was changed.")
        out = Path(runs[-1][runs[-1].index("--out") + 1])
        if not (out / "snapshots.npz").is_file():
            raise ValueError("The run kept no snapshots (its data is neither images nor 2D points).")
        part = folder / ".snapshots.npz.tmp"
        shutil.copyfile(out / "snapshots.npz", part)
        os.replace(part, folder / "snapshots.npz")
    has_weights = (folder / "generator.keras").is_file()
    gap = samples_gap(folder, Snapshots.read(folder / "snapshots.npz")) if has_weights else None
    card["snapshots"] = {"file": "snapshots.npz", "command": command_line(argv), "steps": args.steps,
                         "recorded": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                         "final_gap": None if gap is None else round(gap, 3),
                         "note": "from a re-run of the card's command; the weights are the shipped ones"}
    atomic_write_text(folder / "card.json", json.dumps(card, indent=2))
    size = (folder / "snapshots.npz").stat().st_size
    gap_text = "" if gap is None else (f"; the re-run's last snapshot differs from the model's own samples by "
                                       f"{gap:.3g} on average (0 = the same; images: of 255, 2D: in data units)")
    print(f"wrote {folder / 'snapshots.npz'} ({size / 1024:.0f} KB){gap_text}")
    return 0
