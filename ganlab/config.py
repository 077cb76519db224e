"""Training configuration, validated in one place with messages a student understands."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
LIMITS = {
    "batch_size": (1, 4096),
    "latent_dim": (1, 1024),
    "k": (1, 50),
    "steps": (0, 10_000_000),
    "image_size": (8, 256),
}


class ConfigError(ValueError):
    """A setting is out of range or of the wrong type; the message names it."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run. ``None`` means "the model's default"."""

    model: str = "dcgan"
    dataset: str = "mnist"
    loss: str | None = None
    steps: int = 2000
    batch_size: int = 64
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
    options: dict[str, Any] = field(default_factory=dict)  # model options: width, gp_weight, ...

    def __post_init__(self) -> None:
        for name, (lo, hi) in LIMITS.items():
            value = getattr(self, name)
            if value is None:
                continue
            value = _as_int(name, value)
            if not lo <= value <= hi:
                raise ConfigError(f"{name} must be between {lo} and {hi}; got {value}.")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "seed", _as_int("seed", self.seed))
        if self.seed < 0:
            raise ConfigError(f"seed must be 0 or positive; got {self.seed}.")
        for name in ("lr_g", "lr_d"):
            value = getattr(self, name)
            if value is not None:
                value = _as_float(name, value)
                if not 0 < value <= 1:
                    raise ConfigError(f"Learning rate {name} must be > 0 and at most 1 "
                                      f"(typical: 0.0001-0.001); got {value:g}.")
                object.__setattr__(self, name, value)
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if value is not None:
                value = _as_float(name, value)
                if not 0 <= value < 1:
                    raise ConfigError(f"Adam {name} must be in [0, 1); got {value:g}.")
                object.__setattr__(self, name, value)
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}; got {self.precision!r}.")
        if self.limit is not None and _as_int("limit", self.limit) < 1:
            raise ConfigError("limit must be at least 1.")

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


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a whole number; got {value!r}.")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number; got {value!r}.") from None
    if not math.isfinite(f) or f != int(f):
        raise ConfigError(f"{name} must be a whole number; got {value!r}.")
    return int(f)


def _as_float(name: str, value: Any) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number; got {value!r}.") from None
    if not math.isfinite(f):
        raise ConfigError(f"{name} must be a finite number; got {value!r}.")
    return f
