"""Screenshots of the Train tab's "Is it copying?" accordion, an InfoGAN projection and the Playground's
projection (issue #28), in headless Debian Chromium with Playwright.

    python scripts/screenshot_copying.py [--out docs/screenshots] [--train-seconds 90]

Serves the Playground tab and the Train tab here. In the Playground it draws a 4 and projects it
(project.png), then draws one in the InfoGAN panel's "Start from a picture" (project_infogan.png). In
the Train tab it picks the MNIST cGAN preset, trains for ``--train-seconds``, pauses, and searches
the nearest training images of the first three samples (train_nearest.png). Each step waits for its
answer and prints what the page shows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.screenshot_project import ARGS, CHROMIUM, DECODED, project, serve, stroke


def wide_shot(page, path: Path, *selectors: str, pad: int = 12) -> None:
    """A screenshot of the page's full width (1400 px) over the elements' height."""
    sy = page.evaluate("() => window.scrollY")
    boxes = [page.locator(s).first.bounding_box() for s in selectors]
    y0 = max(min(b["y"] for b in boxes) - pad + sy, 0)
    y1 = max(b["y"] + b["height"] for b in boxes) + pad + sy
    width = page.viewport_size["width"]
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": y0, "width": width, "height": y1 - y0})
    print(f"wrote {path}")


def serve_train() -> tuple[str, object]:
    """The Train tab on a local port with its own SessionStore; (url, demo)."""
    import gradio as gr

    from ganlab.server.store import SessionStore
    from ganlab.ui.app import launch
    from ganlab.ui.train import tab as train_tab

    store = SessionStore(max_runs=2, root=Path(tempfile.mkdtemp(prefix="ganlab-shots-")))
    with gr.Blocks() as demo, gr.Tab("Train"):
        train_tab.lay_out(store)
    demo.queue()
    _, url, _ = launch(demo, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    return url, demo


def draw_four_on(page, canvas: str) -> None:
    """A 4 in two strokes on the Sketchpad ``canvas`` (a CSS id)."""
    page.wait_for_function(f"() => !/select the draw tool/i.test(document.querySelector('{canvas}').innerText)",
                           timeout=20_000)
    box = page.locator(f"{canvas} canvas").first.bounding_box()
    x, y, s = box["x"], box["y"], min(box["width"], box["height"])
    x += (box["width"] - s) / 2
    stroke(page, [(x + 0.42 * s, y + 0.2 * s), (x + 0.3 * s, y + 0.55 * s), (x + 0.72 * s, y + 0.55 * s)])
    stroke(page, [(x + 0.62 * s, y + 0.25 * s), (x + 0.62 * s, y + 0.5 * s), (x + 0.62 * s, y + 0.85 * s)])


def infogan(page, out: Path) -> None:
    """Open the InfoGAN panel and its "Start from a picture", draw, project, wait for the report."""
    page.get_by_text("InfoGAN: codes that mean something").click()
    page.get_by_text("Start from a picture: which category and codes draw it?").click()
    page.locator("#ig-project-canvas canvas").first.wait_for(state="visible", timeout=30_000)
    page.locator("#ig-project").scroll_into_view_if_needed()
    draw_four_on(page, "#ig-project-canvas")
    page.locator("#ig-project-go").click()
    page.wait_for_function("() => document.querySelector('#ig-project-report').innerText.includes('closest')",
                           timeout=180_000)
    page.wait_for_function(DECODED, arg="#ig-project-result img", timeout=30_000)
    time.sleep(3)  # the panel's sample and figure redraw from the found z and codes
    print(page.locator("#ig-project-report").inner_text())
    page.wait_for_function(DECODED, arg="#ig-panel img", timeout=30_000)
    wide_shot(page, out / "project_infogan.png", "#ig-panel", "#ig-project")


def train_nearest(page, out: Path, seconds: float) -> None:
    """Pick the MNIST cGAN preset, train, pause, search the first three samples' nearest images."""
    page.get_by_label("Preset").first.click()
    page.get_by_role("option", name="Healthy: MNIST digits (conditional GAN)").click()
    time.sleep(3)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_function("() => /Step \\d+/.test(document.querySelector('#train-status').innerText)",
                           timeout=180_000)
    time.sleep(seconds)
    page.get_by_role("button", name="Pause").click()
    time.sleep(3)
    print(page.locator("#train-status").inner_text())
    page.get_by_text("Is it copying? Nearest training images of this run's samples").click()
    page.locator("#train-nearest-count input[type=number]").fill("3")
    page.locator("#train-nearest-count input[type=number]").press("Enter")
    page.locator("#train-nearest-go").click()
    page.wait_for_function("() => document.querySelector('#train-nearest-text').innerText.includes('per search')",
                           timeout=180_000)
    page.wait_for_function(DECODED, arg="#train-nearest-img img", timeout=30_000)
    print(page.locator("#train-nearest-text").inner_text())
    page.locator("#train-nearest").scroll_into_view_if_needed()
    wide_shot(page, out / "train_nearest.png", "#train-nearest")


def main() -> None:
    """Take the three screenshots."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="docs/screenshots")
    ap.add_argument("--train-seconds", type=float, default=90)
    ap.add_argument("--skip", nargs="*", default=[], choices=["project", "infogan", "train"])
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        if {"project", "infogan"} - set(args.skip):
            url, demo = serve()
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1100})
                page.goto(url)
                page.wait_for_function(DECODED, arg="#pg-image img", timeout=90_000)
                if "project" not in args.skip:
                    project(page, out)
                if "infogan" not in args.skip:
                    infogan(page, out)
            finally:
                demo.close()
        if "train" not in args.skip:
            url, demo = serve_train()
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1100})
                page.goto(url)
                time.sleep(5)
                train_nearest(page, out, args.train_seconds)
            finally:
                demo.close()
        browser.close()


if __name__ == "__main__":
    main()
