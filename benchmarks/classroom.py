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
4. the teacher's run shown, the students watch the Class view as plain HTTP clients (httpx, one
   asyncio loop): each long-polls ``GET /class/frame?after=V`` and fetches the pictures a frame names
   that it has not fetched yet, as the Class tab's page does; ``--browsers`` Chromium pages open the
   Class tab too. Prints steps/s again, the RSS, and the picture age at receipt (``time.time() -
   drawn_at`` when a frame arrives): median and p95 over all frames.

Prints one line per figure. A benchmark, not a test: the figures depend on the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin

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


class Watchers:
    """``count`` students long-polling /class/frame on one asyncio loop (a thread); each notes every
    frame's age at receipt and fetches the pictures it names that it has not fetched yet."""

    def __init__(self, url: str, count: int, nice: int = 0):
        self.frame_url = url + "class/frame"
        self.count, self.nice = count, nice
        self.ages: list[float] = []  # time.time() - drawn_at per frame received (a run shown)
        self.frames = self.pictures = self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._all()), daemon=True)
        self._thread.start()

    async def _all(self) -> None:
        if self.nice and hasattr(os, "setpriority"):  # this thread only (Linux): the clients, not the server
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        limits = httpx.Limits(max_connections=self.count * 2, max_keepalive_connections=self.count * 2)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            await asyncio.gather(*(self._one(http) for _ in range(self.count)))

    async def _one(self, http: httpx.AsyncClient) -> None:
        version, fetched = -1, set()
        while not self._stop.is_set():
            try:
                r = await http.get(self.frame_url, params={"after": version, "wait": 5})
                r.raise_for_status()
                frame = r.json()
            except (httpx.HTTPError, ValueError):
                self.failed += 1
                await asyncio.sleep(1)
                continue
            received, version = time.time(), frame["version"]
            self.frames += 1
            if frame["status"] != "none":
                self.ages.append(received - frame["drawn_at"])
            for link in frame["pictures"].values():
                if link and link not in fetched:
                    fetched.add(link)
                    try:
                        (await http.get(urljoin(self.frame_url, link))).raise_for_status()
                        self.pictures += 1
                    except httpx.HTTPError:
                        self.failed += 1

    def reset(self) -> None:
        """Forget what was measured so far (the warm-up)."""
        self.ages, self.frames, self.pictures, self.failed = [], 0, 0, 0

    def close(self) -> None:
        self._stop.set()
        self._thread.join(15)


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
    ap.add_argument("--client-nice", type=int, default=0,
                    help="run the watchers' HTTP clients at this niceness (students' clients are not on the server)")
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
        watchers = Watchers(url, args.watchers, args.client_nice)
        pw, browser = browsers(url, args.browsers) if args.browsers else (None, None)
        time.sleep(5)
        watchers.reset()
        c0, b0 = cpu_s(pid), time.process_time()
        watched = speed(teacher, args.window)
        server_cpu, bench_cpu = (cpu_s(pid) - c0) / args.window, (time.process_time() - b0) / args.window
        rss1 = rss_mb(pid)
        ages = sorted(watchers.ages)
        frames, pictures, failed = watchers.frames, watchers.pictures, watchers.failed
        watchers.close()
        p95 = ages[int(0.95 * (len(ages) - 1))] if ages else float("nan")
        print(f"teacher watched by {args.watchers} HTTP clients + {args.browsers} Chromium pages: {watched:.1f} "
              f"steps/s = {100 * watched / alone:.0f}% of alone ({alone:.1f} steps/s unwatched)")
        print(f"CPU while watched: server {100 * server_cpu:.0f}% of a core, this benchmark's {args.watchers} clients "
              f"{100 * bench_cpu:.0f}% (Chromium not counted); load average {os.getloadavg()[0]:.1f}")
        print(f"{frames} frames ({frames / args.window / max(1, args.watchers):.2f} per client per s), {pictures} "
              f"pictures fetched, {failed} requests failed")
        print(f"picture age at receipt (time.time() - drawn_at), over {len(ages)} frames: median "
              f"{statistics.median(ages) if ages else float('nan'):.2f} s, p95 {p95:.2f} s")
        print(f"server RSS with the watchers: {rss1:.0f} MB (+{rss1 - rss0:.0f} MB)")
        if browser is not None:
            browser.close()
            pw.stop()


if __name__ == "__main__":
    main()
