"""Two runs side by side: trained in lockstep (alternating fused calls of equal length, so both are
always at the same step) and read against each other from their measured numbers.

A comparison is two TrainingRuns built from the same seed (so the same first weights when the
networks have the same shape, and the same data batches when the batch size and k are equal); a fork
is a TrainingRun.fork of a running one. Nothing here knows about user interfaces.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ganlab.train.run import StepMetrics, TrainingRun, TrainingStopped

WINDOW = 200  # recent steps a reading looks at


PACE_CALL_S = 0.1  # a paced run takes its steps in calls about this far apart, so the view moves smoothly


def lockstep(runs: Sequence[TrainingRun] | Callable[[], Sequence[TrainingRun]],
             paced: bool = False) -> Iterator[StepMetrics]:
    """Train the sessions in turn, the same number of steps per fused call, until each reaches its
    config.steps, stops or diverges; yields every record (A's first in each round). ``sessions`` may
    be a function, read again before every round: a fork joins at the next call. Pause / resume /
    stop every session to pause / resume / stop them all; one that diverges leaves the others
    training on. One session trains exactly as its run() does (the same steps, the same records).
    ``paced`` (the app): at most A's ``config.speed`` steps per second, in calls of ~PACE_CALL_S."""
    members = runs if callable(runs) else lambda: runs
    for s in members():
        s.status = "running" if not s.pause_requested else "paused"
    last: float | None = None  # when the last paced call began
    while True:
        every = list(members())
        alive = [s for s in every if not s.stopped and s.step_count < s.config.steps]
        if not alive:
            break
        if any(s.pause_requested for s in alive):
            for s in alive:
                s.status = "paused"
            alive[0].wait_resume(0.2)
            continue
        n = min(*(s.chunk for s in alive), *(s.config.steps - s.step_count for s in alive))
        speed = alive[0].config.speed if paced else 0.0
        if speed > 0:
            n = min(n, max(1, round(speed * PACE_CALL_S)))
            due = n / speed - (time.perf_counter() - last) if last is not None else 0.0
            waited = alive[0].hold(max(due, 0.0))
            for s in alive[1:]:
                s.hold(0.0, shared=waited)  # B shares A's wait: both show the pace
        last = time.perf_counter()
        for s in alive:
            s.status = "running"
            try:
                yield from s.advance(n)
            except TrainingStopped:
                continue
    for s in members():
        if not s.stopped:
            s.status = "finished" if s.step_count >= s.config.steps else "paused"


@dataclass(frozen=True)
class Side:
    """What a reading needs of one run: its label, history and (2D runs) its divergence from the data."""

    label: str
    history: list[StepMetrics]
    status: str = "running"
    js: float | None = None  # bits: 0 = the fakes match the data, 1 = apart
    coverage: float | None = None  # share of the data's modes the fakes reach


def _recent(history: list[StepMetrics], field: str) -> np.ndarray:
    values = np.array([getattr(r, field) for r in history[-WINDOW:] if r.kind == "train"], dtype=float)
    return values[np.isfinite(values)]


def reading(a: Side, b: Side, setting: str) -> str:
    """A few sentences comparing two runs that differ in ``setting``, from their measured numbers:
    which one ended, whose G loss went flat while D wins, whose losses swing, whose fakes are closer."""
    if len(a.history) < 20 or len(b.history) < 20:
        return f"Run A and run B differ only in **{setting}**: train a few dozen steps to compare them."
    said = []
    for side in (a, b):
        if side.status == "diverged":
            said.append(f"**{side.label} diverged** at step {side.history[-1].step}: its numbers blew up.")
    flat = _flat_g(a, b) or _flat_g(b, a)
    if flat:
        said.append(flat)
    swing = _swings(a, b) or _swings(b, a)
    if swing:
        said.append(swing)
    closer = _closer(a, b)
    if closer:
        said.append(closer)
    if not said:
        ga, gb = float(np.mean(_recent(a.history, "g_loss"))), float(np.mean(_recent(b.history, "g_loss")))
        fa, fb = float(np.mean(_recent(a.history, "d_fake"))), float(np.mean(_recent(b.history, "d_fake")))
        said.append(f"So far they behave alike: G loss {ga:.2f} vs {gb:.2f}, D(G(z)) {fa:.2f} vs {fb:.2f} "
                    f"(means over the last {min(WINDOW, len(a.history))} steps).")
    return " ".join(said)


def _flat_g(x: Side, y: Side) -> str:
    """x's G loss barely moves while D rejects its fakes, and y's does not: G gets little gradient."""
    gx, gy = _recent(x.history, "g_loss"), _recent(y.history, "g_loss")
    fx = _recent(x.history, "d_fake")
    if not len(gx) or not len(gy) or not len(fx):
        return ""
    sx, sy, fake = float(np.std(gx)), float(np.std(gy)), float(np.mean(fx))
    if fake < 0.15 and sx < 0.5 * sy:
        return (f"**{x.label}'s G loss has flattened** (it moves by {sx:.3f} over the last {len(gx)} steps, "
                f"{y.label}'s by {sy:.3f}) while D calls its fakes fake (D(G(z)) = {fake:.2f}): G gets almost no "
                "gradient once D wins — with the minimax loss log(1 − D(G(z))) is flat there.")
    return ""


def _swings(x: Side, y: Side) -> str:
    """x's losses jump far more from step to step than y's (too large steps)."""
    dx = np.abs(np.diff(_recent(x.history, "d_loss")))
    dy = np.abs(np.diff(_recent(y.history, "d_loss")))
    if len(dx) < 10 or len(dy) < 10:
        return ""
    jx, jy = float(np.median(dx)), float(np.median(dy))
    if jx > 3 * max(jy, 1e-4):
        return (f"**{x.label}'s losses swing {jx / max(jy, 1e-4):.0f}× more** from step to step (median jump of D's "
                f"loss {jx:.3f} vs {jy:.3f}): its updates overshoot instead of settling.")
    return ""


def _closer(a: Side, b: Side) -> str:
    """Whose fakes are closer to the data (2D runs: JS divergence and coverage), when clearly so."""
    if a.js is None or b.js is None:
        return ""
    if abs(a.js - b.js) < 0.05:
        return f"Their fakes are about as close to the data (JS {a.js:.2f} vs {b.js:.2f} bits)."
    near, far = (a, b) if a.js < b.js else (b, a)
    cover = ""
    if near.coverage is not None and far.coverage is not None:
        cover = f", covering {100 * near.coverage:.0f}% of the modes vs {100 * far.coverage:.0f}%"
    return f"**{near.label}'s fakes are closer to the data**: JS {near.js:.2f} vs {far.js:.2f} bits{cover}."
