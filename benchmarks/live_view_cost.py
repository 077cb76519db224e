"""What one student's live Train view costs the server per refresh, on the ring preset: the old path (the
2D view and the curves drawn as PNGs with PIL / matplotlib) against the new one (the numbers published
for the browser, and the answer to the page's ``GET /train/frame``: JSON, gzip).

    python benchmarks/live_view_cost.py                  # 60 refreshes per path, 10 steps between, 0.5 s apart
    python benchmarks/live_view_cost.py --refreshes 200 --steps-between 12

Both paths run ``RunDisplay.redraw`` as the Train tab's stream does while the run trains (twice a second:
the records new since the last refresh, the slow panels every 2 s); the training steps between refreshes
are not timed. The CPU time
is the process's (all threads: TensorFlow's calls for the heatmap, the pushes and the manifold included),
so nothing else runs in the process while a refresh is timed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganlab.server.train_frame import TrainFrames
from ganlab.train.layers_2d import EXTENT
from ganlab.train.monitor import Monitor
from ganlab.train.run import TrainingRun
from ganlab.ui.train.form import TrainForm
from ganlab.ui.train.live_view import QUALITY_EVERY_S, RunDisplay
from ganlab.ui.train.presets import PRESETS

RING = "Healthy: ring of 8 Gaussians"


def ring_run(warm_steps: int) -> TrainingRun:
    """The ring preset's run, compiled and trained ``warm_steps`` steps (its fakes spread out)."""
    run = TrainingRun(TrainForm(**PRESETS[RING].form_values()).config())
    run.warm_up()
    for _ in run.run(warm_steps):
        pass
    return run


class Running:
    """The run as the live view sees it while it trains (status "running": the slow panels, the formula,
    the graph and the divergence curve, come every QUALITY_EVERY_S seconds, not at every refresh)."""

    status = "running"

    def __init__(self, run: TrainingRun):
        self._run = run

    def __getattr__(self, name: str):
        return getattr(self._run, name)


def cost(run: TrainingRun, browser: bool, refreshes: int, between: int, interval: float) -> dict[str, float]:
    """CPU ms per refresh (median, mean, p90) of one path, and the answer's bytes (the new path)."""
    board = TrainFrames() if browser else None
    display = RunDisplay(board=board, token=board.open() if board else None)
    monitor = Monitor(run, None, (), every_s=QUALITY_EVERY_S, extent=EXTENT)
    shown = Running(run)
    points, sizes, times = 0, [], []
    for i in range(refreshes + 3):  # the first three: figures built, programs traced (not counted)
        t0 = time.monotonic()
        for _ in run.run(between):
            pass
        c0 = time.process_time()
        display.redraw(shown, monitor, force=False)
        if board is not None:  # the page's request: only the new curve points, the real points once
            data, _ = board.answer(display.token, points, real=i == 0)
            points = len(run.history)
            sizes.append(len(data))
        spent = time.process_time() - c0
        if i >= 3:
            times.append(1000 * spent)
        time.sleep(max(0.0, interval - (time.monotonic() - t0)))  # a refresh every ``interval`` s of wall time
    display.close()
    times.sort()
    out = {"median": statistics.median(times), "mean": statistics.fmean(times),
           "p90": times[int(0.9 * (len(times) - 1))]}
    if sizes:
        out["bytes"] = statistics.median(sizes[3:])
    return out


def main() -> None:
    """Time both paths on one ring run and print CPU ms per refresh."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--refreshes", type=int, default=60)
    p.add_argument("--steps-between", type=int, default=10, help="training steps between two refreshes")
    p.add_argument("--warm-steps", type=int, default=400)
    p.add_argument("--interval", type=float, default=0.5, help="seconds between refreshes (the tab's REFRESH_S)")
    a = p.parse_args()
    run = ring_run(a.warm_steps)
    for name, browser in (("old: PNGs drawn on the server", False), ("new: numbers for the browser", True)):
        r = cost(run, browser, a.refreshes, a.steps_between, a.interval)
        size = f", answer {r['bytes'] / 1024:.1f} KiB gzipped" if "bytes" in r else ""
        print(f"{name:32s} CPU ms per refresh: median {r['median']:.1f}, mean {r['mean']:.1f}, "
              f"p90 {r['p90']:.1f} ({a.refreshes} refreshes{size})", flush=True)


if __name__ == "__main__":
    main()
