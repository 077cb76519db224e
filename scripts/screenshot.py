"""Screenshot the running app's Train tab in headless Chromium (Debian's, via Playwright).

Usage: python scripts/screenshot.py [--url http://127.0.0.1:7860] [--preset NAME] [--seconds 12]
       [--out docs/screenshots/train.png]
Starts training with the chosen preset, waits, and saves a full-page PNG.
"""

from __future__ import annotations

import argparse
import time

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def main() -> None:
    """Open the app, start the preset, wait, screenshot."""
    from playwright.sync_api import sync_playwright

    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:7860")
    p.add_argument("--preset", default=None)
    p.add_argument("--seconds", type=float, default=12)
    p.add_argument("--out", default="docs/screenshots/train.png")
    args = p.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(args.url)
        page.get_by_role("button", name="▶ Start").wait_for()
        if args.preset:
            page.get_by_label("Preset").click()
            page.get_by_role("option", name=args.preset).click()
            time.sleep(1)
        page.get_by_role("button", name="▶ Start").click()
        time.sleep(args.seconds)
        page.screenshot(path=args.out, full_page=True)
        browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
