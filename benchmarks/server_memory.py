"""Server memory with a class: RSS of the app process (from /proc) at four points.

    python benchmarks/server_memory.py [--sessions 30] [--uploads 30] [--train-seconds 6] [--max-runs 4]

Starts ``python app.py --max-runs N`` on a free 127.0.0.1 port (nothing else is contacted) and
drives it with gradio_client:

1. idle, after start-up;
2. with one MNIST training (cGAN) running for --train-seconds;
3. after --sessions sessions with distinct seeds each start an MNIST training and stop it (Reset),
   at most --max-runs at a time;
4. after --uploads sessions each upload the same ~5 MB folder of images, zipped (one request, as a
   browser sends a multi-file upload; gradio_client would send 400 files one request each), and
   the uploads stay in their sessions (all clients kept open: the worst case); then those
   clients close and their sessions free their uploads.

Prints the RSS at each point and the peak (VmHWM) over the whole run. Bounded: at most 60
sessions and 60 uploads; a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.ui_helpers import app_process, wait_for

MNIST_CGAN = ["cgan", "mnist", "non_saturating", 2e-4, 2e-4, 1, 64, 64, 0, 100000]


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process in MB (VmRSS now, VmHWM the peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not found")


def image_folder(path: Path, megabytes: float = 5.0) -> list[str]:
    """PNG files of random pixels (they do not compress) adding up to about ``megabytes``."""
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    from PIL import Image

    files, total, i = [], 0, 0
    while total < megabytes * 2**20:
        f = path / f"img{i:04d}.png"
        Image.fromarray(rng.integers(0, 255, (64, 64, 3), np.uint8)).save(f)
        files.append(str(f))
        total += f.stat().st_size
        i += 1
    return files


def connect(url: str, tries: int = 5):
    """A gradio_client Client; retried, since fetching the config can time out on a busy 2-core machine."""
    import httpx
    from gradio_client import Client

    for i in range(tries):
        try:
            return Client(url, verbose=False)
        except httpx.TimeoutException:
            if i == tries - 1:
                raise
            time.sleep(2.0)
    raise RuntimeError("unreachable")


def training_phases(url: str, train_seconds: float, sessions: int, max_runs: int,
                    note: Callable[[str], None]) -> None:
    """Phases 2 and 3: one MNIST training, then ``sessions`` seeds each starting and stopping one."""
    from gradio_client import Client

    def steps(c: Client) -> int:
        return int(c.predict(api_name="/metrics")["step"])

    def wait_steps(c: Client, n: int, timeout: float = 120) -> None:
        end = time.time() + timeout
        while steps(c) < n and time.time() < end:
            time.sleep(0.3)

    c = Client(url, verbose=False)
    c.predict(*MNIST_CGAN, api_name="/start")
    wait_steps(c, 1)
    time.sleep(train_seconds)
    note(f"2. one MNIST cGAN training ({steps(c)} steps)")
    c.predict(api_name="/reset")
    note("   ... after its Reset")

    def one_session(seed: int) -> None:
        s = connect(url)
        values = list(MNIST_CGAN)
        values[8] = seed
        for _ in range(60):  # the server may be busy (--max-runs): retry
            if "Training" in s.predict(*values, api_name="/start"):
                break
            time.sleep(1.0)
        wait_steps(s, 3)
        s.predict(api_name="/reset")

    t0 = time.time()
    threads: list[threading.Thread] = []
    for seed in range(1, sessions + 1):
        wait_for(lambda: sum(t.is_alive() for t in threads) < max_runs, timeout=600, what="a free training slot")
        t = threading.Thread(target=one_session, args=(seed,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join(timeout=600)
    note(f"3. after {sessions} sessions × distinct seeds start+stop MNIST ({time.time() - t0:.0f} s)")


def main() -> int:
    """Run the four phases and print the RSS figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=30)
    p.add_argument("--uploads", type=int, default=30)
    p.add_argument("--train-seconds", type=float, default=6.0)
    p.add_argument("--max-runs", type=int, default=4)
    p.add_argument("--uploads-only", action="store_true", help="skip the training phases (2 and 3)")
    args = p.parse_args()
    sessions, uploads = min(args.sessions, 60), min(args.uploads, 60)

    from gradio_client import Client, handle_file

    t_start = time.time()
    with app_process("--max-runs", str(args.max_runs)) as (url, proc):
        figures: list[tuple[str, float]] = []

        def note(label: str) -> None:
            time.sleep(1.0)  # let freed memory settle
            figures.append((label, rss_mb(proc.pid)))
            print(f"{label:<62} {figures[-1][1]:7.0f} MB  (peak so far {rss_mb(proc.pid, 'VmHWM'):.0f} MB)",
                  flush=True)

        Client(url, verbose=False)
        note("1. idle (after start-up)")

        if not args.uploads_only:
            training_phases(url, args.train_seconds, sessions, args.max_runs, note)

        with tempfile.TemporaryDirectory() as tmp:
            files = image_folder(Path(tmp) / "folder")
            size = sum(Path(f).stat().st_size for f in files) / 2**20
            archive = shutil.make_archive(str(Path(tmp) / "folder"), "zip", Path(tmp), "folder")
            t0 = time.time()
            kept = []  # a gradio_client Client that is dropped stops its heartbeat: its session closes
            for _ in range(uploads):
                u = connect(url)
                kept.append(u)
                message, _ = u.predict([handle_file(archive)], api_name="/upload_data")
                if "Uploaded" not in message:
                    print("upload refused:", message)
            note(f"4. after {uploads} uploads of a {size:.1f} MB folder ({len(files)} PNGs, {time.time() - t0:.0f} s)")
            for u in kept:
                u.close()  # the server sees the heartbeats end: the sessions close and drop their uploads
            kept.clear()
            time.sleep(8)
            note(f"   ... after those {uploads} sessions closed")
        peak = rss_mb(proc.pid, "VmHWM")
        print(f"{'peak RSS over the whole run (VmHWM)':<62} {peak:7.0f} MB")
        print(f"total {time.time() - t_start:.0f} s; goal ≤ 1536 MB at every point: "
              f"{'met' if max(v for _, v in figures) <= 1536 and peak <= 1536 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
