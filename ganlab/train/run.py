"""TrainingRun: builds a GAN from a TrainConfig and yields one metrics record per step.

Supports k D steps per G step, separate optimizers, seeds, pause / resume / single step /
D-only / G-only steps and a clean stop, from any thread. Non-finite losses stop the run with
a reason. It knows nothing about user interfaces: the CLI and the app both watch its records.

run() fuses steps: one compiled call trains N steps and returns all N steps' metrics, with N
chosen so that a call takes at most about CALL_S seconds (so pause and the live view stay prompt) and
every step is still one record. Step / D-only / G-only stay single steps. With a GPU the
dataset is copied to it once and batches are gathered there; on a CPU the host gathers each
call's rows (no copy of the whole dataset per session).
"""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import keras
import numpy as np

from ganlab import backend
from ganlab.config import TrainConfig
from ganlab.data import Dataset
from ganlab.data.cache import dataset_for
from ganlab.losses import LossSwitch, get_loss
from ganlab.models import GAN, ModelSpec, get_model_class
from ganlab.train.distributed import DataParallel
from ganlab.train.history import (
    CORE_FIELDS,
    LIVE_SETTINGS,
    LinearDecay,
    SettingChange,
    StepClock,
    StepMetrics,
    learning_rate,
    make_optimizer,
)
from ganlab.train.remote import RemoteState
from ganlab.train.saving import Checkpointed
from ganlab.train.snapshots import Snapshots
from ganlab.train.steps import StepFunctions

__all__ = ["CORE_FIELDS", "LinearDecay", "SettingChange", "StepMetrics", "TrainingDiverged", "TrainingRun",
           "TrainingStopped", "learning_rate"]

# keras.utils.set_random_seed is process-global: hold this while seeding and building.
_BUILD_LOCK = threading.Lock()


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the message explains what to change."""


class TrainingStopped(RuntimeError):
    """The session was stopped (or diverged) and cannot take more steps."""


CALL_S = 0.05  # fused calls of 25-50 ms: pause and the live view stay prompt
MAX_CHUNK = 256  # most steps in one fused call


class TrainingRun(Checkpointed, RemoteState):
    """A GAN, its optimizers, its data and its history; drive it with step() or run()."""

    def __init__(self, config: TrainConfig, dataset: Dataset | None = None,
                 command: str | None = None, data_on_device: bool | None = None,
                 parallel: DataParallel | None = None):
        self.command = command
        self.parallel = parallel  # data-parallel over several devices (ganlab/train/distributed.py)
        cls = get_model_class(config.model)
        loaded = dataset if dataset is not None else dataset_for(config)
        self.loaded = loaded  # the dataset as given (a fork builds its branch from it)
        self.dataset = cls.prepare_data(loaded, config.options)
        is_image = self.dataset.kind == "image"
        # Tiny 2D MLPs gain nothing from bf16 (no faster, less precise): keep float32.
        auto_2d = config.precision == "auto" and not is_image
        precision = "float32" if auto_2d else backend.resolve_precision(config.precision)
        loss = get_loss(config.loss or cls.default_loss).name  # the canonical name, not an alias
        self.config = c = config.resolve(cls.defaults(is_image), model=cls.name, loss=loss, precision=precision,
                                         options=cls.data_options(self.dataset, config.options))
        self.spec = ModelSpec(self.dataset.shape, c.latent_dim, self.dataset.num_classes,
                              precision, dict(c.options))
        with parallel.scope() if parallel else contextlib.nullcontext():  # variables on every device
            with _BUILD_LOCK:
                keras.utils.set_random_seed(c.seed)
                self.gan: GAN = cls(self.spec, c.loss, seed=c.seed)
            self.gan.loss = LossSwitch(cls.losses, c.loss)  # a loss may change while it trains
            self.g_opt = make_optimizer(c, c.lr_g)
            self.d_opt = make_optimizer(c, c.lr_d, c.k)
            self.fns = StepFunctions(self.gan, self.g_opt, self.d_opt, c.xla, MAX_CHUNK)
        self._rows = self.dataset.index_sampler(c.batch_size, c.seed)
        self._place = None  # data-parallel: puts each step's inputs on the devices
        if parallel is not None:  # the same step, run by the backend's engine over the devices, one per call
            self.fns, self._place = parallel.distribute(self.gan, self.g_opt, self.d_opt, self.fns, c.batch_size)
            data_on_device = False
        elif data_on_device is None:
            data_on_device = backend.gather_on_device()
        self._arrays = self.dataset.arrays()  # built once: "y" is a fresh zeros array for unlabelled data
        self._source = None  # the dataset on the device, when batches are gathered there
        if data_on_device:  # one device copy per Dataset, shared by the sessions that train on it
            if backend.BACKEND not in self.dataset.device_copy:
                self.dataset.device_copy[backend.BACKEND] = backend.to_device(self._arrays)
            self._source = self.dataset.device_copy[backend.BACKEND]
        self.chunk = 1  # steps per fused call in run(), adapted to CALL_S
        self._step_s: float | None = None  # smoothed seconds per step of fused calls (compiles excluded)
        self._fused_seen = False  # whether _step_s comes from fused calls yet (else from a single step)
        self.history: list[StepMetrics] = []
        self.step_count = 0
        self.status = "ready"  # ready, running, paused, stopped, finished, diverged
        self.compiling = False  # True during a call that first compiles its program (seconds, once)
        self._compiled: set[str] = set()  # the kinds of single step already compiled
        self.stop_reason = ""
        self.changes: list[SettingChange] = []  # settings changed while it trained (the card keeps them)
        self.clock = StepClock()  # training time and recent steps/s
        self._lock = threading.RLock()
        self._resume = threading.Event()
        self._resume.set()
        self._stop = threading.Event()
        # A fixed batch for the live sample grid, so change is visible (the model decides what).
        self.fixed_latent, self.fixed_shown = self.gan.preview_inputs(self.dataset, c.seed)
        self.snapshots = Snapshots.for_session(self)  # samples / 2D layers every N steps, for replays

    # -- inspection ------------------------------------------------------------------------
    @property
    def class_names(self) -> tuple[str, ...]:
        """Class names of the dataset (empty when unlabelled)."""
        return self.dataset.class_names

    @property
    def device(self) -> str:
        """Where the step runs, e.g. 'CPU: x86_64 (2 cores, ...)', and its devices when data-parallel."""
        if self.parallel is not None:
            return f"{backend.device_description()}, {self.parallel.describe(self.config.batch_size)}"
        return backend.device_description()

    def samples(self, latent: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Generator outputs (float32, data range) for the fixed latent batch or a given one.

        Does not wait for a running step: it reads the weights as they are (each variable whole),
        which is what a live picture needs, and it lets training go on meanwhile.
        """
        latent = latent or self.fixed_latent
        return np.asarray(keras.ops.convert_to_numpy(self.fns.generate(latent)))

    def preview(self, samples: np.ndarray | None = None, cols: int | None = None) -> np.ndarray:
        """The sample grid as uint8, drawn by the model's own ``preview`` hook (one row per class for
        conditional models; for pix2pix: held-out inputs, their true images, G's outputs)."""
        samples = self.samples() if samples is None else samples
        return self.gan.preview(samples, self.fixed_latent, self.fixed_shown, cols)

    # -- control ---------------------------------------------------------------------------
    def pause(self) -> None:
        """Ask run() to pause at the next call boundary (thread-safe). The status turns "paused" when
        it has: after the call in flight has landed and its steps are in the history."""
        self._resume.clear()

    @property
    def pause_requested(self) -> bool:
        """True from pause() until resume(), even while the call in flight finishes."""
        return not self._resume.is_set()

    def resume(self) -> None:
        """Resume a paused run()."""
        if self.status == "paused":
            self.status = "running"
        self._resume.set()

    def stop(self, reason: str = "stopped by the user") -> None:
        """Stop run() cleanly after the current step; further steps raise TrainingStopped."""
        self._stop.set()
        self._resume.set()
        if self.status not in ("diverged", "finished"):
            self.status, self.stop_reason = "stopped", reason

    @property
    def stopped(self) -> bool:
        """True once stopped or diverged."""
        return self._stop.is_set()

    def set_pace(self, speed: float) -> None:
        """Train in the app at most ``speed`` steps per second (0: full speed), from the next call on; a
        display setting, not a training one: nothing is recorded and the run's numbers do not change."""
        self.config = self.config.with_updates(speed=speed)

    def hold(self, seconds: float, shared: float = 0.0) -> float:
        """Wait up to ``seconds`` between two paced calls (a stop or a pause cuts it short), counted (with
        ``shared``: a partner's wait) as training time so that a paced run's steps/s is its pace; returns
        the seconds waited."""
        t0 = time.perf_counter()
        end = t0 + seconds
        while not self._stop.is_set() and self._resume.is_set() and time.perf_counter() < end:
            self._stop.wait(min(0.05, end - time.perf_counter()))
        waited = time.perf_counter() - t0
        self.clock.elapsed += waited + shared
        return waited

    def change_settings(self, lr_g: float | None = None, lr_d: float | None = None, k: int | None = None,
                        loss: str | None = None) -> list[SettingChange]:
        """Change learning rates, k (D updates per step) or the loss (one the model allows) while the
        run trains: they take effect at the next call, with no new program (see steps.py). Each change
        is recorded in ``changes`` (and the saved card); returns the new ones. None leaves a setting."""
        asked = {k_: v for k_, v in {"lr_g": lr_g, "lr_d": lr_d, "k": k, "loss": loss}.items() if v is not None}
        if "loss" in asked:
            asked["loss"] = get_loss(str(asked["loss"])).name  # canonical; unknown names raise here
        config = self.config.with_updates(**asked)  # validated (ConfigError with the field's name)
        if self.config.lr_decay_start is not None and {"lr_g", "lr_d"} & asked.keys():
            raise ValueError("This run's learning rates follow a decay schedule (lr_decay_start): they cannot "
                             "be changed while it trains. Press Reset to train with other rates.")
        with self._lock:  # between two calls
            if "loss" in asked and asked["loss"] != self.gan.loss.name:
                self.gan.loss.choose(asked["loss"])  # raises (the model's choices) before anything changes
            for name, opt in (("lr_g", self.g_opt), ("lr_d", self.d_opt)):
                if name in asked:
                    opt.learning_rate.assign(float(getattr(config, name)))
            made = [SettingChange(self.step_count, n, getattr(self.config, n), getattr(config, n))
                    for n in asked if getattr(config, n) != getattr(self.config, n)]
            self.config = config
            self.changes.extend(made)
            return made

    # -- stepping --------------------------------------------------------------------------
    def _inputs(self, n: int, per_step: int) -> tuple[dict, np.ndarray]:
        """Arrays and rows for n steps of per_step batches: rows shaped (n, per_step, B)."""
        rows = self._rows(n * per_step)
        if self._source is not None:
            return self._source, rows.reshape(n, per_step, -1)
        flat = rows.reshape(-1)  # the host gathers just these rows (one copy per call, not per step)
        source = {key: value[flat % len(value)] for key, value in self._arrays.items()}
        return source, np.arange(flat.size, dtype=np.int32).reshape(n, per_step, -1)

    def _append(self, values: dict[str, np.ndarray], kind: str, seconds: float) -> list[StepMetrics]:
        """Record n steps whose metrics are (n,) arrays and that took ``seconds`` together; stops
        at the first non-finite record and marks the run diverged."""
        n = len(values["d_loss"])
        finite = np.all([np.isfinite(v) for v in values.values()], axis=0)
        last = n if finite.all() else int(np.argmin(finite)) + 1  # up to and including the first bad step
        core = [values[k].tolist() for k in CORE_FIELDS]
        extra = {k: v.tolist() for k, v in values.items() if k not in CORE_FIELDS}
        records = []
        for i in range(last):
            self.step_count += 1
            rate = self.clock.tick(self.step_count, seconds / n)
            records.append(StepMetrics(self.step_count, *(c[i] for c in core), time=self.clock.elapsed,
                                       steps_per_sec=rate, kind=kind, extras={k: v[i] for k, v in extra.items()}))
        self.history.extend(records)
        if not finite.all():
            bad = [k for k, v in values.items() if not np.isfinite(v[last - 1])]
            self.status = "diverged"
            self.stop_reason = (
                f"Training diverged at step {self.step_count}: {', '.join(bad)} became NaN or infinite. "
                "The weights blew up; lower the learning rates (try 0.0002 or less) and press Reset.")
            self._stop.set()
        return records

    def record(self, values: dict[str, np.ndarray], seconds: float) -> list[StepMetrics]:
        """Record n train steps trained elsewhere (ganlab/server/engine.py); as ``_append``."""
        return self._append(values, "train", seconds)

    def _advance(self, n: int, kind: str = "train", fused: bool = False) -> list[StepMetrics]:
        """n steps in one compiled call (the fused program when n > 1 or ``fused``); the records, up to a
        divergence. run() always calls the fused program, so a run compiles one program, not two."""
        if self._stop.is_set():
            raise TrainingStopped(self.stop_reason or "this session was stopped")
        self.fresh()  # a step outside the engine starts from the engine's latest state
        self.snapshots.take(self)  # the state before this call, when a snapshot is due
        per_step = self.config.k if kind == "train" else 1
        source, rows = self._inputs(n, per_step)
        single = n == 1 and not (fused and kind == "train" and self.parallel is None)
        with self._lock:
            t0 = time.perf_counter()
            self.compiling = kind not in self._compiled if single else self.fns.train_many.compiles() == 0
            try:
                if single:
                    fn: Callable = {"train": self.fns.train, "d": self.fns.d_only, "g": self.fns.g_only}[kind]
                    inputs = self._place(source, rows[0]) if self._place else (source, rows[0])
                    values = {k: v[None] for k, v in backend.fetch(fn(*inputs)).items()}
                    compiled = self.compiling  # this kind's first call (a resumed run starts at step > 0)
                    self._compiled.add(kind)
                else:
                    before = self.fns.train_many.compiles()
                    values = backend.fetch(self.fns.train_many(source, rows))
                    compiled = self.fns.train_many.compiles() != before
            finally:
                self.compiling = False
            seconds = time.perf_counter() - t0
            if kind == "train":
                self._measure(n, seconds, compiled)
            return self._append(values, kind, seconds)

    def _measure(self, n: int, seconds: float, compiled: bool) -> None:
        """Adapt the fused chunk so that a call takes about CALL_S, from the time per step of calls
        that did not compile (single steps only set the first guess)."""
        if compiled or (n == 1 and self._step_s is not None) or self.parallel is not None:
            return  # data-parallel steps stay one per call
        per = seconds / n
        self._step_s = per if not self._fused_seen else 0.7 * self._step_s + 0.3 * per
        self._fused_seen = n > 1
        self.chunk = max(1, min(MAX_CHUNK, int(CALL_S / max(self._step_s, 1e-7))))

    def step(self, kind: str = "train") -> StepMetrics:
        """One step: "train" (k D updates + 1 G update), "d" (one D update) or "g" (one G update)."""
        record = self._advance(1, kind)[-1]
        if self.status == "diverged":
            raise TrainingDiverged(self.stop_reason)
        return record

    def warm_up(self) -> float:
        """Compile the program a run calls (the fused steps of run()) by running it once and putting
        every variable back: the run itself is unchanged (same weights, optimizer
        state, random numbers and data order), and its first step after Start needs no compile.
        Returns the seconds it took (0 for a data-parallel run, which compiles on its first call)."""
        if self.parallel is not None or self._stop.is_set():
            return 0.0
        t0 = time.perf_counter()
        with self._lock:
            saved = [np.array(v.value) for v in self.fns.state]
            per_step, rows = self.config.k, self.dataset.index_sampler(self.config.batch_size, 0)
            flat = rows(per_step).reshape(-1)
            source = self._source if self._source is not None else {
                key: value[flat % len(value)] for key, value in self._arrays.items()}
            index = flat.reshape(1, per_step, -1) if self._source is not None else np.arange(
                flat.size, dtype=np.int32).reshape(1, per_step, -1)
            try:
                self.fns.train_many(source, index)  # what run() calls (Step's single step compiles on its own)
            finally:
                for v, value in zip(self.fns.state, saved):
                    v.assign(value)
        return time.perf_counter() - t0

    def step_in_phases(self, observe: Callable[[str, int, dict], None]) -> StepMetrics:
        """One train step, exactly step("train")'s (same phases, same random numbers), run phase by
        phase: ``observe(phase, i, outputs)`` sees each one (StepFunctions.run_phases) while D and G stand
        between them. Raises TrainingStopped on a stopped or diverged run."""
        if self._stop.is_set():
            raise TrainingStopped(f"This run has ended ({self.stop_reason or 'stopped'}): press Start or "
                                  "Reset to begin a new one, then step through it.")
        if self.parallel is not None:
            raise ValueError("A step in slow motion runs on one device; this run is data-parallel.")
        source, rows = self._inputs(1, self.config.k)
        self.fresh()
        with self._lock:
            t0 = time.perf_counter()
            values = self.fns.run_phases(source, rows[0], observe)
            record = self._append({k: np.asarray(v)[None] for k, v in values.items()}, "train",
                                  time.perf_counter() - t0)[-1]
        if self.status == "diverged":
            raise TrainingDiverged(self.stop_reason)
        return record

    def advance(self, n: int) -> list[StepMetrics]:
        """n train steps in one fused call, as run() takes them; the records, up to a divergence (then
        ``status`` is "diverged"). Raises TrainingStopped on a stopped run. For lockstep runs (compare.py)."""
        return self._advance(n, fused=True)

    def wait_resume(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for resume(); True when not paused (any more)."""
        return self._resume.wait(timeout)

    def steps(self, n: int) -> list[StepMetrics]:
        """n train steps in one compiled call, one record each (raises like step() on divergence)."""
        records = self._advance(n)
        if self.status == "diverged":
            raise TrainingDiverged(self.stop_reason)
        return records

    def run(self, steps: int | None = None) -> Iterator[StepMetrics]:
        """Yield one record per step until ``steps`` more are done (default: config.steps total).

        Steps run fused, ``self.chunk`` per compiled call (adapted as it goes; the last call of a run
        takes what is left). Honours
        pause()/stop() from other threads at call boundaries; a divergence ends the iteration with
        ``status == "diverged"`` and the reason in ``stop_reason``.
        """
        target = self.step_count + steps if steps is not None else self.config.steps
        self.status = "running" if self._resume.is_set() else "paused"
        while self.step_count < target and not self._stop.is_set():
            if not self._resume.is_set():
                self.status = "paused"
                self._resume.wait(0.2)
                continue
            self.status = "running"
            left = target - self.step_count
            try:
                records = self._advance(min(self.chunk, left, self.snapshots.until_next(self.step_count)), fused=True)
            except TrainingStopped:
                return
            yield from records
            if self.status == "diverged":
                return
        if not self._stop.is_set():
            self.status = "finished" if self.step_count >= self.config.steps else "paused"

    def fork(self, name: str, value: Any) -> TrainingRun:
        """A second run from this one's exact state (weights, optimizer state, random numbers, data
        order, history) that differs from the next step on in one setting: a live one (learning rates,
        k, loss) or the batch size. The change is recorded in the branch's ``changes`` at this step."""
        if self.parallel is not None:
            raise ValueError("A data-parallel run cannot be forked.")
        if name not in (*LIVE_SETTINGS, "batch_size"):
            raise ValueError(f"A fork can change {', '.join(LIVE_SETTINGS)} or batch_size (settings that keep "
                             f"the networks' shapes), not {name}.")
        live = name in LIVE_SETTINGS
        with self._lock:  # between two calls
            config = self.config if live else self.config.with_updates(**{name: value})
            branch = TrainingRun(config, dataset=self.loaded, command=self.command,
                                     data_on_device=self._source is not None)
            for mine, theirs in zip(branch.fns.state, self.fns.state, strict=True):
                mine.assign(theirs.value)
            branch._rows.follow(self._rows)
            branch.history, branch.changes = list(self.history), list(self.changes)
            branch.step_count, branch.clock = self.step_count, copy.deepcopy(self.clock)
            branch.chunk, branch._step_s, branch._fused_seen = self.chunk, self._step_s, self._fused_seen
            branch.snapshots = copy.deepcopy(self.snapshots)  # the parent's up to the fork, then its own
            branch.status = "paused" if self.step_count else "ready"
        if live:
            branch.change_settings(**{name: value})
        elif getattr(self.config, name) != getattr(config, name):
            branch.changes.append(SettingChange(self.step_count, name, getattr(self.config, name),
                                                getattr(config, name)))
        return branch
