"""Watching a live run for mode collapse: one computation for the Train tab and ``/metrics``.

2D data: the share of the real data's regions that G's points reach (coverage), and KL / JS between
real and generated points on a grid (GAN Lab's divergence reading, in bits). Image data with
a classifier: the share of G's samples read as each class, and for conditional models the share
read as the class that was asked for. Models that carry their own classifier (SGAN) add its
held-out numbers (test accuracy beside the labels-only baseline's), kept per reading.
``Monitor.alarms`` adds the collapse measures to the loss-based alarms, so every reader of a run
(the live view, a script polling ``/metrics``) sees the same alarms.

No classifier is imported here: the caller passes its ``predict`` (images -> class indices).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ganlab.train import diagnostics
from ganlab.train.layers_2d import EXTENT, REAL_POINTS, real_points  # noqa: F401  (the 2D view's, named here too)
from ganlab.train.run import TrainingRun


@dataclass(frozen=True)
class Quality:
    """The latest collapse measures of a run (None where they do not apply)."""

    coverage: float | None = None  # 2D data: share of real-data regions that fakes reach
    on_data: float | None = None  # 2D data: share of fakes that land in those regions
    kl: float | None = None  # 2D data: KL(real ‖ fake) on a grid, in bits (diagnostics.divergence_2d)
    js: float | None = None  # 2D data: Jensen-Shannon divergence on a grid, in bits (0 = same, 1 = apart)
    off_map: float | None = None  # 2D data: share of fakes outside the view (flung off the map)
    class_shares: np.ndarray | None = None  # image data: share of samples read as each class
    asked_hit: float | None = None  # conditional models: share read as the class asked for
    reads: int = 0  # how many times the classifier has read samples (a new reading bumps it)
    scores: dict[str, float] | None = None  # the model's own held-out numbers (SGAN: test accuracy)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        shares = None if self.class_shares is None else [float(v) for v in self.class_shares]
        return {"coverage": self.coverage, "on_data": self.on_data, "kl": self.kl, "js": self.js,
                "off_map": self.off_map,
                "class_shares": shares, "asked_hit": self.asked_hit, "scores": self.scores}


class Monitor:
    """Collapse measures of one TrainingRun, kept between calls.

    A measure needs G's samples, a forward pass taken from training, and the classifier's reading
    another. So the measures are renewed at most every ``every_s`` seconds (or when ``force``), and
    between renewals the last ones stand; only the 2D measures (coverage, KL / JS: cheap once the
    samples are there) are renewed at every call that brings samples (the live view draws them
    twice a second anyway).
    """

    def __init__(self, run: TrainingRun, predict: Callable[[np.ndarray], np.ndarray] | None = None,
                 class_names: tuple[str, ...] = (), every_s: float = 2.0, extent: float = EXTENT):
        self.run = run
        self.predict = predict  # images -> class indices (an independent classifier), or None
        self.class_names = tuple(class_names)  # the classifier's classes
        self.every_s = every_s
        self.extent = extent
        self.points_2d = run.spec.data_shape == (2,)
        self.real_points: np.ndarray | None = None
        if self.points_2d:
            self.real_points = real_points(run)
        self.quality = Quality()
        self.score_history: list[tuple[int, dict[str, float]]] = []  # (step, scores) per reading
        self._measured_at = -float("inf")
        self._lock = threading.Lock()  # the live view and /metrics may measure at the same time

    def measure(self, samples: np.ndarray | None = None, force: bool = False) -> Quality:
        """The measures, renewed from G's fixed-latent samples when due (drawn here if not given)."""
        s = self.run
        with self._lock:
            now = time.time()
            due = force or now - self._measured_at > self.every_s
            if self.points_2d and (due or samples is not None):
                self._measured_at = now
                samples = s.samples() if samples is None else samples
                self.quality = replace(self.quality, **diagnostics.quality_2d(self.real_points, samples, self.extent))
            elif not self.points_2d and due and (self.predict is not None or s.gan.class_heads):
                self._measured_at = now
                shares = hit = None
                if self.predict is not None:
                    samples = s.samples() if samples is None else samples
                    pred = np.asarray(self.predict(samples))
                    shares = np.bincount(pred, minlength=len(self.class_names)) / len(pred)
                    if s.gan.conditional and "label" in s.fixed_latent:
                        hit = float((pred == s.fixed_latent["label"]).mean())
                step = s.step_count
                scores = s.gan.held_out_scores(s.dataset) or None  # SGAN: its classifier on test images
                if scores is not None and (not self.score_history or self.score_history[-1][0] != step):
                    self.score_history.append((step, scores))
                self.quality = Quality(class_shares=shares, asked_hit=hit, reads=self.quality.reads + 1,
                                       scores=scores)
            return self.quality

    def alarms(self, history: list, quality: Quality | None = None) -> list[diagnostics.Alarm]:
        """All alarms for this run: the loss-based ones, blow-ups and collapse (coverage, class shares)."""
        s, q = self.run, quality or self.quality
        return diagnostics.alarms(history, s.gan.loss, s.status, s.stop_reason, class_shares=q.class_shares,
                                  coverage=q.coverage, off_map=q.off_map, on_data=q.on_data)

    def reading(self, history: list, quality: Quality | None = None) -> str:
        """The plain-language reading of this run, agreeing with ``alarms`` (same measures, same status)."""
        s = self.run
        return diagnostics.reading(history, s.gan.loss, quality=quality or self.quality, status=s.status,
                                   stop_reason=s.stop_reason)
