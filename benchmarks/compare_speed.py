"""In-app speed of a comparison: the Train tab in Chromium training one run, then a "Compare:" preset's
two runs in lockstep (same page, same refresh), rounds alternating so other load hits both. Prints each
run's steps/s against one run alone. Run: python benchmarks/compare_speed.py [--preset NAME]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks.in_app_speed import open_preset
from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for


def rates(runs: list, seconds: float) -> list[float]:
    """Steps per second of each session over the same window."""
    n0, t0 = [s.step_count for s in runs], time.perf_counter()
    time.sleep(seconds)
    dt = time.perf_counter() - t0
    return [(s.step_count - n) / dt for s, n in zip(runs, n0)]


def in_app(preset: str, compare: bool, seconds: float, warmup: float) -> list[float]:
    """Steps/s of the preset's run(s) started and watched in the app in Chromium; ``compare=False``
    blanks "Compare with…" first, so the same run A trains alone."""
    from playwright.sync_api import sync_playwright

    with running_app(Path(tempfile.mkdtemp())) as (url, store), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = open_preset(browser, url, preset)
        page.get_by_label("Stop after (steps)").fill("1000000")
        page.get_by_label("Pace (steps per second)").fill("0")  # full speed: the server's speed, not the lesson's pace
        if not compare:
            page.get_by_label("Compare with… (run B differs in)").click()
            page.get_by_role("option", name="— one run —").click()
        page.get_by_role("button", name="▶ Start").click()
        job = wait_for(lambda: next((r for r in store.jobs().values() if r.active), None), timeout=60,
                       what="the run Start trains")
        assert (job.other is not None) == compare
        time.sleep(warmup)
        measured = rates(job.runs, seconds)
        page.get_by_role("button", name="Reset").click()
        browser.close()
    return measured


def main() -> None:
    """Alternate one-run and comparison rounds; print steps/s of each run and the share of one alone."""
    p = argparse.ArgumentParser()
    p.add_argument("--preset", default="Compare: minimax vs non-saturating loss")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--warmup", type=float, default=8.0)
    args = p.parse_args()
    alone, pairs = [], []
    for i in range(args.rounds):
        alone.append(in_app(args.preset, False, args.seconds, args.warmup)[0])
        pairs.append(in_app(args.preset, True, args.seconds, args.warmup))
        print(f"round {i + 1}: one run {alone[-1]:.0f} steps/s; comparison A {pairs[-1][0]:.0f}, "
              f"B {pairs[-1][1]:.0f} steps/s", flush=True)
    one = sum(alone) / len(alone)
    a, b = (sum(p[i] for p in pairs) / len(pairs) for i in (0, 1))
    print(f"{args.preset} in the app (Chromium open, 2 Hz refresh): one run {one:.0f} steps/s; comparison "
          f"A {a:.0f} and B {b:.0f} steps/s each = {100 * a / one:.0f}% of one run alone, {100 * (a + b) / one:.0f}% "
          "of its steps in all")


if __name__ == "__main__":
    main()
