"""Teacher mode with a class: the teacher's training speed while 30 students watch, the pictures'
age, the server's memory, and the wall's CPU cost.

    python benchmarks/classroom.py [--watchers 30] [--browsers 3] [--window 20]

Starts ``python app.py --max-runs 40`` in teacher mode on a free 127.0.0.1 port (nothing else is
contacted) and drives it:

1. ``--watchers`` student sessions (gradio_client) each take one Step of the ring preset: 30 runs
   with frames, for the wall;
2. the wall's cost: the server's CPU time over ``--window`` seconds idle, then over the same time
   with the signed-in teacher asking for the wall every 2 s and fetching its thumbnails (as the
   teacher's page does);
3. the teacher trains the ring (no watchers) for ``--window`` s: steps/s, the server's RSS;
4. the teacher's run shown, the students stream the Class view (``/class_watch``; each fetches every
   new 2D view as a browser does) and ``--browsers`` Chromium pages open the Class tab: steps/s
   again, the RSS, and each watcher's picture age: how old (since drawn on the server) the picture
   on its screen is just before the next one replaces it, p95 over all updates.

Prints one line per figure. A benchmark, not a test: the figures depend on the machine's load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, api_client, app_process, wait_for

PASSWORD = "benchmark-teacher"
RING = ["vanilla", "ring", "non_saturating", 1e-3, 1e-3, 1, 256, 8, 0, 1_000_000, None, None]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def speed(teacher, window: float) -> float:
    """The teacher's steps per second over ``window`` seconds (two /class_view reads)."""
    s0, t0 = teacher.predict(api_name="/class_view")["step"], time.monotonic()
    time.sleep(window)
    s1, t1 = teacher.predict(api_name="/class_view")["step"], time.monotonic()
    return (s1 - s0) / (t1 - t0)


def file_url(url: str, value) -> str | None:
    """The URL a browser fetches for an image output (a FileData dict or a path)."""
    if isinstance(value, dict):
        return value.get("url") or (url + "gradio_api/file=" + value["path"] if value.get("path") else None)
    return None


class Watcher:
    """One student streaming the Class view; notes when each new picture arrived and when it was drawn."""

    def __init__(self, url: str):
        from gradio_client import Client

        self.url = url
        self.client = Client(url, verbose=False, download_files=False, httpx_kwargs={"timeout": 180})
        self.http = httpx.Client(timeout=30)
        self.seen: list[tuple[float, float]] = []  # (received, drawn) per new snapshot
        self.job = self.client.submit(api_name="/class_watch")
        self._count = 0
        self.failed = 0  # pictures whose fetch failed

    def poll(self) -> None:
        """Note the updates that arrived since the last poll; fetch the newest picture."""
        outputs = self.job.outputs()
        if len(outputs) == self._count:
            return
        now = time.time()
        self._count = len(outputs)
        picture, stamp = outputs[-1][2], outputs[-1][-1]
        if isinstance(stamp, dict) and stamp.get("status") != "none":
            link = file_url(self.url, picture)
            if link:
                try:
                    self.http.get(link)
                except httpx.HTTPError:
                    self.failed += 1
            self.seen.append((now, float(stamp["drawn"])))

    def ages(self) -> list[float]:
        """Per update: how old its picture was when the next one replaced it."""
        return [nxt[0] - cur[1] for cur, nxt in zip(self.seen, self.seen[1:])]

    def close(self) -> None:
        self.job.cancel()
        self.client.close()
        self.http.close()


def wall_cost(url: str, pid: int, teacher, window: float) -> tuple[float, float]:
    """Server CPU seconds per second: idle, then with the teacher's wall every 2 s (thumbnails fetched)."""
    c0 = cpu_s(pid)
    time.sleep(window)
    idle = (cpu_s(pid) - c0) / window
    http, end, c0 = httpx.Client(timeout=30), time.monotonic() + window, cpu_s(pid)
    t0, tiles = time.monotonic(), 0
    while time.monotonic() < end:
        tick = time.monotonic()
        gallery, _ = teacher.predict("alarms first", False, api_name="/class_wall")
        for item in gallery:
            link = file_url(url, item["image"]) if isinstance(item.get("image"), dict) else None
            if link:
                http.get(link)
        tiles = len(gallery)
        time.sleep(max(0.0, 2.0 - (time.monotonic() - tick)))
    busy = (cpu_s(pid) - c0) / (time.monotonic() - t0)
    http.close()
    print(f"wall: {tiles} thumbnails")
    return idle, busy


def browsers(url: str, count: int):
    """``count`` Chromium pages on the Class tab (returns the playwright handle and browser)."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    for _ in range(count):
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(url)
        page.get_by_role("tab", name="Class", exact=True).click()
    return pw, browser


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--watchers", type=int, default=30)
    ap.add_argument("--browsers", type=int, default=3)
    ap.add_argument("--window", type=float, default=20.0)
    ap.add_argument("--no-wall", action="store_true", help="skip steps 1-2 (the students' runs and the wall)")
    args = ap.parse_args()
    os.environ["GANLAB_TEACHER_PASSWORD"] = PASSWORD
    with app_process("--max-runs", str(args.watchers + 4)) as (url, proc):
        pid = proc.pid
        teacher = api_client(url)
        teacher.predict(PASSWORD, api_name="/class_sign_in")
        if not args.no_wall:
            students = [api_client(url) for _ in range(args.watchers)]
            t0 = time.monotonic()
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda c: c.predict(*RING, api_name="/step"), students))
            print(f"{args.watchers} student runs made (one Step each) in {time.monotonic() - t0:.0f} s")
            idle, busy = wall_cost(url, pid, teacher, args.window)
            print(f"wall cost: server CPU {100 * idle:.1f}% of a core idle, {100 * busy:.1f}% with the wall: "
                  f"+{100 * (busy - idle):.1f}% of a core = {100 * (busy - idle) / os.cpu_count():.1f}% of the "
                  f"{os.cpu_count()} cores")
        teacher.predict(*RING, api_name="/start")
        teacher.predict(api_name="/class_show_mine")
        wait_for(lambda: teacher.predict(api_name="/class_view")["step"] > 200, timeout=300, what="training")
        alone, rss0 = speed(teacher, args.window), rss_mb(pid)
        print(f"teacher alone: {alone:.1f} steps/s, server RSS {rss0:.0f} MB")
        watchers = [Watcher(url) for _ in range(args.watchers)]
        stop = threading.Event()

        def poll_all() -> None:
            while not stop.is_set():
                for w in watchers:
                    w.poll()
                time.sleep(0.05)

        poller = threading.Thread(target=poll_all, daemon=True)
        poller.start()
        pw, browser = browsers(url, args.browsers) if args.browsers else (None, None)
        time.sleep(5)
        c0, b0 = cpu_s(pid), time.process_time()
        watched = speed(teacher, args.window)
        server_cpu, bench_cpu = (cpu_s(pid) - c0) / args.window, (time.process_time() - b0) / args.window
        rss1 = rss_mb(pid)
        stop.set()
        poller.join()
        ages = sorted(a for w in watchers for a in w.ages())
        p95 = ages[int(0.95 * (len(ages) - 1))] if ages else float("nan")
        worst = [max(w.ages(), default=float("nan")) for w in watchers]
        print(f"teacher watched by {args.watchers} clients + {args.browsers} Chromium pages: {watched:.1f} steps/s "
              f"= {100 * watched / alone:.0f}% of alone")
        print(f"CPU while watched: server {100 * server_cpu:.0f}% of a core, this benchmark's 30 clients "
              f"{100 * bench_cpu:.0f}% (Chromium not counted); load average {os.getloadavg()[0]:.1f}")
        print(f"picture age (just before replaced), over {len(ages)} updates: median "
              f"{statistics.median(ages) if ages else float('nan'):.2f} s, p95 {p95:.2f} s, worst watcher's max "
              f"{max(worst):.2f} s")
        print(f"server RSS with the watchers: {rss1:.0f} MB (+{rss1 - rss0:.0f} MB); "
              f"{sum(w.failed for w in watchers)} picture fetches failed")
        for w in watchers:
            w.close()
        if browser is not None:
            browser.close()
            pw.stop()


if __name__ == "__main__":
    main()
