"""The whole picture with browsers: N Chromium pages on the Train tab each train the ring preset and draw its
live view from ``/train/frame``; how many CPU seconds per second the server process and the browsers take,
and how fast the runs train, against the same N runs trained with nobody watching (headless).

    python benchmarks/live_view_browsers.py [--pages 4] [--seconds 30] [--warmup 15]

The app runs in this process (as the browser tests start it: tests.ui_helpers.running_app, 127.0.0.1 only);
the browsers are Debian's Chromium driven by Playwright, one context (one Gradio session) per page, at
1280×720. "server" is this process's CPU (the app, its training threads and Playwright's thin client),
"browsers" the CPU of every Chromium process started for the pages. A benchmark, not a test: the figures
depend on the machine's load, printed with them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ganlab.ui.train.form import TrainForm
from ganlab.ui.train.presets import PRESETS
from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for

RING = "Healthy: ring of 8 Gaussians"
TICK = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, int]:
    """Every process's parent, by pid (from /proc)."""
    out = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                out[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return out


def browser_cpu() -> float:
    """CPU seconds of this process's descendants named chromium (user + system)."""
    parents, mine, total = _children(), {os.getpid()}, 0.0
    changed = True
    while changed:
        grown = {p for p, parent in parents.items() if parent in mine} | mine
        changed, mine = grown != mine, grown
    for pid in mine - {os.getpid()}:
        try:
            with open(f"/proc/{pid}/stat") as f:
                text = f.read()
        except OSError:
            continue
        if "chromium" in text.split(")")[0]:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def steps(store) -> int:
    """The steps of every run on the server, together."""
    return sum(job.run.step_count for job in store.jobs().values())


def window(store, seconds: float) -> dict[str, float]:
    """CPU per second of the server process and the browsers, and steps/s of all runs, over ``seconds``."""
    s0, c0, b0, t0 = steps(store), time.process_time(), browser_cpu(), time.monotonic()
    time.sleep(seconds)
    dt = time.monotonic() - t0
    return {"server": (time.process_time() - c0) / dt, "browsers": (browser_cpu() - b0) / dt,
            "steps_per_s": (steps(store) - s0) / dt, "runs": len(store.jobs())}


def with_pages(pw, url: str, store, pages: int, warmup: float, seconds: float) -> dict[str, float]:
    """``pages`` Chromium pages each start the ring on the Train tab; the window once they all train."""
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        opened = [browser.new_context(viewport={"width": 1280, "height": 720}).new_page() for _ in range(pages)]
        for page in opened:
            page.goto(url)
            page.get_by_role("button", name="▶ Start").wait_for(timeout=120_000)
            page.get_by_label("Preset").click()
            page.get_by_role("option", name=RING).click()
            page.get_by_label("Stop after (steps)").fill("1000000")
            page.get_by_role("button", name="▶ Start").click()
        wait_for(lambda: all(p.locator("#train-canvas-view[data-frames]").count() for p in opened), timeout=300,
                 what="every page drawing its run")
        time.sleep(warmup)
        return window(store, seconds)
    finally:
        browser.close()


def headless(store, runs: int, warmup: float, seconds: float) -> dict[str, float]:
    """The same runs started on the server with no page watching."""
    config = TrainForm(**{**PRESETS[RING].form_values(), "steps": 1_000_000}).config()
    for i in range(runs):
        store.create(f"headless-{i}", config)
        store.start(f"headless-{i}")
    wait_for(lambda: all(j.run.step_count > 0 for j in store.jobs().values()), timeout=300, what="every run moving")
    time.sleep(warmup)
    return window(store, seconds)


def main() -> None:
    """Measure with pages, then headless, and print both."""
    from playwright.sync_api import sync_playwright

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pages", type=int, default=4)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--warmup", type=float, default=15.0)
    a = p.parse_args()
    with running_app(Path("/tmp") / f"live_view_browsers_{os.getpid()}", max_runs=a.pages) as (url, store):
        with sync_playwright() as pw:
            shown = with_pages(pw, url, store, a.pages, a.warmup, a.seconds)
        for sid in list(store.jobs()):
            store.release(sid)
        alone = headless(store, a.pages, a.warmup, a.seconds)
    load = os.getloadavg()[0]
    for name, r in ((f"{a.pages} pages drawing", shown), ("headless", alone)):
        print(f"{name:18s} runs {r['runs']}: server {r['server']:.2f} cores, browsers {r['browsers']:.2f} cores, "
              f"{r['steps_per_s']:.0f} steps/s in all ({a.seconds:g} s window; load average {load:.1f})", flush=True)


if __name__ == "__main__":
    main()
