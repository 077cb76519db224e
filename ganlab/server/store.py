"""Per-browser-session state, keyed by Gradio's session hash: a training run, uploaded data and
saved generators, with the limits that make one server safe to share with a class.

Nothing per-user lives in module globals: the app creates one SessionStore and passes it to the
tabs. A run trains in its own background thread. Memory: a named dataset is loaded once per
server and shared read-only by every session whatever its seed (the seed only picks the batch
order); uploads count against a per-session and a server-wide cap. Closing the browser tab,
Reset, a new run, or IDLE_TIMEOUT_S without any request from that session frees its run (models,
optimizer state, figures); closing or idling out also deletes its uploads.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganlab.config import TrainConfig
from ganlab.data import DataError, Dataset
from ganlab.data.cache import DatasetCache
from ganlab.server.engine import Engine, eligible
from ganlab.server.engine import enabled as engine_enabled
from ganlab.server.limits import (
    DATASET_CACHE_BYTES,
    IDLE_TIMEOUT_S,
    MAX_RUNS,
    MAX_STEPS,
    MAX_TRAIN_S,
    REAP_EVERY_S,
    SERVER_UPLOAD_BYTES,
    SESSION_UPLOAD_BYTES,
    SOLO_RUNS,
    UPLOAD_PREFIX,
)
from ganlab.server.uploads import Uploads, folder_name
from ganlab.train.compare import lockstep
from ganlab.train.run import TrainingRun
from ganlab.train.tensorboard import TensorBoardLogger


class ServerBusy(RuntimeError):
    """Too many trainings are running on this server; the message says so plainly."""


@dataclass
class Job:
    """What one browser session trains: its TrainingRun (A), run B of a comparison or a fork, the thread that
    trains them in lockstep, its TensorBoard logger and the Train tab's display state."""

    run: TrainingRun
    thread: threading.Thread | None = None
    board: TensorBoardLogger | None = None  # TensorBoard logs of this run, when the session asked for them
    created: float = field(default_factory=time.time)
    display: Any = None  # the Train tab's display state of this run, closed with it (train_view.RunDisplay)
    other: TrainingRun | None = None  # run B of a comparison or a fork (trained in lockstep with A)
    differs: str = ""  # the setting B differs in
    fork_step: int | None = None  # the step B was forked from A at (None: a comparison from step 0)

    @property
    def active(self) -> bool:
        """True while the background thread is training (or paused inside run())."""
        return self.thread is not None and self.thread.is_alive()

    @property
    def runs(self) -> list[TrainingRun]:
        """A, then B when this is a comparison."""
        return [self.run] if self.other is None else [self.run, self.other]

    @property
    def places(self) -> int:
        """How many trainings this run counts as against max_runs (a comparison: two)."""
        return len(self.runs)

    def labels(self) -> list[str]:
        """'A (loss = minimax)', 'B (loss = non_saturating)' in a comparison, else ['']."""
        if self.other is None:
            return [""]
        return [f"{tag} ({self.differs} = {getattr(s.config, self.differs)})" for tag, s in zip("AB", self.runs)]

    def pause(self) -> None:
        """Pause every run of the job (at the next call boundary)."""
        for s in self.runs:
            s.pause()

    def resume(self) -> None:
        """Resume every run of the job."""
        for s in self.runs:
            s.resume()


class SessionStore:
    """Runs, uploads and saved generators of each browser session, with limits on concurrent
    trainings, steps, training time and uploaded bytes; idle sessions are reclaimed."""

    def __init__(self, max_runs: int = MAX_RUNS, root: str | Path = "runs/app", data_root: str | Path | None = None,
                 max_steps: int = MAX_STEPS, max_train_s: float = MAX_TRAIN_S,
                 idle_timeout_s: float = IDLE_TIMEOUT_S, session_upload_bytes: int = SESSION_UPLOAD_BYTES,
                 server_upload_bytes: int = SERVER_UPLOAD_BYTES, cache_bytes: int = DATASET_CACHE_BYTES,
                 engine: bool | None = None):
        self.max_runs = max_runs
        self.use_engine = engine_enabled() if engine is None else engine  # 2D runs in shared groups
        self._engine: Engine | None = None
        self.root = Path(root)
        self.data_root = Path(data_root).expanduser().resolve() if data_root else None
        self.max_steps, self.max_train_s, self.idle_timeout_s = max_steps, max_train_s, idle_timeout_s
        self.uploads = Uploads(session_upload_bytes, server_upload_bytes)  # each session's uploaded data
        self.datasets = DatasetCache(cache_bytes, self.data_root)  # named sets loaded once, shared read-only
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()  # the max_runs check and the thread's start, as one
        self._controls: dict[str, threading.Lock] = {}  # sid -> lock taken by that session's controls
        self._runs: dict[str, Job] = {}
        self._saved: dict[str, dict[str, Path]] = {}
        self._seen: dict[str, float] = {}  # sid -> time of its last request
        self._boards: set[str] = set()  # sessions that asked for TensorBoard logs
        self._choices: dict[str, dict[str, object]] = {}  # sid -> what its page chose (2D layers ...)
        self._reaper: threading.Thread | None = None
        self._closed = threading.Event()

    # -- sessions --------------------------------------------------------------------------
    def touch(self, sid: str) -> None:
        """Note a request from this session (idle sessions are reclaimed after idle_timeout_s)."""
        with self._lock:
            self._seen[sid] = time.monotonic()
        self._start_reaper()

    @contextlib.contextmanager
    def control(self, sid: str) -> Iterator[None]:
        """Hold this session's controls (Start, Step, Pause, Reset) one at a time: a browser sends a
        quick Start-then-Reset at once, and a Reset that overtakes the Start's model building would
        find no run to stop, so the run the student has just reset would train on."""
        with self._lock:
            lock = self._controls.setdefault(sid, threading.Lock())
        with lock:
            yield

    def session_ids(self) -> set[str]:
        """Sessions that hold anything (a run, uploads or saved generators)."""
        with self._lock:
            return set(self._runs) | self.uploads.holders() | set(self._saved)

    def reap(self, now: float | None = None) -> list[str]:
        """Reclaim every session idle for longer than idle_timeout_s; return their ids."""
        now = time.monotonic() if now is None else now
        with self._lock:
            idle = [sid for sid, t in self._seen.items() if now - t > self.idle_timeout_s]
        for sid in idle:
            self.close_session(sid)
        return idle

    def _start_reaper(self) -> None:
        if self._reaper is not None or self.idle_timeout_s <= 0:
            return
        with self._lock:
            if self._reaper is not None:
                return
            self._reaper = threading.Thread(target=self._reap_loop, name="ganlab-reaper", daemon=True)
        self._reaper.start()

    def _reap_loop(self) -> None:
        every = min(REAP_EVERY_S, max(1.0, self.idle_timeout_s / 4))
        while not self._closed.wait(every):
            with contextlib.suppress(Exception):  # never let the reaper die
                self.reap()

    def close_session(self, sid: str) -> None:
        """The session ended (tab closed or idle): stop its run, delete its uploads, forget it."""
        with self.control(sid):  # after a Start still building its run: that run goes too
            self.release(sid)
        with self._lock:
            self._seen.pop(sid, None)
            self._boards.discard(sid)
            self._choices.pop(sid, None)
            self._controls.pop(sid, None)
        self.uploads.drop(sid)
        shutil.rmtree(self.save_dir(sid), ignore_errors=True)  # nobody can reach its checkpoints any more
        free_memory()

    def close(self) -> None:
        """Stop every run, delete every upload and stop the reaper (the server is shutting down)."""
        self._closed.set()
        for sid in self.session_ids() | set(self._seen):
            self.close_session(sid)
        if self._engine is not None:
            self._engine.close()
        self.uploads.close()

    def choice(self, sid: str, key: str, default: object = None) -> object:
        """What this session's page chose for ``key`` (kept across its runs, freed with the session)."""
        with self._lock:
            return self._choices.get(sid, {}).get(key, default)

    def choose(self, sid: str, key: str, value: object) -> None:
        """Keep a choice of this session's page (see ``choice``)."""
        with self._lock:
            self._choices.setdefault(sid, {})[key] = value

    # -- runs ------------------------------------------------------------------------------
    def get(self, sid: str) -> Job | None:
        """This session's run, if any."""
        with self._lock:
            self._seen[sid] = time.monotonic()
            return self._runs.get(sid)

    def dataset(self, config: TrainConfig, sid: str | None = None) -> Dataset:
        """The dataset a config names: this session's upload, or a named dataset / allowed server
        folder loaded once per server and shared read-only (ganlab.data.cache)."""
        if config.dataset.strip().startswith(UPLOAD_PREFIX):
            upload = self.uploads.get(sid or "")
            if upload is None:
                raise DataError("No uploaded data in this session: upload images or a .csv of points first.")
            return upload
        return self.datasets.get(config)

    def cached_datasets(self) -> dict[tuple, int]:
        """Loaded datasets (kept or in use) and their bytes: for tests and the memory benchmark."""
        return self.datasets.loaded()

    def create(self, sid: str, config: TrainConfig) -> Job:
        """Build a new TrainingRun for this browser session, replacing (stopping) its old one."""
        if config.steps > self.max_steps:
            raise ValueError(f"This server allows at most {self.max_steps:,} steps per run; "
                             f"asked for {config.steps:,}.")
        self.release(sid, keep_saved=True)
        config_a, config_b = config.run_configs()
        data = self.dataset(config, sid)
        job = Job(TrainingRun(config_a, dataset=data))
        if config_b is not None:
            job.other, job.differs = TrainingRun(config_b, dataset=data), config.compare
            same = getattr(job.run.config, config.compare) == getattr(job.other.config, config.compare)
            if same:
                raise ValueError(f"Run B would be the same as run A ({config.compare} = "
                                 f"{getattr(job.run.config, config.compare)} in both): give B another value.")
        with self._lock:
            self._runs[sid] = job
            self._seen[sid] = time.monotonic()
            wanted = sid in self._boards
        if wanted:
            self._attach_board(sid, job)
        self._start_reaper()
        return job

    def jobs(self) -> dict[str, Job]:
        """Every session's job (sid -> Job, a copy), read without counting as a request (teacher mode)."""
        with self._lock:
            return dict(self._runs)

    def active_count(self) -> int:
        """How many trainings are running right now, over all sessions (a comparison counts two)."""
        with self._lock:
            return sum(r.places for r in self._runs.values() if r.active)

    def start(self, sid: str) -> Job:
        """Start (or resume) training this session's run in a background thread."""
        job = self.get(sid)
        if job is None:
            raise KeyError("no run")
        with self._start_lock:  # two sessions starting at once cannot both take the last place
            if job.active:
                job.resume()
                return job
            self._check_room(job.places, job)
            job.resume()
            self._start_thread(sid, job)
        return job

    def _solo(self, job: Job) -> bool:
        """Whether ``job`` trains outside the engine (in its own thread), where each run costs a thread."""
        return not (self.use_engine and eligible(job.runs))

    def _check_room(self, places: int, job: Job | None = None) -> None:
        """ServerBusy when ``places`` more trainings would pass max_runs (with the engine on: or, for a job
        outside it, SOLO_RUNS trainings outside it)."""
        if self.use_engine and job is not None and self._solo(job):
            with self._lock:
                solo = sum(j.places for j in self._runs.values() if j.active and self._solo(j))
            if solo + places > SOLO_RUNS:
                raise ServerBusy(f"The server is busy: {solo} image (or other) trainings are already running, the "
                                 f"most it trains at once besides the 2D runs. Try again when one finishes.")
        if self.active_count() + places > self.max_runs:
            two = " (a comparison counts as two)" if places > 1 else ""
            raise ServerBusy(f"The server is busy: {self.active_count()} of {self.max_runs} trainings are already "
                             f"running (the limit set with --max-runs){two}. Try again when one finishes.")

    def fork(self, sid: str, name: str, value: Any) -> Job:
        """Split this session's run into two from its current state: B differs in ``name`` from the next
        step on and trains in lockstep with A (paused at a call boundary while B is made)."""
        job = self.get(sid)
        if job is None or job.run.step_count == 0:
            raise ValueError("Nothing to fork yet: train a few steps first, then fork.")
        if job.other is not None:
            raise ValueError("This run is already two runs: press Reset, then fork a single run.")
        if job.run.stopped:
            raise ValueError(f"This run has ended ({job.run.stop_reason or job.run.status}): "
                             "Reset and train a new one to fork.")
        going = job.active and not job.run.pause_requested
        job.pause()
        end = time.monotonic() + 10
        while job.active and job.run.status == "running" and time.monotonic() < end:
            time.sleep(0.01)  # the call in flight lands: A stands between two calls
        try:
            with self._start_lock:
                if job.active:
                    self._check_room(1)
                branch = job.run.fork(name, value)
                job.other, job.differs, job.fork_step = branch, name, job.run.step_count
        finally:
            if going:
                job.resume()
        return job

    def _engine_now(self) -> Engine:
        """The server's training engine, made on first use."""
        with self._lock:
            self._engine = self._engine or Engine()
            return self._engine

    def warm_engine(self, run: TrainingRun) -> None:
        """With the engine on, compile its programs for ``run``'s shape in the background (the server does
        this at launch for its default preset, so a student's Start finds them compiled)."""
        if self.use_engine and eligible([run]):
            self._engine_now().warm(run)

    def _start_thread(self, sid: str, job: Job) -> None:
        """Train ``run`` in a daemon thread until it finishes, stops, or reaches the time limit."""
        limit = self.max_train_s
        if self.use_engine and eligible(job.runs):
            job.thread = self._engine_now().add(lambda: job.runs, lambda: self._after_call(job))
            return

        def work() -> None:
            for record in lockstep(lambda: job.runs, paced=True):  # a fork joins at the next call
                board = job.board  # read once: the tab may switch logging off meanwhile
                if board is not None:
                    board.update()
                if record.time > limit:
                    for s in job.runs:
                        s.stop(f"time limit: this server allows {limit / 60:g} minutes of training per run")
                    break

        job.thread = threading.Thread(target=work, name=f"train-{sid[:8]}", daemon=True)
        job.thread.start()

    def _after_call(self, job: Job) -> None:
        """After an engine call: the job's TensorBoard logs, and its time limit."""
        board = job.board
        if board is not None:
            board.update()
        if any(s.clock.elapsed > self.max_train_s for s in job.runs):
            for s in job.runs:
                s.stop(f"time limit: this server allows {self.max_train_s / 60:g} minutes of training per run")

    def release(self, sid: str, keep_saved: bool = False) -> None:
        """Stop and forget this session's run (tab closed, Reset, or a new run); frees its models."""
        with self._lock:
            job = self._runs.pop(sid, None)
            if not keep_saved:
                self._saved.pop(sid, None)
        if job is not None:
            for s in job.runs:
                s.stop("reset")
            if job.thread is not None:
                job.thread.join(timeout=10)
            if job.board is not None:
                job.board.close()
            if job.display is not None:
                job.display.close()  # live figures (curves, bars) hold matplotlib memory
            del job
            free_memory()

    def save_dir(self, sid: str) -> Path:
        """Where this session's checkpoints go (one folder per session)."""
        return self.root / folder_name(sid)

    # -- TensorBoard logs ------------------------------------------------------------------
    def tensorboard_dir(self, sid: str) -> Path:
        """This session's TensorBoard logs: one folder per run (deleted with the session)."""
        return self.save_dir(sid) / "tensorboard"

    def _attach_board(self, sid: str, job: Job) -> None:
        c = job.run.config
        name = f"{c.model}-{Path(c.dataset).name}-seed{c.seed}-{time.strftime('%Y%m%d-%H%M%S')}"
        job.board = TensorBoardLogger(job.run, self.tensorboard_dir(sid) / folder_name(name))

    def set_tensorboard(self, sid: str, on: bool) -> Job | None:
        """Write (or stop writing) TensorBoard logs for this session's runs, the current one included:
        a run logged from the middle gets its earlier steps' scalars too. Returns the current run."""
        with self._lock:
            (self._boards.add if on else self._boards.discard)(sid)
        job = self.get(sid)
        if job is not None and on and job.board is None:
            self._attach_board(sid, job)
        elif job is not None and not on and job.board is not None:
            board, job.board = job.board, None
            board.close()
        return job

    def tensorboard_zip(self, sid: str) -> Path | None:
        """A zip of this session's TensorBoard logs (up to date), or None when there are none."""
        job = self.get(sid)
        if job is not None and job.board is not None:
            job.board.update()
            job.board.flush()
        logs = self.tensorboard_dir(sid)
        if not logs.is_dir() or not any(logs.rglob("events.out.tfevents.*")):
            return None
        return Path(shutil.make_archive(str(logs), "zip", logs))  # tensorboard.zip beside tensorboard/

    def set_upload(self, sid: str, dataset: Dataset) -> None:
        """Keep ``dataset`` as this session's uploaded data (within the caps: DataError) and note the request."""
        self.uploads.keep(sid, dataset)
        self.touch(sid)

    # -- saved generators (the Playground lists them) --------------------------------------
    def saved_models(self, session_hash: str) -> dict[str, Path]:
        """Generators this browser session saved from the Train tab: name -> checkpoint folder."""
        with self._lock:
            return dict(self._saved.get(session_hash, {}))

    def add_saved_model(self, session_hash: str, name: str, path: Path) -> None:
        """Record a generator saved by this session (the Playground lists it at once)."""
        with self._lock:
            self._saved.setdefault(session_hash, {})[name] = Path(path)



def free_memory() -> None:
    """Collect freed Python objects (Keras models hold reference cycles) and hand freed heap pages
    back to the OS (glibc keeps them otherwise, so the server's RSS would never go down).
    Not keras.backend.clear_session(): that is process-wide and other sessions are training."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)
