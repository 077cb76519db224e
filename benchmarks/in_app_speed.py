"""In-app vs headless training speed: DCGAN (TF tutorial model) on MNIST, batch 64, or (``--preset
ring``) the vanilla GAN on the ring, batch 256, where fused calls run many steps each.

Headless: a TrainingRun stepping in a thread. In-app: the same training started from the Train
tab in Debian's Chromium (Playwright), with the page open and refreshing twice a second. Rounds
alternate (A, B, A, B) so other load on the machine hits both. Run: python benchmarks/in_app_speed.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from ganlab.config import TrainConfig
from ganlab.train.run import TrainingRun
from ganlab.ui.train.presets import PRESETS
from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for

# --preset: (Train-tab preset, dataset typed over it, what the rows say)
CHOICES = {"dcgan": ("Healthy: Fashion-MNIST (DCGAN, TF tutorial model)", "mnist", "DCGAN on MNIST, batch 64"),
           "ring": ("Healthy: ring of 8 Gaussians", "ring", "vanilla GAN on the ring, batch 256")}


def config_for(choice: str) -> TrainConfig:
    """The headless twin of what the Train tab runs for that preset (the dataset typed over it)."""
    preset, dataset, _ = CHOICES[choice]
    fields = {**PRESETS[preset].settings, "dataset": dataset, "steps": 10**6, "speed": 0}  # full speed
    return TrainConfig(**fields)


def rate_of(session: TrainingRun, seconds: float) -> float:
    """Steps per second of a running session over a window."""
    n0, t0 = session.step_count, time.perf_counter()
    time.sleep(seconds)
    return (session.step_count - n0) / (time.perf_counter() - t0)


def headless(choice: str, seconds: float, warmup: float = 5.0) -> float:
    """Steps/s of a TrainingRun in a background thread, nobody watching."""
    s = TrainingRun(config_for(choice))
    worker = threading.Thread(target=lambda: [None for _ in s.run()], daemon=True)
    worker.start()
    time.sleep(warmup)
    rate = rate_of(s, seconds)
    s.stop()
    worker.join(60)
    if worker.is_alive():
        raise RuntimeError("the headless training did not stop within 60 s")
    return rate


def open_preset(browser, url: str, preset: str):
    """A new 1400×1000 page of the app with the Train tab's preset picked."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.get_by_label("Preset").click()
    page.get_by_role("option", name=preset).click()
    time.sleep(1)
    return page


def in_app(choice: str, seconds: float, warmup: float = 8.0, layers: bool = True) -> float:
    """Steps/s of the same training started and watched in the app in Chromium (2D runs: with every
    layer of the 2D view on, or with all of them unticked)."""
    preset, dataset, _ = CHOICES[choice]
    expected = config_for(choice)
    from playwright.sync_api import sync_playwright

    with running_app(Path(tempfile.mkdtemp())) as (url, store), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = open_preset(browser, url, preset)
        page.get_by_label("Dataset").fill(dataset)
        page.get_by_label("Dataset").press("Enter")
        page.get_by_label("Stop after (steps)").fill("1000000")
        page.get_by_label("Pace (steps per second)").fill("0")  # full speed: the server's speed, not the lesson's
        if not layers:
            from ganlab.ui.train.view_2d import LAYERS

            for label in LAYERS.values():
                page.locator("#train-layers").get_by_label(label).uncheck()
        page.get_by_role("button", name="▶ Start").click()
        job = wait_for(lambda: next((r for r in store._runs.values() if r.active), None), timeout=60,
                       what="the run Start trains (not the one prepared when the page opened)")
        got = job.run.config
        assert (got.model, got.dataset, got.batch_size) == (expected.model, expected.dataset, expected.batch_size)
        time.sleep(warmup)
        rate = rate_of(job.run, seconds)
        page.get_by_role("button", name="Reset").click()
        browser.close()
    return rate


def main() -> None:
    """Alternate headless and in-app rounds and print both speeds and their ratio."""
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=25)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--preset", choices=sorted(CHOICES), default="dcgan")
    p.add_argument("--warmup", type=float, default=8.0,
                   help="seconds after Start before the in-app window (the page's first load also computes "
                        "the Playground's directions and compiles its samplers)")
    p.add_argument("--layers", action="store_true",
                   help="2D presets: compare the app with every layer of the 2D view on against all off")
    args = p.parse_args()
    if args.layers:
        return compare_layers(args)
    a, b = [], []
    for i in range(args.rounds):
        a.append(headless(args.preset, args.seconds))
        b.append(in_app(args.preset, args.seconds, args.warmup))
        print(f"round {i + 1}: headless {a[-1]:.2f} steps/s, in-app {b[-1]:.2f} steps/s", flush=True)
    ha, ib = sum(a) / len(a), sum(b) / len(b)
    print(f"{CHOICES[args.preset][2]}: headless {ha:.2f} steps/s, in-app (Chromium open, 2 Hz refresh) "
          f"{ib:.2f} steps/s -> in-app is {100 * ib / ha:.0f}% of headless")


def compare_layers(args: argparse.Namespace) -> None:
    """Alternate in-app rounds with every 2D layer on and with all off; print both and their ratio."""
    on, off = [], []
    for i in range(args.rounds):
        off.append(in_app(args.preset, args.seconds, args.warmup, layers=False))
        on.append(in_app(args.preset, args.seconds, args.warmup, layers=True))
        print(f"round {i + 1}: layers off {off[-1]:.1f} steps/s, all layers on {on[-1]:.1f} steps/s", flush=True)
    a, b = sum(off) / len(off), sum(on) / len(on)
    print(f"{CHOICES[args.preset][2]} in the app: layers off {a:.1f} steps/s, all on {b:.1f} steps/s "
          f"-> {100 * b / a:.0f}% with every layer on")


if __name__ == "__main__":
    main()
