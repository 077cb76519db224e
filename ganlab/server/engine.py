"""The training engine (on by default; ``--no-engine`` / ``GANLAB_ENGINE=0``: off): every eligible job's runs
trained in shared groups.

Without it each job trains in its own thread (compare.lockstep), one compiled call per run per round. With
it, runs of one shape (shape_key) share a GroupedSteps (ganlab/train/grouped.py): one compiled call trains
every run of a group. A Program is compiled once per (shape, capacity), in a helper thread (the server
compiles its default preset's at launch: ``warm``), and every group of that shape and capacity trains with a
sibling of it, so Start compiles nothing once a run of its shape has trained. Groups are never resized (a
slot costs compute, used or not): a key's first group holds 1 run (a lone student pays for one slot), its
second 2, its third 4, then 8 each; a group goes when its last run leaves. One engine thread plans rounds
(each group called once per round, two groups at a time) and keeps each job's runs in lockstep (the same
steps per round, A's pace, a pause pauses both).
A run's state lives in its group's slot while it trains there: its own variables are copied from the slot
only when something reads them (``TrainingRun.remote``: a view, a save, a fork, a snapshot or a Step) and
when it leaves. A step taken outside the engine (Step, D-only, slow motion) is seen by its step count and
the run's state is put back into its slot before the next call. Snapshots are taken in their own thread.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ganlab.server.groups import MAX_STEPS, Group, Program
from ganlab.train.compare import PACE_CALL_S
from ganlab.train.run import TrainingRun

ENV = "GANLAB_ENGINE"
CAPACITIES = (1, 2, 4, 8)  # a key's first group, its second, third, then every later one
K_TIERS = (5, 50)  # a group runs up to this many D updates per step (50: TrainConfig's most)
WORKERS = 2  # groups called at once (TensorFlow releases the GIL while a call runs)
ROUND_S = 0.25  # a round (one call per group) takes about this long: every unpaced job gets the same steps


def enabled() -> bool:
    """True unless ``GANLAB_ENGINE`` turns the engine off (0, no, false, off): on by default."""
    return os.environ.get(ENV, "").strip().lower() not in ("0", "no", "false", "off")


def shape_key(run: TrainingRun) -> tuple:
    """What runs must share to train in one group: model, spec, batch, betas, data length, k tier."""
    c, s = run.config, run.spec
    tier = next(t for t in K_TIERS if c.k <= t)
    return (c.model, s.data_shape, s.latent_dim, s.num_classes, s.precision, tuple(sorted(s.options.items())),
            c.batch_size, c.beta1, c.beta2, len(run.dataset.x), tuple(sorted(run._arrays)), tier)


def eligible(runs: list[TrainingRun]) -> bool:
    """2D Adam runs on one device with constant learning rates (others, SGD runs included, train in their own
    thread: a group's optimizers are StatelessAdam)."""
    return all(r.dataset.kind == "points" and r.parallel is None and r.config.lr_decay_start is None
               and r.config.optimizer == "adam" for r in runs)


class Ticket:
    """Stands for a job's thread while the engine trains it: ``is_alive`` / ``join`` as a Thread's."""

    def __init__(self) -> None:
        self.done = threading.Event()

    def is_alive(self) -> bool:
        """True until the engine lets the job go (finished, stopped or reset)."""
        return not self.done.is_set()

    def join(self, timeout: float | None = None) -> None:
        """Wait until the engine lets the job go (at most ``timeout`` seconds)."""
        self.done.wait(timeout)


@dataclass
class Member:
    """A job the engine trains: its runs (read each round: a fork joins), what to do after each call."""

    runs: Callable[[], list[TrainingRun]]
    after: Callable[[], None]
    ticket: Ticket = field(default_factory=Ticket)
    ended: dict[int, float] = field(default_factory=dict)  # id(run) -> when its last call ended
    began: float | None = None  # when its last call began (a paced job's pace)


class Engine:
    """Trains every job added to it in shared groups, from one thread (see the module)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._members: list[Member] = []
        self._groups: dict[tuple, list[Group]] = {}
        self._where: dict[int, Group] = {}  # id(run) -> its group
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._free_n = 1  # an unpaced job's steps this round
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="ganlab-engine-call")
        self._snaps = ThreadPoolExecutor(1, thread_name_prefix="ganlab-engine-snapshot")
        self._snapping: set[int] = set()  # id(run) of the runs whose snapshot is being taken
        self._programs: dict[tuple, Program] = {}  # (shape key, capacity) -> its program, kept for the server's life

    def add(self, runs: Callable[[], list[TrainingRun]], after: Callable[[], None]) -> Ticket:
        """Train ``runs()`` (read every round) in lockstep until each finishes, stops or diverges;
        ``after()`` runs after every round it trained in. Returns the job's stand-in for a thread."""
        member = Member(runs, after)
        for s in runs():
            s.status = "paused" if s.pause_requested else "running"
        with self._lock:
            self._members.append(member)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="ganlab-engine", daemon=True)
                self._thread.start()
        self._wake.set()
        return member.ticket

    def close(self) -> None:
        """Stop the engine's thread (its jobs stop training; tests and shutdown)."""
        self._closed.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
        self._pool.shutdown(wait=False)
        self._snaps.shutdown(wait=False)

    def _program(self, key: tuple, run: TrainingRun, capacity: int) -> Program:
        """The program of ``key`` and ``capacity``: compiled once (in a helper thread), then shared."""
        with self._lock:
            program = self._programs.get((key, capacity))
            if program is None or program.error is not None:
                program = self._programs[(key, capacity)] = Program(key, run, capacity)
            return program

    def warm(self, run: TrainingRun) -> threading.Thread:
        """Compile the programs of ``run``'s shape at every capacity, one after another in a background
        thread (the server does this at launch for its default preset, so Start need not compile)."""
        def build() -> None:
            key = shape_key(run)
            for capacity in CAPACITIES:
                if not self._closed.is_set():
                    self._program(key, run, capacity).ready.wait()

        thread = threading.Thread(target=build, name="engine-warm", daemon=True)
        thread.start()
        return thread

    def groups(self) -> list[Group]:
        """Every group now (for tests and benchmarks)."""
        return [g for gs in self._groups.values() for g in gs]

    def _loop(self) -> None:
        while not self._closed.is_set():
            try:
                trained = self._round()
            except Exception:  # never let the engine die: say why and go on
                traceback.print_exc()
                trained = False
            if not trained:
                self._wake.wait(0.01 if self._members else 0.5)
                self._wake.clear()
        for member in list(self._members):
            self._finish(member)

    def _place(self, run: TrainingRun) -> Group:
        """``run``'s group: where it is, else a group of its key with room, else a new one."""
        group = self._where.get(id(run))
        if group is not None:
            return group
        key = shape_key(run)
        groups = self._groups.setdefault(key, [])
        group = next((g for g in groups if None in g.slots), None)
        if group is None:
            group = Group(self._program(key, run, CAPACITIES[min(len(groups), len(CAPACITIES) - 1)]))
            groups.append(group)
        group.join(run)
        self._where[id(run)] = group
        return group

    def _drop(self, run: TrainingRun) -> None:
        """Free ``run``'s slot; a group left empty goes."""
        group = self._where.pop(id(run), None)
        if group is None:
            return
        group.leave(run)
        if all(r is None for r in group.slots):
            self._groups[group.key].remove(group)

    def _finish(self, member: Member) -> None:
        """The job leaves the engine: its runs' statuses as lockstep leaves them, slots freed."""
        for s in member.runs():
            self._drop(s)
            if not s.stopped:
                s.status = "finished" if s.step_count >= s.config.steps else "paused"
        with self._lock:
            if member in self._members:
                self._members.remove(member)
        member.ticket.done.set()

    def _plan(self, member: Member, now: float) -> dict[TrainingRun, int]:
        """How many steps each of a job's runs takes this round (0: paused, pacing or compiling)."""
        runs = member.runs()
        for s in runs:
            if s.stopped:
                self._drop(s)
        alive = [s for s in runs if not s.stopped and s.step_count < s.config.steps]
        if not alive:
            self._finish(member)
            return {}
        if any(s.pause_requested for s in alive):
            for s in alive:
                s.status = "paused"
                member.ended.pop(id(s), None)  # a pause is not training time
            member.began = None
            return {}
        for s in alive:
            if id(s) in self._where and self._where[id(s)].key != shape_key(s):
                self._drop(s)  # k passed its group's tier: it moves to a group of its new key
        groups = [self._place(s) for s in alive]
        for g, s in zip(groups, alive):
            if g.error is not None:
                s.stop(f"the training engine failed: {g.error}")
        if not all(g.ready() for g in groups):
            return {}
        n = min(MAX_STEPS, *(s.config.steps - s.step_count for s in alive),
                *(s.snapshots.until_next(s.step_count) for s in alive),
                self._free_n)
        speed = alive[0].config.speed
        if speed > 0:
            n = min(n, max(1, round(speed * PACE_CALL_S)))
            if member.began is not None and now - member.began < n / speed:
                return {}  # not due yet: a paced job's calls begin n / speed apart
        for s in alive:
            s.status = "running"
            if speed > 0 and id(s) in member.ended:
                s.clock.elapsed += min(now - member.ended[id(s)], n / speed)  # a paced run's wait counts
            self._snapshot_soon(s)
        member.began = now
        return {s: n for s in alive}

    def _snapshot_soon(self, run: TrainingRun) -> None:
        """Take ``run``'s due snapshot in the snapshot thread, not the engine's: its first one compiles the
        run's view functions (a second per run), which would hold up every group. It lands a few steps after
        the interval's multiple, with the weights of the step it names (the run's variables are copied then)."""
        if not run.snapshots.due(run.step_count) or id(run) in self._snapping:
            return
        self._snapping.add(id(run))

        def take() -> None:
            try:
                run.fresh()
                run.snapshots.take(run)
            except Exception:  # a replay frame less; training goes on
                traceback.print_exc()
            finally:
                self._snapping.discard(id(run))

        self._snaps.submit(take)

    @staticmethod
    def _call(group: Group, plan: dict[TrainingRun, int]) -> None:
        """One group's call; if it fails, its runs stop with the reason (the other groups go on)."""
        try:
            group.call(plan)
        except Exception as e:
            traceback.print_exc()
            for run in group.slots:
                if run is not None:
                    run.stop(f"the training engine failed: {e}")

    def _round(self) -> bool:
        """One round: plan every job, one call per group with work, then each job's ``after``; True when
        anything trained."""
        now = time.perf_counter()
        with self._lock:
            members = list(self._members)
        plans = {id(m): self._plan(m, now) for m in members}
        plan = {run: n for p in plans.values() for run, n in p.items()}
        if not plan:
            return False
        busy = [g for g in self.groups() if any(r in plan for r in g.slots if r is not None)]
        list(self._pool.map(lambda g: self._call(g, plan), busy))  # groups share no run: both cores work
        end = time.perf_counter()
        if self._free_n in plan.values():  # unpaced jobs trained: steer their steps to a round of ROUND_S
            scale = min(2.0, max(0.5, ROUND_S / max(end - now, 1e-6)))
            self._free_n = max(1, min(MAX_STEPS, round(self._free_n * scale)))
        for m in members:
            if plans[id(m)]:
                for s in plans[id(m)]:
                    m.ended[id(s)] = end
                m.after()
        return True
