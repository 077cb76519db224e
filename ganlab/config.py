"""Training configuration: one home for every default, validated in one place with messages a student
understands. ``TrainConfig`` holds what the user chose (``None`` = "the model's default"); a model class
declares its own defaults once (``GAN.defaults``) and :meth:`TrainConfig.resolve` fills them in once.

Each field of ``TrainConfig`` is declared once, with its label, help, range, CLI flag and where it
appears (:func:`setting`); :func:`settings` reads them back as :class:`Setting` records, from which the
CLI's argparse flags, the Train tab's form (and so the API's parameters) and the presets are made.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from functools import cache
from typing import Any

PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
OPTIMIZERS = ("adam", "sgd")  # GAN Lab's two; sgd is plain gradient descent (no momentum)
MAX_SEED = 2**31 - 1
TENSORBOARD_IMAGE_EVERY = 100  # steps between sample grids in TensorBoard logs (train --tensorboard-images)
_LR_RANGE = "Learning rate {name} must be > 0 and at most 1 (typical: 0.0001-0.001); got {value:g}."


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
class Setting:
    """One training setting as every front end sees it: the CLI flag, the form's box, the API parameter."""

    name: str
    type: type  # int, float, str, bool or dict (the value's type when it is not None)
    default: Any  # None: the model's default (when model_default) or "not set"
    label: str  # the Train tab's label
    help: str  # one sentence: the CLI's --help, the form's tooltip
    lo: float = -math.inf  # numbers: the allowed range
    hi: float = math.inf
    lo_open: bool = False  # the range excludes lo (learning rates: > 0)
    hi_open: bool = False  # the range excludes hi (Adam betas: < 1)
    range_message: str = ""  # out of range: this message ({name}, {value}) instead of the plain one
    choices: tuple[str, ...] = ()  # a closed list of values, checked here ('' = checked where it is used)
    flag: str = ""  # the CLI flag
    aliases: tuple[str, ...] = ()  # more CLI flags for the same setting
    metavar: str | None = None
    form: bool = False  # a box of the Train tab's form, so a parameter of /start, /step, /preset ...
    live: bool = False  # may change while a run trains
    compare: bool = False  # offered by "Compare with ..." (two runs differing in this setting)
    model_default: bool = False  # None means "the model's default" (GAN.defaults gives one)

    def check(self, value: Any) -> Any:
        """``value`` validated for this setting (numbers coerced to int / float); ConfigError if not."""
        if value is None:
            return None
        if self.type is int:
            return check_number(self.name, value, self.lo, self.hi, whole=True)
        if self.type is float:
            v = check_number(self.name, value)
            low = v <= self.lo if self.lo_open else v < self.lo
            high = v >= self.hi if self.hi_open else v > self.hi
            if low or high:
                if self.range_message:
                    raise ConfigError(self.range_message.format(name=self.name, value=v))
                check_number(self.name, v, self.lo, self.hi)
            return v
        if self.choices and value not in self.choices:
            raise ConfigError(f"{self.name} must be one of {', '.join(self.choices)}; got {value!r}.")
        return value


def setting(default: Any, label: str, help: str, **meta: Any) -> Any:
    """A TrainConfig field declared with its Setting metadata (label, help, range, flag, ...)."""
    meta = {"label": label, "help": help, **meta}
    if isinstance(default, dict):
        return field(default_factory=dict, metadata={"setting": meta})
    return field(default=default, metadata={"setting": meta})


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run. ``None`` means "the model's default".

    The form's fields come first, in the order of the Train tab's boxes and the API's parameters."""

    model: str = setting("dcgan", "Model", "vanilla, dcgan, cgan, wgan_gp, infogan, pix2pix, srgan, sgan, "
                         "text2img", form=True)
    dataset: str = setting("mnist", "Dataset", "ring, grid, moons, spiral, circle, mnist, fashion, openmoji, a "
                           "folder (A|B pairs for pix2pix; DIR:BtoA makes the right half the input), or a .csv "
                           "of points", form=True)
    loss: str | None = setting(None, "Loss", "minimax, non_saturating, least_squares, hinge, wasserstein "
                               "(default: the model's)", form=True, live=True, compare=True,
                               model_default=True)
    lr_g: float | None = setting(None, "G learning rate", "generator learning rate (default: the model's)",
                                 lo=0, hi=1, lo_open=True, range_message=_LR_RANGE, form=True, live=True,
                                 compare=True, model_default=True)
    lr_d: float | None = setting(None, "D learning rate", "discriminator learning rate (default: the model's)",
                                 lo=0, hi=1, lo_open=True, range_message=_LR_RANGE, form=True, live=True,
                                 compare=True, model_default=True)
    k: int | None = setting(None, "k: D steps per G step", "discriminator steps per generator step "
                            "(default: the model's)", lo=1, hi=50, aliases=("--d-steps",), form=True, live=True,
                            compare=True, model_default=True)
    batch_size: int | None = setting(None, "Batch size", "examples per step (default: the model's)", lo=1,
                                     hi=4096, form=True, compare=True, model_default=True)
    latent_dim: int | None = setting(None, "Latent size", "entries of the noise vector z (default: the model's)",
                                     lo=1, hi=1024, form=True, compare=True, model_default=True)
    seed: int = setting(0, "Seed", "random seed: the same seed gives the same run", lo=0, hi=MAX_SEED, form=True)
    steps: int = setting(2000, "Stop after (steps)", "generator steps", lo=0, hi=10_000_000, form=True)
    compare: str = setting("", "Compare with… (run B differs in)", "train a second run B beside this one, from the "
                           "same seed and batches, that differs only in this setting (blank: one run)", form=True)
    compare_value: str = setting("", "B's value", "run B's value of the compared setting", form=True)
    speed: float = setting(0.0, "Pace (steps per second)", "in the app, at most this many steps per second so a "
                           "class can watch it happen (0: as fast as the machine goes; the command line and "
                           "benchmarks always train at full speed)", lo=0, hi=100_000, form=True)
    optimizer: str = setting("adam", "Optimizer", "adam: each step divided by the size of recent gradients (so a "
                             "small gradient still makes a full-size step); sgd: plain gradient descent, a step is "
                             "the learning rate times the gradient (no momentum)", choices=OPTIMIZERS, form=True)
    beta1: float | None = setting(None, "Adam beta1", "Adam's beta1 (default: the model's)", lo=0, hi=1,
                                  hi_open=True, range_message="Adam {name} must be in [0, 1); got {value:g}.",
                                  model_default=True)
    beta2: float | None = setting(None, "Adam beta2", "Adam's beta2 (default: the model's)", lo=0, hi=1,
                                  hi_open=True, range_message="Adam {name} must be in [0, 1); got {value:g}.",
                                  model_default=True)
    precision: str = setting("auto", "Precision", "float32, or mixed precision where the device has it "
                             "(auto: bfloat16 on CPUs with AMX / AVX-512 bf16, float16 on GPUs)", choices=PRECISIONS)
    xla: bool = setting(False, "XLA", "XLA-compile the step (TF backend; measured ~2x slower on a 2-core CPU)")
    data_dir: str | None = setting(None, "Data folder", "folder with mnist/, openmoji/ ... (default "
                                   "$GANLAB_DATA_DIR)")
    image_size: int = setting(28, "Image size", "for image folders", lo=8, hi=256)
    limit: int | None = setting(None, "Limit", "use only the first N examples (tests, quick demos)", lo=1)
    lr_decay_start: int | None = setting(None, "Decay from step", "from this step both learning rates fall "
                                         "linearly to 0 at the last step (default: constant)", lo=0,
                                         metavar="STEP")
    options: dict[str, Any] = setting(  # noqa: RUF009 (setting() returns a dataclasses.field)
        {}, "Model options", "model option, e.g. width=0.5 or gp_weight=10", flag="--option", metavar="KEY=VALUE")

    def __post_init__(self) -> None:
        for s in settings(type(self)):
            object.__setattr__(self, s.name, s.check(getattr(self, s.name)))
        if self.lr_decay_start is not None:
            start = check_number("lr_decay_start", self.lr_decay_start, 0, max(self.steps - 1, 0), whole=True)
            object.__setattr__(self, "lr_decay_start", start)
        self._check_comparison()

    def _check_comparison(self) -> None:
        """``compare`` names a comparable setting and ``compare_value`` is a valid value of it."""
        name, value = (self.compare or "").strip(), self.compare_value
        object.__setattr__(self, "compare", name)
        if not name:
            object.__setattr__(self, "compare_value", "")
            return
        table = {s.name: s for s in settings(type(self)) if s.compare}
        if name not in table:
            raise ConfigError(f"compare must be one of {', '.join(table)} (or blank for one run); got {name!r}.")
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ConfigError(f"Give run B's value of {name} (compare_value), e.g. {_example(table[name])}.")
        checked = table[name].check(_parse(table[name], value))
        object.__setattr__(self, "compare_value", str(_fmt(checked) if isinstance(checked, float) else checked))

    def comparison(self) -> tuple[str, Any] | None:
        """(setting, run B's value) when this config asks for two runs, else None."""
        if not self.compare:
            return None
        s = next(s for s in settings(type(self)) if s.name == self.compare)
        return self.compare, s.check(_parse(s, self.compare_value))

    def run_configs(self) -> tuple[TrainConfig, TrainConfig | None]:
        """The config of run A (this one, no comparison) and of run B (A with B's value), or None."""
        a = replace(self, compare="", compare_value="")
        asked = self.comparison()
        return a, (replace(a, **{asked[0]: asked[1]}) if asked else None)

    def resolve(self, model_defaults: Mapping[str, Any], **fixed: Any) -> TrainConfig:
        """The config with every "model's default" (None) filled from ``model_defaults``, then ``fixed``
        applied (derived values such as the precision chosen for the device); validated once."""
        names = [s.name for s in settings(type(self)) if s.model_default]
        missing = [k for k in names if k not in model_defaults]
        if missing:
            raise KeyError(f"model defaults lack {missing}")
        filled = {k: model_defaults[k] for k in names if getattr(self, k) is None}
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


def _parse(s: Setting, value: Any) -> Any:
    """A value typed as text (a form box, a link) as the setting's type, for ``Setting.check``."""
    if isinstance(value, str) and s.type in (int, float):
        try:
            return float(value.strip())
        except ValueError:
            raise ConfigError(f"{s.name} must be a number; got {value!r}.") from None
    return value.strip() if isinstance(value, str) else value


def _example(s: Setting) -> str:
    """A typical value of a comparable setting, for a message."""
    return {int: "5", float: "0.001"}.get(s.type, "minimax")


def _value_type(hint: Any) -> type:
    """int for ``int | None``, dict for ``dict[str, Any]``: the type a setting's value has when set."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and args:
        hint = args[0]
    return typing.get_origin(hint) or hint


@cache
def settings(cls: type[TrainConfig] = TrainConfig) -> tuple[Setting, ...]:
    """Every setting of ``cls`` (TrainConfig or a subclass) in declaration order, from its fields."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in fields(cls):
        meta = dict(f.metadata.get("setting", {}))
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        meta.setdefault("flag", "--" + f.name.replace("_", "-"))
        out.append(Setting(name=f.name, type=_value_type(hints[f.name]), default=default, **meta))
    return tuple(out)


def form_settings(cls: type[TrainConfig] = TrainConfig) -> tuple[Setting, ...]:
    """The settings that are boxes of the Train tab's form, in the form's (and the API's) order."""
    return tuple(s for s in settings(cls) if s.form)
