"""Training configuration: one home for every default, validated in one place with messages a student
understands. ``TrainConfig`` holds what the user chose (``None`` = "the model's default"); a model class
declares its own defaults once (``GAN.defaults``) and :meth:`TrainConfig.resolve` fills them in once.
The CLI's argparse and the Train tab's form read their defaults from here (:func:`default_of`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from typing import Any

PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
MAX_SEED = 2**31 - 1
TENSORBOARD_IMAGE_EVERY = 100  # steps between sample grids in TensorBoard logs (train --tensorboard-images)
LIMITS = {
    "batch_size": (1, 4096),
    "latent_dim": (1, 1024),
    "k": (1, 50),
    "steps": (0, 10_000_000),
    "image_size": (8, 256),
    "seed": (0, MAX_SEED),
}
# Fields whose ``None`` means "the model's default" (GAN.defaults gives a value for each).
MODEL_DEFAULTS = ("loss", "batch_size", "lr_g", "lr_d", "beta1", "beta2", "k", "latent_dim")


class ConfigError(ValueError):
    """A value a user gave is out of range or of the wrong type; the message names it."""


def _fmt(v: float) -> str:
    """A number as a student would write it (whole numbers without a decimal point)."""
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else f"{v:g}"


def check_number(name: str, value: Any, lo: float = -math.inf, hi: float = math.inf,
                 whole: bool = False) -> float | int:
    """A finite number in [lo, hi] (an int when ``whole``), else a ConfigError naming ``name``."""
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be {kind}; got {value!r}.")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be {kind}; got {value!r}.") from None
    if not math.isfinite(v):
        raise ConfigError(f"{name} must be a finite number; got {value!r}.")
    if whole and v != int(v):
        raise ConfigError(f"{name} must be a whole number; got {value!r}.")
    if not lo <= v <= hi:
        raise ConfigError(f"{name} must be between {_fmt(lo)} and {_fmt(hi)}; got {_fmt(v)}.")
    return int(v) if whole else v


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run. ``None`` means "the model's default"."""

    model: str = "dcgan"
    dataset: str = "mnist"
    loss: str | None = None
    steps: int = 2000
    batch_size: int | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    k: int | None = None  # discriminator steps per generator step
    latent_dim: int | None = None
    seed: int = 0
    precision: str = "auto"
    xla: bool = False  # XLA jit_compile on TF (measured ~2x slower on a 2-core CPU)
    data_dir: str | None = None
    image_size: int = 28
    limit: int | None = None  # use only the first N training examples (tests, quick demos)
    lr_decay_start: int | None = None  # from this step both learning rates fall linearly to 0 at `steps`
    options: dict[str, Any] = field(default_factory=dict)  # model options: width, gp_weight, ...

    def __post_init__(self) -> None:
        for name, (lo, hi) in LIMITS.items():
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_number(name, value, lo, hi, whole=True))
        for name in ("lr_g", "lr_d"):
            value = getattr(self, name)
            if value is not None:
                value = check_number(name, value)
                if not 0 < value <= 1:
                    raise ConfigError(f"Learning rate {name} must be > 0 and at most 1 "
                                      f"(typical: 0.0001-0.001); got {value:g}.")
                object.__setattr__(self, name, value)
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if value is not None:
                value = check_number(name, value)
                if not 0 <= value < 1:
                    raise ConfigError(f"Adam {name} must be in [0, 1); got {value:g}.")
                object.__setattr__(self, name, value)
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}; got {self.precision!r}.")
        if self.limit is not None:
            object.__setattr__(self, "limit", check_number("limit", self.limit, 1, math.inf, whole=True))
        if self.lr_decay_start is not None:
            start = check_number("lr_decay_start", self.lr_decay_start, 0, max(self.steps - 1, 0), whole=True)
            object.__setattr__(self, "lr_decay_start", start)

    def resolve(self, model_defaults: Mapping[str, Any], **fixed: Any) -> TrainConfig:
        """The config with every "model's default" (None) filled from ``model_defaults``, then ``fixed``
        applied (derived values such as the precision chosen for the device); validated once."""
        missing = [k for k in MODEL_DEFAULTS if k not in model_defaults]
        if missing:
            raise KeyError(f"model defaults lack {missing}")
        filled = {k: model_defaults[k] for k in MODEL_DEFAULTS if getattr(self, k) is None}
        return replace(self, **{**filled, **fixed})

    def with_updates(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON cards."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys are ignored (older/newer cards)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def default_of(name: str) -> Any:
    """The default of a TrainConfig field (None for those the model decides): argparse and the form read it."""
    for f in fields(TrainConfig):
        if f.name == name:
            return f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
    raise KeyError(name)
