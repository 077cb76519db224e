"""What a run records: one StepMetrics per step, the settings changed while it trained, the rows of
history.csv, the learning-rate schedule (kept with the optimizers in a checkpoint) and the optimizers
(Adam or SGD) made from it."""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import keras

from ganlab.config import TrainConfig, settings


@dataclass(frozen=True)
class SettingChange:
    """A setting changed while the run trained: from the step after ``step`` on, ``name`` is ``new``."""

    step: int
    name: str  # lr_g, lr_d, k or loss
    old: float | int | str
    new: float | int | str


@dataclass
class StepMetrics:
    """One record per generator step (or per single D-only / G-only step)."""

    step: int
    d_loss: float
    g_loss: float
    d_real: float  # mean D(x): probability for minimax/NS/hinge, raw output for LS/Wasserstein
    d_fake: float  # mean D(G(z)), same convention
    time: float  # seconds since the session started training
    steps_per_sec: float  # smoothed over the last 20 steps
    kind: str = "train"  # "train", "d" (D-only) or "g" (G-only)
    extras: dict[str, float] = field(default_factory=dict)  # gp, mi, l1, ...

    def as_dict(self) -> dict[str, Any]:
        """Flat dict (extras inlined) for CSV and JSON."""
        d = asdict(self)
        d.update(d.pop("extras"))
        return d

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> StepMetrics:
        """Inverse of :meth:`as_dict`: the named fields, and every other column as an extra (the
        settings columns of a run changed while it trained are settings, not measures: left out)."""
        named = {f.name for f in fields(cls)} - {"extras"}
        return cls(**{k: row[k] for k in named if k in row},
                   extras={k: v for k, v in row.items() if k not in named and k not in LIVE_SETTINGS})


LIVE_SETTINGS = tuple(s.name for s in settings() if s.live)  # lr_g, lr_d, k, loss: may change while it trains


CORE_FIELDS = ("d_loss", "g_loss", "d_real", "d_fake")


class StepClock:
    """A run's training time (pauses not counted, a paced run's waits counted) and its recent steps/s."""

    def __init__(self, elapsed: float = 0.0) -> None:
        self.elapsed = elapsed
        self._recent: deque[tuple[float, int]] = deque(maxlen=21)  # (time, step) of the last steps

    def tick(self, step: int, seconds: float) -> float:
        """Step ``step`` took ``seconds``: the steps/s over the last few steps."""
        self.elapsed += seconds
        self._recent.append((self.elapsed, step))
        (t_a, n_a), (t_b, n_b) = self._recent[0], self._recent[-1]
        return (n_b - n_a) / (t_b - t_a) if t_b > t_a else 1.0 / max(self.elapsed, 1e-9)
@keras.saving.register_keras_serializable(package="ganlab")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """A learning rate constant until update ``start``, then falling linearly to 0 at update ``end``."""

    def __init__(self, rate: float, start: int, end: int):
        self.rate, self.start, self.end = float(rate), int(start), int(end)

    def __call__(self, step: Any) -> Any:
        """The rate at optimizer update ``step`` (its ``iterations``, restored on resume)."""
        left = (self.end - keras.ops.cast(step, "float32")) / max(self.end - self.start, 1)
        return self.rate * keras.ops.clip(left, 0.0, 1.0)

    def get_config(self) -> dict[str, Any]:
        """Keras serialization."""
        return {"rate": self.rate, "start": self.start, "end": self.end}


def learning_rate(rate: float, config: TrainConfig, updates_per_step: int = 1) -> float | LinearDecay:
    """The optimizer's learning rate: constant, or ``LinearDecay`` from ``config.lr_decay_start`` to
    ``config.steps`` (D makes ``k`` updates per step, so its schedule counts k times as many)."""
    if config.lr_decay_start is None:
        return rate
    return LinearDecay(rate, config.lr_decay_start * updates_per_step, config.steps * updates_per_step)


def make_optimizer(config: TrainConfig, rate: float, updates_per_step: int = 1) -> keras.Optimizer:
    """G's or D's optimizer as ``config.optimizer`` asks: Adam (with the config's betas) or plain SGD (no
    momentum: each update is −rate × gradient), at ``learning_rate(rate, config, updates_per_step)``."""
    schedule = learning_rate(rate, config, updates_per_step)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(schedule)
    return keras.optimizers.Adam(schedule, beta_1=config.beta1, beta_2=config.beta2)


def history_rows(history: list[StepMetrics], changes: list[SettingChange], config: Any) -> list[dict[str, Any]]:
    """The per-step records as rows for history.csv; when settings changed while the run trained
    (``changes``; ``config`` holds the settings now), each row also says the settings in force at
    that step (lr_g, lr_d, k, loss)."""
    rows = [r.as_dict() for r in history]
    if not changes:
        return rows
    first = {n: next((c.old for c in changes if c.name == n), getattr(config, n)) for n in LIVE_SETTINGS}
    current, pending = dict(first), sorted(changes, key=lambda c: c.step)
    for row in rows:
        while pending and pending[0].step < row["step"]:
            change = pending.pop(0)
            current[change.name] = change.new
        row.update(current)
    return rows
