"""Browser test: move a Playground latent slider in Chromium and see the image change."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ganlab.checkpoints import shipped_names
from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed"),
              pytest.mark.skipif("cgan-mnist" not in shipped_names(), reason="shipped cgan-mnist missing")]
playwright = pytest.importorskip("playwright.sync_api")
SHOTS = Path(os.environ.get("GANLAB_SCREENSHOTS", "screenshots"))


def test_slider_changes_the_image(tmp_path):
    with running_app(tmp_path) as (url, _store), playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_role("tab", name="Playground").click()

        def src():
            img = page.locator("#pg-image img")
            return img.first.get_attribute("src") if img.count() else None

        first = wait_for(src, timeout=60)
        slider = page.locator("#pg-dir-0 input[type=range]")
        box = slider.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
        changed = wait_for(lambda: (s := src()) and s != first and s, timeout=30)
        assert changed != first
        time.sleep(0.5)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "playground.png"), full_page=True)
        browser.close()
