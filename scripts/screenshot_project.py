"""Screenshots of the Playground's "start from a picture", "nearest training images" and "named
directions" panels (issue #28), taken in headless Debian Chromium with Playwright.

    python scripts/screenshot_project.py [--out docs/screenshots] [--url http://127.0.0.1:7860/]

Without --url it serves the Playground tab itself. It draws a digit on the canvas with the mouse,
projects it, finds the nearest training images of the result, and applies the shipped "thickness"
direction to 8 seeds; each step waits for its answer and prints what the page shows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
DECODED = "(sel) => { const i = document.querySelector(sel); return i && i.complete && i.naturalWidth > 0; }"


def serve() -> tuple[str, object]:
    """The Playground tab on a local port; (url, demo)."""
    import gradio as gr

    from ganlab.ui.app import launch
    from ganlab.ui.playground import tab as playground_tab

    with gr.Blocks() as demo, gr.Tab("Playground"):
        playground_tab.lay_out(None)
    demo.queue()
    _, url, _ = launch(demo, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    return url, demo


def stroke(page, points) -> None:
    """One mouse stroke through ``points`` (few points: the canvas is drawn in software, ~0.4 s a move)."""
    page.mouse.move(*points[0])
    page.mouse.down()
    for p in points[1:]:
        page.mouse.move(*p)
    page.mouse.up()


def shot(page, path: Path, *selectors: str, pad: int = 12) -> None:
    """A screenshot of the union of the elements' boxes (page coordinates)."""
    sx, sy = page.evaluate("() => [window.scrollX, window.scrollY]")  # boxes are relative to the viewport
    boxes = [page.locator(s).first.bounding_box() for s in selectors]
    x0, y0 = min(b["x"] for b in boxes) - pad + sx, min(b["y"] for b in boxes) - pad + sy
    x1 = max(b["x"] + b["width"] for b in boxes) + pad + sx
    y1 = max(b["y"] + b["height"] for b in boxes) + pad + sy
    page.screenshot(path=str(path), full_page=True,
                    clip={"x": max(x0, 0), "y": max(y0, 0), "width": x1 - max(x0, 0), "height": y1 - max(y0, 0)})
    print(f"wrote {path}")


def draw_a_four(page) -> None:
    """A thick 4 in three strokes on the projection canvas."""
    page.wait_for_function("() => !/select the draw tool/i.test(document.querySelector('#pg-project-canvas')"
                           ".innerText)", timeout=20_000)
    box = page.locator("#pg-project-canvas canvas").first.bounding_box()
    x, y, s = box["x"], box["y"], min(box["width"], box["height"])
    x += (box["width"] - s) / 2  # the drawing area is square, centred in the canvas element
    stroke(page, [(x + 0.42 * s, y + 0.2 * s), (x + 0.3 * s, y + 0.55 * s), (x + 0.72 * s, y + 0.55 * s)])
    stroke(page, [(x + 0.62 * s, y + 0.25 * s), (x + 0.62 * s, y + 0.5 * s), (x + 0.62 * s, y + 0.85 * s)])


def project(page, out: Path) -> None:
    """Open the panel, draw, project, wait for the report and the Playground's new picture."""
    page.get_by_text("Start from a picture: can G draw this?").click()
    page.locator("#pg-project-canvas canvas").first.wait_for(state="visible", timeout=30_000)
    draw_a_four(page)
    before = page.locator("#pg-image img").get_attribute("src")
    page.locator("#pg-project-go").click()
    page.wait_for_function("() => document.querySelector('#pg-project-report').innerText.includes('Details')",
                           timeout=120_000)
    page.wait_for_function("(s) => document.querySelector('#pg-image img').src !== s", arg=before, timeout=60_000)
    page.wait_for_function(DECODED, arg="#pg-image img", timeout=30_000)
    page.wait_for_function(DECODED, arg="#pg-project-result img", timeout=30_000)
    print(page.locator("#pg-project-report").inner_text())
    page.locator("#pg-image").scroll_into_view_if_needed()
    shot(page, out / "project.png", "#pg-image", "#pg-project")


def nearest(page, out: Path) -> None:
    """Open the nearest-images panel, search, wait for the answer (the index is built on first use)."""
    page.get_by_text("Nearest training images: is it copying?").click()
    page.locator("#pg-nearest-go").click()
    page.wait_for_function("() => document.querySelector('#pg-nearest-text').innerText.includes('ms for this')",
                           timeout=180_000)
    page.wait_for_function(DECODED, arg="#pg-nearest-img img", timeout=30_000)
    print(page.locator("#pg-nearest-text").inner_text())
    shot(page, out / "nearest.png", "#pg-nearest")


def directions(page, out: Path) -> None:
    """Open the named directions, pick the shipped thickness, apply it to 8 seeds."""
    page.get_by_text("Named directions", exact=True).click()
    page.wait_for_function("() => document.querySelector('#pg-named-info').innerText.includes('Checked')",
                           timeout=60_000)
    page.locator("#pg-named-batch").click()
    page.wait_for_function(DECODED, arg="#pg-named-sweep img", timeout=60_000)
    time.sleep(0.5)
    print(page.locator("#pg-named-info").inner_text())
    shot(page, out / "directions.png", "#pg-named")


def main() -> None:
    """Take the three screenshots."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="docs/screenshots")
    ap.add_argument("--url", default=None, help="a running app (else the Playground tab is served here)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    url, demo = (args.url, None) if args.url else serve()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(url)
            page.locator("#pg-image img").wait_for(state="visible", timeout=90_000)
            page.wait_for_function(DECODED, arg="#pg-image img", timeout=60_000)
            project(page, out)
            nearest(page, out)
            directions(page, out)
            browser.close()
    finally:
        if demo is not None:
            demo.close()


if __name__ == "__main__":
    main()
