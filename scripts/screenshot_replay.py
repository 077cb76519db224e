"""Screenshot of the Train tab's "Open a recorded run" panel mid-scrub (issue #27), in headless Chromium,
1400 px wide (the page's width, the panel in the Train tab's right-hand column).

Usage: python scripts/screenshot_replay.py [--url http://127.0.0.1:7860] [--model cgan-mnist] [--step 1500]
[--out docs/screenshots/replay.png]. Start an app first, e.g.
``GANLAB_DATA_DIR=/path/to/data GRADIO_SERVER_PORT=7863 python app.py &``; the model must have snapshots
(``python -m ganlab record cgan-mnist``).
"""

from __future__ import annotations

import argparse
import time

from screenshot_views import CHROMIUM, CHROMIUM_ARGS, wait_until


def main() -> None:
    from playwright.sync_api import sync_playwright

    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:7860")
    p.add_argument("--model", default="cgan-mnist")
    p.add_argument("--step", type=int, default=1500)
    p.add_argument("--out", default="docs/screenshots/replay.png")
    args = p.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(args.url, timeout=180_000)
        panel = page.locator("#replay-panel")
        panel.wait_for(timeout=180_000)
        panel.get_by_text("Open a recorded run").first.click()
        page.get_by_label("A shipped model with snapshots").click()
        page.get_by_role("option", name=args.model).click()
        wait_until(lambda: "snapshots" in page.locator("#replay-message").inner_text(), 180, "the run to open")
        number = page.locator("#replay-step input[type=number]")
        number.fill(str(args.step))
        number.press("Enter")
        wait_until(lambda: f"Step **{args.step:,}" in page.locator("#replay-caption").inner_text()
                   or f"Step {args.step:,}" in page.locator("#replay-caption").inner_text(), 120, "the frame")
        time.sleep(2.0)  # the pictures arrive
        box = panel.bounding_box()
        scroll = page.evaluate("window.scrollY")
        page.screenshot(path=args.out, full_page=True,
                        clip={"x": 0, "y": box["y"] + scroll - 8, "width": 1400, "height": box["height"] + 16})
        print(f"wrote {args.out}: {page.locator('#replay-caption').inner_text()}")
        browser.close()


if __name__ == "__main__":
    main()
