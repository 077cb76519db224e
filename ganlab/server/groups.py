"""The engine's groups (ganlab/server/engine.py): a Program compiled once per (shape, capacity), and the
Groups that train with a sibling of it, each slot holding one run's state (copied to the run's own
variables only when something reads them)."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import numpy as np
from keras import ops

from ganlab import backend
from ganlab.models import get_model_class
from ganlab.train.grouped import GroupedSteps, state_variables
from ganlab.train.run import _BUILD_LOCK, TrainingRun

MAX_STEPS = 64  # most steps of one call


class Program:
    """One compiled GroupedSteps for a (shape key, capacity), built and compiled in a helper thread; every
    group of that key and capacity trains with a sibling of it (its own state, the same program)."""

    def __init__(self, key: tuple, run: TrainingRun, capacity: int):
        self.key, self.capacity = key, capacity
        self.steps: GroupedSteps | None = None
        self.ready = threading.Event()
        self.error: BaseException | None = None
        threading.Thread(target=self._build, args=(run,), name="engine-build", daemon=True).start()

    def _build(self, run: TrainingRun) -> None:
        """Build and compile the program (a call with every slot inactive changes nothing)."""
        try:
            c = run.config
            with _BUILD_LOCK:  # building draws from Keras's global random numbers
                gan = get_model_class(c.model)(run.spec, c.loss, seed=0)
            steps = GroupedSteps(gan, self.capacity, self.key[-1], MAX_STEPS, c.beta1, c.beta2, c.xla)
            source = {k: ops.convert_to_tensor(np.repeat(v[None], self.capacity, axis=0))
                      for k, v in run._arrays.items()}
            rows = {0: np.zeros((1, 1, c.batch_size), np.int32)}
            off = [False] * self.capacity
            steps.train(source, rows, 1, steps.settings([1e-3] * self.capacity, [1e-3] * self.capacity,
                                                        [0] * self.capacity, [1] * self.capacity, off))
            self.steps = steps
        except Exception as e:  # its groups' runs are stopped with the reason
            self.error = e
        self.ready.set()


class Group:
    """A sibling of its Program's GroupedSteps, its slots' runs and their data stacked."""

    def __init__(self, program: Program):
        self.program, self.key, self.capacity = program, program.key, program.capacity
        self.slots: list[TrainingRun | None] = [None] * self.capacity
        self.synced: dict[int, int] = {}  # slot -> the run's step count when its slot last matched it
        self.copied: dict[int, int] = {}  # slot -> the run's step count when its variables last matched the slot
        self.published: list | None = None  # the stacked state of the last recorded call
        self.source: dict[str, np.ndarray] = {}
        self._tensors: dict[str, Any] | None = None
        self.step_s = 1e-3  # smoothed seconds per step of a call
        self.steps: GroupedSteps | None = None

    @property
    def error(self) -> BaseException | None:
        """Why the group's program could not be built, if it could not."""
        return self.program.error

    def ready(self) -> bool:
        """True once the program is compiled (the group's own state is made then, at no cost)."""
        if self.steps is None and self.program.steps is not None:
            self.steps = self.program.steps.sibling()
        return self.steps is not None

    def tensors(self) -> dict[str, Any]:
        """The slots' data stacked, on the device (rebuilt when a slot changes hands)."""
        if self._tensors is None:
            self._tensors = {k: ops.convert_to_tensor(v) for k, v in self.source.items()}
        return self._tensors

    def join(self, run: TrainingRun) -> None:
        """Give ``run`` a free slot (its state is put at the next call)."""
        slot = self.slots.index(None)
        self.slots[slot] = run
        for k, v in run._arrays.items():
            if k not in self.source:
                self.source[k] = np.repeat(v[None], self.capacity, axis=0)
            self.source[k][slot] = v
        self._tensors = None
        self.synced.pop(slot, None)
        self.copied[slot] = run.step_count  # its variables are the truth until its first call
        run.remote = self.pull

    def leave(self, run: TrainingRun) -> None:
        """Free ``run``'s slot."""
        self.pull(run)  # its variables take its latest state with it
        run.remote = None
        slot = self.slots.index(run)
        self.slots[slot] = None
        self.synced.pop(slot, None)
        self.copied.pop(slot, None)

    def _sync(self) -> None:
        """Put every run whose state changed outside the engine (or is new) into its slot, in one upload."""
        stale = [s for s, r in enumerate(self.slots) if r is not None and self.synced.get(s) != r.step_count]
        if not stale:
            return
        state = [np.array(v) for v in backend.fetch({str(i): a for i, a in enumerate(self.steps.state)}).values()]
        for slot in stale:
            run = self.slots[slot]
            with run._lock:
                values = GroupedSteps.values_of(run._gan, run._g_opt, run._d_opt)
                self.synced[slot] = self.copied[slot] = run.step_count
            for s, v, var in zip(state, values, self.steps.variables, strict=True):
                s[slot] = np.asarray(v, dtype=s.dtype).reshape(var.shape)
        self.steps.state = [ops.convert_to_tensor(s) for s in state]

    def call(self, plan: dict[TrainingRun, int]) -> list[TrainingRun]:
        """One call: each planned run of this group trains its n steps and records them; those runs."""
        self._sync()
        cap, steps = self.capacity, self.steps
        cols = {name: [0] * cap for name in ("lr_g", "lr_d", "loss", "k", "active", "steps")}
        rows = {}
        for slot, run in enumerate(self.slots):
            n = plan.get(run, 0) if run is not None else 0
            if n <= 0:
                continue
            c = run.config
            names = [p.name for p in run._gan.loss.choices]
            for name, value in (("lr_g", c.lr_g), ("lr_d", c.lr_d), ("loss", names.index(run._gan.loss.name)),
                                ("k", c.k), ("active", True), ("steps", n)):
                cols[name][slot] = value
            rows[slot] = run._rows(n * c.k).reshape(n, c.k, -1)
        if not rows:
            return []
        cols["k"] = [k or 1 for k in cols["k"]]
        n = max(cols["steps"])
        t0 = time.perf_counter()
        metrics = steps.train(self.tensors(), rows, n, steps.settings(**cols))
        seconds = time.perf_counter() - t0
        self.step_s = 0.7 * self.step_s + 0.3 * seconds / n
        return self._distribute(rows, metrics, seconds)

    def pull(self, run: TrainingRun) -> None:
        """Copy ``run``'s slot of the last recorded call into its own variables if they are behind (its
        ``remote``: called when a view, a save, a snapshot or a Step reads them; training never waits for it)."""
        with run._lock:
            slot = next((i for i, r in enumerate(self.slots) if r is run), None)
            if (slot is None or self.published is None or self.synced.get(slot) != run.step_count
                    or self.copied.get(slot) == run.step_count):
                return  # not here, already copied, or a step outside the engine made its variables the truth
            state = backend.fetch({str(i): a for i, a in enumerate(self.published)}).values()
            for var, value in zip(state_variables(run._gan, run._g_opt, run._d_opt), state, strict=True):
                var.assign(value[slot])
            self.copied[slot] = run.step_count

    def _distribute(self, rows: dict[int, np.ndarray], metrics: dict, seconds: float) -> list[TrainingRun]:
        """Record each trained slot's steps (unless a Step landed meanwhile: then that step wins and the slot
        is put again); the runs recorded. Their variables are copied only when something reads them."""
        members = [(s, r) for s, r in enumerate(self.slots) if r is not None]
        done = []
        with contextlib.ExitStack() as held:
            for _, r in members:
                held.enter_context(r._lock)
            self.published = self.steps.state
            for slot in rows:
                run = self.slots[slot]
                if self.synced.get(slot) != run.step_count:  # its variables are the truth: put again
                    self.synced.pop(slot, None)
                    self.copied[slot] = run.step_count
                    continue
                run.record({k: v[: len(rows[slot]), slot] for k, v in metrics.items()}, seconds)
                self.synced[slot] = run.step_count
                done.append(run)
        return done
