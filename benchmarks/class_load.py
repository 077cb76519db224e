"""Class load: N students train the ring preset on one server at once; how fast each one trains.

    python benchmarks/class_load.py [--students 30] [--max-runs M] [--seconds 30] [--warmup 10]
                                    [--steps 1000000] [--give-up 60] [--poll 0.5] [--no-engine]

Starts ``python app.py --host 127.0.0.1 --port P`` (``--max-runs M`` only when given, so that without it the
app's own default limit is what is measured; $GANLAB_DATA_DIR defaults to ../shared/data beside the repository)
and drives it with gradio_client, nothing but 127.0.0.1 contacted:

1. one student alone on the fresh server, then its Reset;
2. the class: ``--students`` students, each a gradio_client Client (its own session) in its own thread, pick
   "Healthy: ring of 8 Gaussians" (``/preset``), raise "Stop after (steps)" to ``--steps`` and press Start
   (``/start``) together.

Each student polls ``/metrics`` every ``--poll`` s until its first step (giving up ``--give-up`` s after
Start); ``--warmup`` s after the last first step, every student reads its step count at the start and end of
one ``--seconds`` window. Prints the machine, the one student alone, the class's median, slowest and fastest
student, its total, the refused and the not moving, Start → first step, the server's RSS and CPU.

The students call the API only: no page streams their live view, and ``/preset`` does not compile the run
ahead of Start as a page's preset pick does. A benchmark, not a test: the figures depend on the machine's load.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ganlab.server.limits import ENGINE_MAX_RUNS, MAX_RUNS
from tests.ui_helpers import REPO, app_process, preset_form, wait_for

PRESET = "Healthy: ring of 8 Gaussians"
MOVING_S = 2.0  # a student whose first step comes later than this after Start counts as not moving
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Window:
    """The measuring window all students share: opened, then closed, by the main thread."""

    opened: threading.Event = field(default_factory=threading.Event)
    closed: threading.Event = field(default_factory=threading.Event)


@dataclass
class Student:
    """One student: a gradio_client session that starts the ring preset and notes how fast it trains."""

    url: str
    steps: int
    client: Any = None
    form: list = field(default_factory=list)
    refused: str | None = None  # the refusal or the error, if Start did not train
    start_s: float | None = None  # how long /start took to answer
    first_step_s: float | None = None  # Start → the first step > 0 seen through /metrics
    rate: float | None = None  # steps/s over the window
    error: str | None = None  # what went wrong while measuring, if anything
    settled: threading.Event = field(default_factory=threading.Event)  # refused, stepped, or gave up

    def connect(self, tries: int = 5) -> None:
        """Open the session and fill the form from the preset, with the step limit raised."""
        import httpx
        from gradio_client import Client

        for i in range(tries):  # fetching the config can time out while the server is busy
            try:  # plain HTTP to 127.0.0.1: with ssl_verify each call's new httpx client loads the CA bundle,
                # ~36 ms of CPU per call taken from the server on the same cores
                self.client = Client(self.url, verbose=False, analytics_enabled=False, download_files=False,
                                     ssl_verify=False, httpx_kwargs={"timeout": 120})
                break
            except httpx.TimeoutException as e:
                if i == tries - 1:
                    self.refused = f"could not connect: {type(e).__name__}: {e}"[:160]
                    return
                time.sleep(2.0)
        values = preset_form(self.client, PRESET)
        values["steps"] = self.steps
        values["speed"] = 0  # full speed: the benchmark measures what the server can give, not the lesson's pace
        self.form = list(values.values())

    def step(self) -> tuple[int, float]:
        """The run's step count from /metrics, and when it was read (the middle of the call)."""
        t0 = time.monotonic()
        step = int(self.client.predict(api_name="/metrics")["step"])
        return step, (t0 + time.monotonic()) / 2

    def start(self) -> float:
        """Press Start; note a refusal (busy, or an error). Returns when Start was pressed."""
        t0 = time.monotonic()
        try:
            status = str(self.client.predict(*self.form, api_name="/start"))
        except Exception as e:  # a refusal may come as an error: it is counted, not hidden
            status = f"{type(e).__name__}: {e}"
        self.start_s = time.monotonic() - t0
        if not status.startswith("Training"):
            self.refused = " ".join(status.split())[:160]
        return t0

    def first_step(self, t0: float, give_up: float, poll: float) -> None:
        """Poll /metrics until the first step (or ``give_up`` s after Start)."""
        while time.monotonic() - t0 < give_up:
            step, _ = self.step()
            if step > 0:
                self.first_step_s = time.monotonic() - t0
                return
            time.sleep(poll)

    def run(self, go: threading.Barrier, window: Window, give_up: float, poll: float, deadline: float) -> None:
        """Start together with the others, wait for the first step, measure over the shared window."""
        try:
            go.wait()
            if self.refused is None:
                t0 = self.start()
            if self.refused is None:
                self.first_step(t0, give_up, poll)
        except Exception as e:
            self.refused = self.refused or f"{type(e).__name__}: {e}"[:160]
        finally:
            self.settled.set()
        if self.refused is not None or not window.opened.wait(deadline):
            return
        try:
            s0, t_0 = self.step()
            if window.closed.wait(deadline):
                s1, t_1 = self.step()
                self.rate = (s1 - s0) / (t_1 - t_0)
        except Exception as e:
            self.error = f"{type(e).__name__} while measuring: {e}"[:160]

    def close(self) -> None:
        """Reset the run and end the session (a failure here is not the benchmark's)."""
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.predict(api_name="/reset")
            self.client.close()


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int, peak: bool = False) -> float:
    """Resident memory of a process in MB (psutil if installed, else /proc; ``peak``: VmHWM from /proc)."""
    if not peak:
        try:
            import psutil
        except ImportError:
            pass
        else:
            return psutil.Process(pid).memory_info().rss / 2**20
    key = "VmHWM:" if peak else "VmRSS:"
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return float("nan")


def settle(pid: int, timeout: float = 180.0) -> float:
    """Wait until the server's warm-up at launch is over (under 0.1 core for 1 s); return the seconds waited."""
    t0 = time.monotonic()

    def idle() -> bool:
        """Whether the server used under a tenth of a core over the next second."""
        c0 = cpu_s(pid)
        time.sleep(1.0)
        return cpu_s(pid) - c0 < 0.1

    wait_for(idle, timeout=timeout, what="the server to idle after its warm-up", every=0.0)
    return time.monotonic() - t0


def connect_all(url: str, n: int, steps: int) -> list[Student]:
    """``n`` students with their forms filled (a few at a time, so connecting is not what is measured)."""
    from concurrent.futures import ThreadPoolExecutor

    students = [Student(url, steps) for _ in range(n)]
    with ThreadPoolExecutor(min(n, 4)) as pool:
        list(pool.map(lambda s: s.connect(), students))
    return students


def run_class(url: str, pid: int, n: int, args: argparse.Namespace) -> tuple[list[Student], dict[str, float]]:
    """``n`` students press Start together; returns them (rates filled) and the server's CPU, RSS and timing."""
    students = connect_all(url, n, args.steps)
    go, window = threading.Barrier(n + 1, timeout=300), Window()
    limit = args.give_up + args.warmup + args.seconds + 300  # no wait of a student's outlasts the run
    threads = [threading.Thread(target=s.run, args=(go, window, args.give_up, args.poll, limit), daemon=True)
               for s in students]
    for t in threads:
        t.start()
    go.wait()
    t_go = time.monotonic()
    wait_for(lambda: all(s.settled.is_set() for s in students), timeout=args.give_up + 300, what="every Start",
             every=0.2)
    time.sleep(args.warmup)
    c0, b0, t0 = cpu_s(pid), time.process_time(), time.monotonic()
    window.opened.set()
    time.sleep(args.seconds)
    window.closed.set()
    wall = time.monotonic() - t0
    server = {"cores": (cpu_s(pid) - c0) / wall, "bench": (time.process_time() - b0) / wall, "rss": rss_mb(pid),
              "peak": rss_mb(pid, peak=True), "settled_s": t0 - args.warmup - t_go}
    for t in threads:
        t.join(timeout=limit)
    return students, server


def machine() -> list[str]:
    """Lines about the machine and the code: CPU, flags, date, commit, load."""
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=30).stdout
    info = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
    flags = set(info.get("Flags", "").split())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO,
                            timeout=30).stdout.strip()
    marks = ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in ("avx512f", "avx512_bf16"))
    return [f"CPU: {info.get('Model name', '?').strip()} ({os.cpu_count()} cores); {marks}",
            f"date {datetime.datetime.now().isoformat(timespec='seconds')}, commit {commit or '?'}, "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"]


def median(values: list[float]) -> float:
    """The median, NaN for none."""
    return statistics.median(values) if values else float("nan")


def report(alone: list[Student], solo: dict[str, float], students: list[Student], server: dict[str, float],
           args: argparse.Namespace) -> None:
    """Print the class's figures against the one student alone (``solo``, ``server``: the server's figures)."""
    one = alone[0].rate or float("nan")
    rates = [s.rate for s in students if s.rate is not None]
    started = [s for s in students if s.refused is None]
    firsts = [s.first_step_s for s in started if s.first_step_s is not None]
    starts = [s.start_s for s in started if s.start_s is not None]
    total = sum(rates)
    late = sum(s.first_step_s is None or s.first_step_s > MOVING_S for s in started)
    never = sum(s.first_step_s is None for s in started)
    stalled = sum(r == 0 for r in rates)
    print(f"one student alone: {one:.1f} steps/s (Start → first step {alone[0].first_step_s or float('nan'):.1f} s; "
          f"server CPU {solo['cores']:.2f} cores, RSS {solo['rss']:.0f} MB)")
    print(f"class of {len(students)}: {len(rates)} measured; median {median(rates):.1f} steps/s, slowest "
          f"{min(rates, default=float('nan')):.1f}, fastest {max(rates, default=float('nan')):.1f}")
    print(f"class total: {total:.1f} steps/s = {total / one:.2f} × one student alone")
    print(f"refused: {len(students) - len(started)} of {len(students)}; not moving: {late} without a step within "
          f"{MOVING_S:g} s of Start, {never} without any within {args.give_up:g} s; {stalled} made no step in "
          f"the window")
    print(f"Start → first step (over {len(firsts)}): median {median(firsts):.1f} s, max "
          f"{max(firsts, default=float('nan')):.1f} s; /start answered in median {median(starts):.1f} s, max "
          f"{max(starts, default=float('nan')):.1f} s; the last student settled {server['settled_s']:.0f} s "
          "after Start")
    print(f"server: RSS {server['rss']:.0f} MB at the end of the window (peak {server['peak']:.0f} MB), "
          f"CPU {server['cores']:.2f} cores over the window (this benchmark's clients {server['bench']:.2f}); "
          "load average now "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for kind, reasons in (("refused", {s.refused for s in students if s.refused}),
                          ("error", {s.error for s in students if s.error})):
        for reason in sorted(reasons)[:3]:
            print(f"  {kind}: {reason}")


def main() -> None:
    """Start the app, measure one student alone, then the class, and print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--max-runs", type=int, default=None, help="passed to app.py (default: the app's default)")
    p.add_argument("--seconds", type=float, default=30.0, help="the measuring window")
    p.add_argument("--warmup", type=float, default=10.0, help="seconds after the last first step before it")
    p.add_argument("--steps", type=int, default=1_000_000, help="the step limit each student's run asks for")
    p.add_argument("--give-up", type=float, default=60.0, help="seconds after Start a first step is awaited")
    p.add_argument("--poll", type=float, default=0.5, help="seconds between /metrics calls before the first step")
    p.add_argument("--engine", action=argparse.BooleanOptionalAction, default=True,
                   help="the app's shared engine (the default); --no-engine: a thread per run (GANLAB_ENGINE=0)")
    args = p.parse_args()
    os.environ["GANLAB_ENGINE"] = "1" if args.engine else "0"  # app_process passes the environment on
    if not 1 <= args.students <= 64:
        raise SystemExit("--students: 1 to 64")
    os.environ.setdefault("GANLAB_DATA_DIR", str(REPO.parent / "shared" / "data"))
    app_args = ["--max-runs", str(args.max_runs)] if args.max_runs is not None else []
    default = ENGINE_MAX_RUNS if os.environ.get("GANLAB_ENGINE") == "1" else MAX_RUNS  # app.py's own default
    limit = args.max_runs or os.environ.get("GANLAB_MAX_RUNS", f"{default}")
    for line in machine():
        print(line, flush=True)
    print(f"{args.students} students × {PRESET!r}, steps {args.steps:,}; max runs {limit}"
          f"{'' if args.max_runs else ' (the app default)'}; window {args.seconds:g} s after {args.warmup:g} s; "
          f"engine {'on' if os.environ.get('GANLAB_ENGINE') == '1' else 'off'}",
          flush=True)
    with app_process(*app_args) as (url, proc):
        print(f"server idle {settle(proc.pid):.0f} s after it answered", flush=True)
        alone, solo = run_class(url, proc.pid, 1, args)
        for s in alone:
            s.close()
        print(f"(one student alone measured: {alone[0].rate or float('nan'):.1f} steps/s)", flush=True)
        students, server = run_class(url, proc.pid, args.students, args)
        report(alone, solo, students, server, args)
        for s in students:
            s.close()


if __name__ == "__main__":
    main()
