"""One projector-sized screenshot (1280×720, the window only) per Train-tab preset, taken at the step where
the event its "Watch for" note describes is on screen (issue #39; the steps from docs/lesson_seeds.md for
the preset's own seed, 0). Each preset gets a fresh page on one running app: pick the preset, ▶ Start,
wait until the status line shows the lesson's step, Pause (the picture and the status then agree), shoot,
and save ``docs/screenshots/lesson_<slug>.png`` as a small palette PNG.

Usage: python scripts/screenshot_lessons.py [--url http://127.0.0.1:7860] [--out docs/screenshots]
       [--only ring,collapse] [--list]
Start an app first, e.g. ``GANLAB_DATA_DIR=/path/to/data python app.py --port 7860 &``. Headless Debian
Chromium through Playwright (never ``playwright install``).
"""

from __future__ import annotations

import argparse
import io
import time
from dataclasses import dataclass
from pathlib import Path

from screenshot_views import CHROMIUM, CHROMIUM_ARGS, pause, pick_preset, step_shown, wait_until

WIDTH, HEIGHT = 1280, 720  # a classroom projector
COLOURS = 256  # the palette of the saved PNG: tens of KB instead of hundreds


@dataclass(frozen=True)
class Lesson:
    """A preset and the step at which its note's event is on screen."""

    preset: str
    step: int
    timeout_s: float = 240  # from Start to that step, on a busy 2-core CPU


# slug → lesson; steps: docs/lesson_seeds.md, seed 0, with a margin so the event has settled.
LESSONS: dict[str, Lesson] = {
    "ring": Lesson("Healthy: ring of 8 Gaussians", 650),  # all 8 blobs from 450; on them (not between) by ~600
    "d_too_strong": Lesson("Broken: discriminator far too strong", 150),  # stuck on 1-4 blobs from 75
    "lr_too_high": Lesson("Broken: learning rate too high", 20),  # a loss passes 10⁶ at step 7
    "collapse": Lesson("Broken: mode collapse on the ring", 300),  # the coverage alarm from step 200
    "minimax": Lesson("Compare: minimax vs non-saturating loss", 150),  # A leaves the middle by step 75-100
    "k": Lesson("Compare: k = 1 vs k = 5 (D steps per G step)", 500),  # the gap stays from 425
    "lr_d": Lesson("Compare: D learning rate 0.001 vs 0.01", 600),  # the gap stays from 475
    "batch": Lesson("Compare: batch 256 vs 16", 250),  # 100 steps of curves tell the noise apart
    "cgan": Lesson("Healthy: MNIST digits (conditional GAN)", 1000, 600),  # "within a minute or two"
    "dcgan": Lesson("Healthy: Fashion-MNIST (DCGAN, TF tutorial model)", 500, 600),  # "a few hundred steps"
    "pix2pix": Lesson("Healthy: sketch → emoji (pix2pix)", 300, 900),  # "flat colour blobs within a few hundred"
    "srgan": Lesson("Healthy: 4× super-resolution (SRGAN)", 300, 900),  # "the mse curve falls within a few hundred"
    "few_labels": Lesson("Few labels (semi-supervised)", 1500, 900),  # the GAN's classifier past the baseline
}


def small_png(png: bytes, path: Path) -> None:
    """Save a screenshot as a palette PNG (the pictures have few colours; the text stays sharp)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def shoot(browser, url: str, slug: str, out: Path) -> int:
    """Run one lesson on a fresh projector-sized page and save its screenshot; returns the step shown."""
    lesson = LESSONS[slug]
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.goto(url, timeout=180_000)
        page.get_by_role("button", name="▶ Start").wait_for(timeout=180_000)
        pick_preset(page, lesson.preset)
        page.get_by_role("button", name="▶ Start").click()
        wait_until(lambda: step_shown(page) >= lesson.step, lesson.timeout_s, f"step {lesson.step}", 0.1)
        pause(page)
        page.evaluate("() => window.scrollTo(0, 0)")
        page.wait_for_timeout(500)
        step = step_shown(page)
        path = out / f"lesson_{slug}.png"
        small_png(page.screenshot(), path)
        print(f"wrote {path}  (step {step}, {path.stat().st_size // 1024} KB): {lesson.preset}", flush=True)
        return step
    finally:
        page.close()


def main() -> None:
    """Shoot the chosen lessons (all by default) against a running app."""
    from playwright.sync_api import sync_playwright

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:7860")
    p.add_argument("--out", default="docs/screenshots")
    p.add_argument("--only", default="", help=f"comma-separated slugs of {', '.join(LESSONS)}")
    p.add_argument("--list", action="store_true", help="print the slugs, their presets and steps, and stop")
    args = p.parse_args()
    slugs = [s for s in args.only.split(",") if s] or list(LESSONS)
    unknown = [s for s in slugs if s not in LESSONS]
    if args.list or unknown:
        for slug, lesson in LESSONS.items():
            print(f"{slug:14} step {lesson.step:5}  {lesson.preset}")
        raise SystemExit(f"unknown: {', '.join(unknown)}" if unknown else 0)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for slug in slugs:
                shoot(browser, args.url, slug, out)
        finally:
            browser.close()
    print(f"{len(slugs)} screenshots in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
