"""A training step in slow motion (GAN Lab's step-by-step mode): exactly one train step of the run's
own algorithm, k D updates then one G update, and what each phase changed.

It is the normal step, not a copy: ``TrainingRun.step_in_phases`` runs the same compiled phases a
train step is made of (ganlab/train/steps.py) and stops between them to let this module look, so the
weights, the random numbers and the history record are those of ``session.step("train")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ganlab.train.layers_2d import EXTENT, GRID, heatmap, heatmap_kind
from ganlab.train.run import StepMetrics, TrainingRun


@dataclass(frozen=True)
class DUpdate:
    """One D update: its batch, D on the view's grid before → after (2D data), its loss."""

    index: int  # 0 .. k - 1; the last one shares G's fakes
    real: np.ndarray  # (B, ...) the real batch
    fake: np.ndarray  # (B, ...) the fakes G made for it
    heatmap_before: np.ndarray | None  # (grid, grid), as views.heatmap (None for images)
    heatmap_after: np.ndarray | None
    loss: float
    d_real: float  # mean D(x) on this batch (probability, or raw for LS / Wasserstein)
    d_fake: float


@dataclass(frozen=True)
class GUpdate:
    """G's update: its fakes before → after (the same latent), the push that moved them, its loss."""

    fakes_before: np.ndarray  # (B, ...) G(z) before the update (what the last D update saw)
    fakes_after: np.ndarray  # (B, ...) G(z) after it
    arrows: np.ndarray  # −∂ℓ_G/∂x on each fake through the updated D (one fake's loss term, as views.arrows)
    loss: float


@dataclass(frozen=True)
class SlowStep:
    """The phases of one train step: (a) the batch, (b) each D update, (c) G's update."""

    step: int  # the step it made (its record is record)
    loss: str
    d_updates: tuple[DUpdate, ...]
    g_update: GUpdate
    record: StepMetrics
    extent: list[float] | None  # [x0, x1, y0, y1] of the heatmaps (2D data)
    heatmap_kind: str | None

    @property
    def k(self) -> int:
        """D updates in the step."""
        return len(self.d_updates)

    def phases(self) -> list[dict[str, Any]]:
        """The phases in order, JSON-ready (plain lists and floats), for the UI to draw one by one."""
        lists = lambda a: None if a is None else np.asarray(a, np.float32).tolist()
        out: list[dict[str, Any]] = [{"phase": "batch", "real": [lists(u.real) for u in self.d_updates],
                                      "fakes": [lists(u.fake) for u in self.d_updates]}]
        out += [{"phase": "d_update", "index": u.index, "heatmap_before": lists(u.heatmap_before),
                 "heatmap_after": lists(u.heatmap_after), "d_loss": u.loss, "d_real": u.d_real,
                 "d_fake": u.d_fake} for u in self.d_updates]
        g = self.g_update
        out.append({"phase": "g_update", "fakes_before": lists(g.fakes_before), "fakes_after": lists(g.fakes_after),
                    "arrows": lists(g.arrows), "g_loss": g.loss})
        return out


def slow_step(run: TrainingRun, grid: int = GRID, extent: float = EXTENT) -> SlowStep:
    """Run one train step of ``session`` phase by phase and return what each phase changed.

    The same step as ``session.step("train")`` from the same state: same weights, same step count, same
    history record. Raises TrainingStopped (with a sentence for the student) on a stopped or reset run.
    """
    points_2d = not run.spec.is_image and run.spec.data_shape == (2,)
    surface = (lambda: heatmap(run, grid, extent)) if points_2d else (lambda: None)
    seen: dict[str, Any] = {"d": [], "before": None}

    def observe(phase: str, i: int, out: dict) -> None:
        if phase == "start":
            seen["before"] = surface()
            return
        after = surface()
        seen["d"].append(DUpdate(i, out["real"], out["fake"], seen["before"], after, float(out["d_loss"]),
                                 float(out["d_real"]), float(out["d_fake"])))
        seen["before"] = after
        if phase == "g":
            fakes_after = np.asarray(run.fns.generate(out["latent"]), np.float32)
            push = -np.asarray(out["grad"], np.float32) * len(out["fake"])  # one fake's term of the mean loss
            seen["g"] = GUpdate(out["fake"], fakes_after, push, float(out["g_loss"]))

    record = run.step_in_phases(observe)
    return SlowStep(record.step, run.gan.loss.name, tuple(seen["d"]), seen["g"], record,
                    [-extent, extent, -extent, extent] if points_2d else None,
                    heatmap_kind(run) if points_2d else None)
