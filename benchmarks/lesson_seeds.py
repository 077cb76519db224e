"""Does every 2D lesson show what its note promises, for any seed? Trains each "Compare:" and "Broken:"
preset of the Train tab (and the healthy ring) headless over several seeds and judges each run by a
stated criterion that matches the preset's note.

    python benchmarks/lesson_seeds.py                       # every 2D lesson, seeds 0-5
    python benchmarks/lesson_seeds.py --only minimax --seeds 0,1
    python benchmarks/lesson_seeds.py --events --markdown   # also each lesson's event step (for pacing)

A comparison builds run A and run B from ``TrainConfig.run_configs()`` on one shared dataset, as the
app's Sessions.create does, and trains them in lockstep (fused calls of equal length, A first, as
``ganlab.train.compare.lockstep``; here every call is EVERY steps so that the fakes are measured at
the same steps in every run; the number of steps per call does not change a run, see --check).
Measures are the app's: ``diagnostics.quality_2d`` (JS in bits, coverage) between the 2D view's 600
real points (``monitor.real_points``) and G's 512 fixed-latent fakes, the loss records, and the
alarms of ``diagnostics.alarms``; plus the ring's modes covered: a blob counts when at least
MODE_SHARE of the fakes lie within MODE_RADIUS of its centre (the blobs' σ is 0.08).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from ganlab.config import TrainConfig
from ganlab.data.cache import dataset_for
from ganlab.train import diagnostics
from ganlab.train.compare import lockstep
from ganlab.train.monitor import EXTENT, real_points
from ganlab.train.run import StepMetrics, TrainingRun, TrainingStopped
from ganlab.ui.train.presets import PRESETS

EVERY = 25  # steps between two measures of the fakes
END = 250  # "at the end": the mean over the measures of the last END steps (JS wobbles from step to step)
RING_CENTRES = 1.5 * np.stack([np.cos(2 * np.pi * np.arange(8) / 8), np.sin(2 * np.pi * np.arange(8) / 8)], 1)
MODE_RADIUS = 0.3  # a fake within this distance of a blob's centre is on that blob
MODE_SHARE = 0.02  # a blob is covered when at least this share of the fakes (10 of 512) is on it


def modes_covered(fake: np.ndarray) -> int:
    """How many of the ring's 8 blobs hold at least MODE_SHARE of the fakes within MODE_RADIUS."""
    d = np.linalg.norm(fake[:, None, :] - RING_CENTRES[None], axis=2)
    return int(((d < MODE_RADIUS).mean(axis=0) >= MODE_SHARE).sum())


@dataclass
class Trace:
    """One run's measures every EVERY steps, its records and how it ended."""

    label: str
    steps: list[int] = field(default_factory=list)
    js: list[float] = field(default_factory=list)
    coverage: list[float] = field(default_factory=list)
    modes: list[int] = field(default_factory=list)
    moved: list[float] = field(default_factory=list)  # mean distance of a fake from its place at step 0
    history: list[StepMetrics] = field(default_factory=list)
    status: str = ""
    alarms: list[str] = field(default_factory=list)
    fakes: list[np.ndarray] = field(default_factory=list)  # the fixed-latent fakes at each measure

    def measure(self, s: TrainingRun, real: np.ndarray) -> None:
        """Append the measures of ``s``'s fixed-latent fakes now."""
        fake = s.samples()
        self.fakes.append(fake)
        q = diagnostics.quality_2d(real, fake, EXTENT)
        self.steps.append(s.step_count)
        self.js.append(q["js"])
        self.coverage.append(q["coverage"])
        self.modes.append(modes_covered(fake))
        self.moved.append(self.travel(0))

    def travel(self, since: int, until: int | None = None) -> float:
        """Mean distance a fake moved from step ``since`` to ``until`` (default: the last measure), each
        read at the first measure at or after it."""
        at = lambda step: next(i for i, st in enumerate(self.steps) if st >= step)
        last = len(self.steps) - 1 if until is None else at(until)
        return float(np.nanmean(np.linalg.norm(self.fakes[last] - self.fakes[at(since)], axis=1)))

    def end(self, name: str) -> float:
        """A measure's mean over the last END steps (NaN when the run measured nothing)."""
        values = getattr(self, name)
        last = [v for st, v in zip(self.steps, values) if st > self.steps[-1] - END] if self.steps else []
        return float(np.nanmean(last)) if last else float("nan")

    def series(self, name: str, last: int | None = None) -> np.ndarray:
        """A record field as an array (the last ``last`` train steps)."""
        values = np.array([getattr(r, name) for r in self.history if r.kind == "train"], dtype=float)
        return values[-last:] if last else values


def sessions_for(config: TrainConfig) -> list[TrainingRun]:
    """Run A (and run B of a comparison) as the app builds them: run_configs() on one dataset."""
    config_a, config_b = config.run_configs()
    data = dataset_for(config_a)
    return [TrainingRun(c, dataset=data) for c in (config_a, config_b) if c is not None]


def train(config: TrainConfig, every: int = EVERY) -> list[Trace]:
    """Train A (and B) in lockstep, ``every`` steps per call, measuring after each call."""
    runs = sessions_for(config)
    real = real_points(runs[0])
    traces = [Trace("A" if i == 0 else "B") for i in range(len(runs))]
    for s, t in zip(runs, traces):
        t.measure(s, real)
    while alive := [(s, t) for s, t in zip(runs, traces) if not s.stopped and s.step_count < s.config.steps]:
        n = min(every, *(s.config.steps - s.step_count for s, _ in alive))
        for s, t in alive:
            try:
                s.advance(n)
            except TrainingStopped:
                continue
            if not s.stopped:
                t.measure(s, real)
    for s, t in zip(runs, traces):
        t.history, t.status = s.history, s.status if s.status == "diverged" else "finished"
        coverage = t.coverage[-1] if t.coverage else None
        t.alarms = [a.kind for a in diagnostics.alarms(s.history, s.gan.loss, t.status, s.stop_reason,
                                                       coverage=coverage)]
    return traces


def check_lockstep(config: TrainConfig) -> float:
    """Largest difference between the final fakes of train() and of compare.lockstep (the app's loop)."""
    runs = sessions_for(config)
    for _ in lockstep(runs):
        pass
    ours = sessions_for(config)
    for _ in range(0, config.steps, EVERY):
        for s in ours:
            if not s.stopped:
                s.advance(min(EVERY, config.steps - s.step_count))
    return max(float(np.nanmax(np.abs(a.samples() - b.samples()))) for a, b in zip(runs, ours))


# -- criteria: one per lesson, each (held, the numbers it read) ------------------------------------------

def _swing(t: Trace, name: str = "d_loss", last: int = 500) -> float:
    """Median jump of a loss from one step to the next over the last ``last`` steps."""
    v = t.series(name, last)
    v = v[np.isfinite(v)]
    return float(np.median(np.abs(np.diff(v)))) if len(v) > 2 else float("nan")


def healthy(t: list[Trace]) -> tuple[bool, str]:
    """All 8 blobs covered and JS < 0.2 bits at the end."""
    a = t[0]
    return a.modes[-1] == 8 and a.end("js") < 0.2, f"modes {a.modes[-1]}, JS {a.end('js'):.2f}"


def d_too_strong(t: list[Trace]) -> tuple[bool, str]:
    """D stays ahead (D(x) > 0.8, D(G(z)) < 0.2 over the last 500 steps) and the fakes stay stuck on at
    most 4 of the 8 blobs at every measure from step 1,000 on: the rest of the ring stays empty."""
    a = t[0]
    dx, dgz = float(np.mean(a.series("d_real", 500))), float(np.mean(a.series("d_fake", 500)))
    most = max(m for st, m in zip(a.steps, a.modes) if st >= 1000)
    ok = dx > 0.8 and dgz < 0.2 and most <= 4
    return ok, (f"D(x) {dx:.2f}, D(G(z)) {dgz:.2f}, at most {most} blobs after step 1000, JS {a.end('js'):.2f}, "
                f"moved after 1000: {a.travel(1000):.2f}")


BLOWN = 100.0  # a loss this large has blown up (healthy ring runs stay below 2)
HUGE = 1e6  # the event on screen: a loss curve in the millions


def lr_too_high(t: list[Trace]) -> tuple[bool, str]:
    """The losses blow up (D's or G's passes 100, or NaN; healthy runs stay below 2) and the fakes end off
    the ring (JS > 0.5)."""
    a = t[0]
    peak = max(float(np.nanmax(np.abs(a.series(n)))) for n in ("d_loss", "g_loss"))
    ok = (a.status == "diverged" or peak > BLOWN) and a.end("js") > 0.5
    where = f"diverged at {a.history[-1].step}" if a.status == "diverged" else "finished"
    return ok, f"{where}, largest loss {peak:.3g}, JS {a.end('js'):.2f}, moved {a.moved[-1]:.3g}"


def collapse(t: list[Trace]) -> tuple[bool, str]:
    """The coverage alarm is up at the end (coverage < 0.5) and the fakes sit on at most 3 blobs."""
    a = t[0]
    ok = "collapse" in a.alarms and a.modes[-1] <= 3
    return ok, f"coverage {a.coverage[-1]:.2f}, modes {a.modes[-1]}"


def closer(gap: float = 0.05) -> Callable[[list[Trace]], tuple[bool, str]]:
    """A ends closer to the data than B: JS(A) < JS(B) − gap."""

    def judge(t: list[Trace]) -> tuple[bool, str]:
        a, b = t
        ok = a.end("js") < b.end("js") - gap
        dgz = float(np.mean(b.series("d_fake", 500)))
        return ok, (f"JS {a.end('js'):.2f} vs {b.end('js'):.2f}, modes {a.modes[-1]} vs {b.modes[-1]}, "
                    f"B's D(G(z)) {dgz:.3f}")

    judge.__doc__ = f"JS(A) < JS(B) − {gap} bits at the end (mean of the last {END} steps)"
    return judge


def noisier(t: list[Trace]) -> tuple[bool, str]:
    """B's D loss jumps from step to step more than twice as much as A's (last 500 steps)."""
    a, b = t
    ja, jb = _swing(a), _swing(b)
    return jb > 2 * ja, f"jump {ja:.3f} vs {jb:.3f}, JS {a.end('js'):.2f} vs {b.end('js'):.2f}"


CRITERIA: dict[str, Callable[[list[Trace]], tuple[bool, str]]] = {
    "Healthy: ring of 8 Gaussians": healthy,
    "Broken: discriminator far too strong": d_too_strong,
    "Broken: learning rate too high": lr_too_high,
    "Broken: mode collapse on the ring": collapse,
    "Compare: minimax vs non-saturating loss": closer(),
    "Compare: k = 1 vs k = 5 (D steps per G step)": closer(0.1),
    "Compare: D learning rate 0.001 vs 0.01": closer(),
    "Compare: batch 256 vs 16": noisier,
}


# -- events: the step at which each lesson's note shows (for pacing) ----------------------------------

def _first(steps: list[int], flags: list[bool], stays: bool = False) -> int | None:
    """The first step whose flag is set (``stays``: and every later one too), else None."""
    for i, (st, f) in enumerate(zip(steps, flags)):
        if f and (not stays or all(flags[i:])):
            return st
    return None


def event(name: str, t: list[Trace]) -> int | None:
    """The step at which the lesson's event shows on screen (None: it did not)."""
    a = t[0]
    if name.startswith("Healthy"):
        return _first(a.steps, [m == 8 for m in a.modes])
    if "too strong" in name:
        return _first(a.steps, [1 <= m <= 4 for m in a.modes], stays=True)  # on a few blobs, for good
    if "too high" in name:
        peak = np.maximum(np.abs(a.series("d_loss")), np.abs(a.series("g_loss")))
        return next((i + 1 for i, v in enumerate(peak) if not v < HUGE), None)
    if "collapse" in name:
        return _first(a.steps, [st >= diagnostics.COLLAPSE_AFTER and c < 0.5 for st, c in zip(a.steps, a.coverage)])
    if "batch" in name:
        return 100  # the noisier curves show as soon as there are a hundred points to draw
    b = t[1]
    js_a, js_b = np.convolve(a.js, np.ones(4) / 4, "valid"), np.convolve(b.js, np.ones(4) / 4, "valid")
    gap = 0.1 if "k = 1" in name else 0.05
    return _first(a.steps[3:], list(js_a < js_b - gap), stays=True)


SPEEDS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 75, 100, 125, 150, 200, 250, 300, 400, 500)


def propose_speed(steps: list[int | None], lo: float = 10, hi: float = 25) -> tuple[int, str]:
    """The speed (steps/s) from SPEEDS that puts the most seeds' event between ``lo`` and ``hi`` seconds
    after Start (ties: the median nearest the middle), and the seconds it gives per seed."""
    seen = [e for e in steps if e is not None]
    if not seen:
        return 0, "no event"
    mid = (lo + hi) / 2
    best = max(SPEEDS, key=lambda v: (sum(lo <= e / v <= hi for e in seen), -abs(np.median(seen) / v - mid)))
    return best, ", ".join(f"{e / best:.0f}" for e in seen)


# -- the table -----------------------------------------------------------------------------------------

def lessons(only: str = "") -> list[str]:
    """The lessons judged here: the 2D presets with a criterion, filtered by ``only`` (a substring)."""
    return [n for n in PRESETS if n in CRITERIA and only.lower() in n.lower()]


def judge(name: str, seeds: list[int], events: bool, changes: dict[str, str] | None = None) -> dict:
    """Train the preset (with ``changes``) once per seed; held / numbers / event step / seconds per seed."""
    out: dict = {"held": [], "numbers": [], "events": [], "seconds": []}
    for seed in seeds:
        t0 = time.perf_counter()
        traces = train(TrainConfig(**{**PRESETS[name].settings, **(changes or {}), "seed": seed}))
        held, numbers = CRITERIA[name](traces)
        out["held"].append(held)
        out["numbers"].append(f"{seed}: {'✓' if held else '✗'} {numbers}")
        out["events"].append(event(name, traces) if events else None)
        out["seconds"].append(time.perf_counter() - t0)
    return out


def row(name: str, r: dict, seeds: list[int], markdown: bool) -> str:
    """One lesson's result: criterion, held in N of len(seeds), per-seed numbers (and event steps)."""
    held = f"{sum(r['held'])} of {len(seeds)}"
    crit = (CRITERIA[name].__doc__ or "").strip().replace("\n", " ")
    ev = ", ".join("–" if e is None else str(e) for e in r["events"]) if any(r["events"]) else ""
    speed, seconds = propose_speed(r["events"]) if ev else (0, "")
    if markdown:
        pace = f"{ev} → speed={speed}: {seconds} s" if ev else ""
        return f"| {name} | {crit} | {held} | {'; '.join(r['numbers'])} | {pace} |"
    lines = [f"\n{name}", f"  criterion: {crit}", f"  held in {held} seeds ({sum(r['seconds']):.0f} s)"]
    lines += [f"    {line}" for line in r["numbers"]]
    if ev:
        lines.append(f"  event step per seed: {ev}; speed={speed} steps/s puts it at {seconds} s")
    return "\n".join(lines)


def main() -> None:
    """Parse the options, judge the lessons, print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", default="0,1,2,3,4,5", help="comma-separated seeds (default 0-5)")
    p.add_argument("--only", default="", help="judge only presets whose name contains this text")
    p.add_argument("--events", action="store_true", help="also the step of each lesson's event (ring: all "
                   "8 blobs covered), for pacing")
    p.add_argument("--markdown", action="store_true", help="print a markdown table")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="change a setting of every judged preset (try a redesign), e.g. --set lr_d=0.005")
    p.add_argument("--check", action="store_true", help="first check that train() matches compare.lockstep "
                   "and that one seed twice gives the same numbers")
    args = p.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.check:
        check(lessons(args.only)[0], seeds[0])
    changes = dict(kv.split("=", 1) for kv in args.set)
    changes = {k: TrainConfig.from_dict({k: v}).to_dict()[k] if k not in ("compare", "compare_value", "loss")
               else v for k, v in changes.items()}
    if args.markdown:
        print("| preset | criterion | held | per seed | event step per seed → proposed speed (steps/s): "
              "seconds after Start |\n|---|---|---|---|---|")
    for name in lessons(args.only):
        print(row(name, judge(name, seeds, args.events, changes), seeds, args.markdown), flush=True)


def check(name: str, seed: int) -> None:
    """Print how far train() is from the app's lockstep, and whether a seed repeats its numbers."""
    config = TrainConfig(**{**PRESETS[name].settings, "seed": seed, "steps": 500})
    print(f"{name}, seed {seed}, 500 steps: train() vs lockstep: largest difference of a fake "
          f"{check_lockstep(config):.2e}")
    first, again = train(config), train(config)
    same = all(x.js == y.js and x.modes == y.modes for x, y in zip(first, again))
    print(f"the same seed twice: {'the same numbers' if same else 'DIFFERENT numbers'} (JS {first[0].js[-1]:.4f} "
          f"vs {again[0].js[-1]:.4f})")


if __name__ == "__main__":
    main()
