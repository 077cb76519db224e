"""Chromium moves a Playground slider with the mouse; the generated image changes."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

from ganlab.checkpoints import shipped_names
from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, single_tab_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Debian chromium (/usr/bin/chromium) not installed"),
    pytest.mark.skipif("cgan-mnist" not in shipped_names(), reason="assets/cgan-mnist is missing"),
]


# the Playground's picture has arrived and is drawn
DECODED = "() => { const i = document.querySelector('#pg-image img'); return i && i.complete && i.naturalWidth > 0; }"


@pytest.fixture(scope="module")
def app_url():
    from ganlab.ui.playground import tab as playground_tab

    with single_tab_app(playground_tab.lay_out, "Playground") as url:
        yield url


def _pixels(png: bytes):
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(BytesIO(png)).convert("L")).astype(int)


def test_dragging_a_direction_slider_changes_the_image(app_url, tmp_path):
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app_url)
        img = page.locator("#pg-image img")
        img.wait_for(state="visible", timeout=60_000)
        page.wait_for_function("() => document.querySelector('#pg-card').innerText.includes('steps')",
                               timeout=30_000)
        # the page's load chain ends by labelling the directions (after the PCA); the picture is decoded
        page.wait_for_function("() => !document.querySelector('#pg-dir-0').innerText.includes('(PCA)')",
                               timeout=60_000)
        page.wait_for_function(DECODED, timeout=30_000)
        before_src, before = img.get_attribute("src"), _pixels(img.screenshot())
        track = page.locator("#pg-dir-0 input[type=range]")
        box = track.bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] / 2, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.97, y, steps=12)  # a fast drag; the release sends one value
        page.mouse.up()
        page.wait_for_function("(s) => document.querySelector('#pg-image img').src !== s", arg=before_src,
                               timeout=30_000)
        page.wait_for_function(DECODED, timeout=30_000)
        after = _pixels(img.screenshot())
        value = float(page.locator("#pg-dir-0 input[type=number]").input_value())
        page.screenshot(path=str(tmp_path / "playground_e2e.png"))
        browser.close()
    assert value > 2.0
    assert before.shape == after.shape and abs(before - after).mean() > 5  # a visibly different picture
