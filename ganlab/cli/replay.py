"""``replay``: a recorded run's snapshots as an animated GIF, the step and a progress bar under each frame."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parsers(sub: Any) -> None:
    """The ``replay`` subcommand."""
    r = sub.add_parser("replay", help="write a recorded run's snapshots as an animated GIF")
    r.add_argument("run", metavar="RUN_DIR", help="checkpoint folder (train --out) or shipped model name")
    r.add_argument("--out", default="training.gif", help="the GIF to write (default training.gif)")
    r.add_argument("--fps", type=float, default=10.0, help="frames per second (default 10)")
    r.add_argument("--size", type=int, default=420, help="width of a frame in pixels, about (default 420)")
    r.add_argument("--hold", type=int, default=10, help="repeat the last frame this many times (default 10)")
    r.set_defaults(func=cmd_replay)


def gif_frames(run: Any, size: int = 420) -> list[Any]:
    """One RGB array per snapshot of ``run`` (a RecordedRun), the step and progress drawn under it."""
    from ganlab.ui.train.replay_pictures import frame_picture, with_progress

    snaps = run.snapshots
    last = max(run.last_step, snaps.steps[-1])
    return [with_progress(frame_picture(snaps, i, size=size), step, last) for i, step in enumerate(snaps.steps)]


def cmd_replay(args: argparse.Namespace, argv: list[str]) -> int:
    """Write the GIF; an error when the run has no snapshots."""
    from PIL import Image

    from ganlab.train.replay import open_run

    run = open_run(args.run)
    if not len(run.snapshots):
        raise ValueError(f"{args.run} has no snapshots (saved before ganlab kept them?): train it again, or "
                         "for a shipped model run `python -m ganlab record NAME`.")
    if args.fps <= 0 or args.size < 64 or args.hold < 0:
        raise ValueError("--fps must be > 0, --size at least 64 and --hold at least 0.")
    frames = [Image.fromarray(f) for f in gif_frames(run, args.size)]
    frames += [frames[-1]] * args.hold
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frames[0].save(out, save_all=True, append_images=frames[1:], duration=int(1000 / args.fps), loop=0,
                   optimize=False)
    print(f"wrote {out} ({len(run.snapshots)} snapshots, steps {run.snapshots.steps[0]:,} to "
          f"{run.snapshots.steps[-1]:,}; {out.stat().st_size / 1024:.0f} KB)")
    return 0
