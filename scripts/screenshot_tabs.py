"""Screenshots of every tab at 1400 px wide, and the README's hero GIF of the Train tab learning the ring.

    python scripts/screenshot_tabs.py [--url http://127.0.0.1:7860/] [--out docs/screenshots] [--only train,sketch]

Against a running ``python app.py``; headless Debian Chromium through Playwright (never
``playwright install``). Each tab gets its "what to try first" action (the tab's two opening lines) and
is photographed once its answer has arrived: Train starts the ring preset and also writes
``train_ring.gif`` from the 2D view over ~15 s.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the ganlab package beside scripts/

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
WIDTH, MAX_HEIGHT = 1400, 1500
DECODED = "(sel) => { const i = document.querySelector(sel); return !!i && i.complete && i.naturalWidth > 0; }"


def image_ready(page, selector: str, timeout_s: float = 90) -> None:
    """Wait until the <img> under ``selector`` is decoded."""
    page.wait_for_function(DECODED, arg=f"{selector} img", timeout=timeout_s * 1000)


def stroke(page, points: list[tuple[float, float]]) -> None:
    """One mouse stroke (few points: the canvas is drawn in software)."""
    page.mouse.move(*points[0])
    page.mouse.down()
    for p in points[1:]:
        page.mouse.move(*p)
    page.mouse.up()


def canvas_box(page, selector: str) -> tuple[float, float, float]:
    """x, y and side of the square drawing area of a Sketchpad."""
    page.wait_for_function(f"() => !/select the draw tool/i.test(document.querySelector('{selector}').innerText)",
                           timeout=20_000)
    box = page.locator(f"{selector} canvas").first.bounding_box()
    s = min(box["width"], box["height"])
    return box["x"] + (box["width"] - s) / 2, box["y"] + (box["height"] - s) / 2, s


def settled(page, selector: str, quiet_s: float = 4.0, timeout_s: float = 90) -> None:
    """Wait until the src of ``selector`` has not changed for ``quiet_s`` seconds."""
    last, since, end = None, time.monotonic(), time.monotonic() + timeout_s
    while time.monotonic() < end:
        src = page.locator(selector).first.get_attribute("src")
        if src != last:
            last, since = src, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
        time.sleep(0.3)


def save(page, path: Path) -> None:
    """The top of the page (the open tab), at most MAX_HEIGHT tall."""
    height = min(MAX_HEIGHT, page.evaluate("() => document.documentElement.scrollHeight"))
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
    print(f"wrote {path}")


def train(page, out: Path, seconds: float = 15, every: float = 1.0) -> None:
    """Start the ring preset, photograph the 2D view every ``every`` s into a GIF, then the whole tab."""
    page.get_by_role("button", name="▶ Start").click()
    # the ring's view is drawn by the browser on its canvas (ui/train/canvas.js) once its first frame came
    page.wait_for_selector("#train-canvas-view[data-frames]", timeout=90_000)
    frames, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        shot = page.locator("#train-canvas-view").screenshot()
        frames.append(Image.open(io.BytesIO(shot)).convert("RGB"))
        time.sleep(every)
    save(page, out / "train.png")
    size = (480, round(480 * frames[0].height / frames[0].width))
    small = [f.resize(size, Image.LANCZOS).quantize(64, method=Image.Quantize.MEDIANCUT) for f in frames]
    gif = out / "train_ring.gif"
    small[0].save(gif, save_all=True, append_images=small[1:], duration=[500] * (len(small) - 1) + [2000],
                  loop=0, optimize=True)
    print(f"wrote {gif}: {len(small)} frames, {gif.stat().st_size / 1e6:.2f} MB")


def train_cgan(page, out: Path, seconds: float = 60) -> None:
    """The MNIST cGAN preset a minute into training: one row per digit."""
    page.get_by_label("Preset").click()
    page.get_by_role("option", name="Healthy: MNIST digits (conditional GAN)").click()
    time.sleep(3)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_function("() => /Step \\d/.test(document.querySelector('#train-status').innerText)",
                           timeout=180_000)
    time.sleep(seconds)
    save(page, out / "train_cgan.png")
    print(page.locator("#train-status").inner_text())


def playground(page, out: Path) -> None:
    """The Playground on its first generator."""
    image_ready(page, "#pg-image")
    time.sleep(1)
    save(page, out / "playground.png")


def text2img(page, out: Path) -> None:
    """Draw the example sentence."""
    page.get_by_role("button", name="Draw").click()
    image_ready(page, "#t2i-attention")
    time.sleep(1)
    save(page, out / "text2img.png")


def sketch(page, out: Path) -> None:
    """A smiley in three strokes; the picture comes when a stroke ends."""
    x, y, s = canvas_box(page, "#sketch-canvas")
    stroke(page, [(x + s * (0.5 + 0.32 * dx), y + s * (0.5 + 0.32 * dy))
                  for dx, dy in ((0, -1), (0.7, -0.7), (1, 0), (0.7, 0.7), (0, 1), (-0.7, 0.7), (-1, 0),
                                 (-0.7, -0.7), (0, -1))])
    stroke(page, [(x + 0.38 * s, y + 0.4 * s), (x + 0.38 * s, y + 0.46 * s)])
    stroke(page, [(x + 0.62 * s, y + 0.4 * s), (x + 0.62 * s, y + 0.46 * s)])
    stroke(page, [(x + 0.36 * s, y + 0.6 * s), (x + 0.5 * s, y + 0.68 * s), (x + 0.64 * s, y + 0.6 * s)])
    image_ready(page, "#sketch-output")
    settled(page, "#sketch-output img")  # each stroke's end asks for a picture: wait for the last one's
    save(page, out / "sketch.png")


def upscale(page, out: Path) -> None:
    """Click the first held-out example."""
    page.get_by_text("Held-out emojis at 32×32").locator("xpath=..").locator("button").first.click()
    image_ready(page, "#upscale-output")
    time.sleep(1)
    save(page, out / "upscale.png")


def classify(page, out: Path) -> None:
    """A 7 drawn with the mouse, read by the shipped SGAN."""
    x, y, s = canvas_box(page, "#classify-canvas")
    stroke(page, [(x + 0.28 * s, y + 0.25 * s), (x + 0.72 * s, y + 0.25 * s), (x + 0.45 * s, y + 0.8 * s)])
    page.get_by_role("button", name="Classify", exact=True).click()
    page.wait_for_function("() => /fake/.test(document.querySelector('#classify-probs').innerText)", timeout=60_000)
    time.sleep(1)
    save(page, out / "classify.png")


# shot -> (the app tab's ID, how to photograph it); labels come from the app's own tab list
SHOTS = {"train": ("train", train), "train_cgan": ("train", train_cgan), "playground": ("playground", playground),
         "text2img": ("text2img", text2img), "sketch": ("sketch", sketch), "upscale": ("upscale", upscale),
         "classify": ("classify", classify)}


def main() -> None:
    """Photograph the chosen tabs of the running app."""
    from playwright.sync_api import sync_playwright

    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:7860/")
    p.add_argument("--out", default="docs/screenshots")
    p.add_argument("--only", default=",".join(SHOTS), help="comma-separated: " + ",".join(SHOTS))
    args = p.parse_args()
    out = Path(args.out)
    from ganlab.ui.app import TABS

    labels = {tab.ID: tab.LABEL for tab in TABS}
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
        page.goto(args.url)
        page.get_by_role("button", name="▶ Start").wait_for(timeout=120_000)
        for key in args.only.split(","):
            tab_id, take = SHOTS[key]
            page.get_by_role("tab", name=labels[tab_id], exact=True).click()
            time.sleep(1.5)
            take(page, out)
        browser.close()


if __name__ == "__main__":
    main()
