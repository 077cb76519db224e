"""Chromium draws a smiley on the Sketch tab's canvas with the mouse; a coloured picture appears."""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from ganlab.checkpoints import shipped_names
from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, single_tab_app, wait_for

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "tmp"
# the Sketch tab's picture has arrived and is drawn
DECODED = ("() => { const i = document.querySelector('#sketch-output img');"
           " return !!i && i.complete && i.naturalWidth > 0; }")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Debian chromium (/usr/bin/chromium) not installed"),
    pytest.mark.skipif("pix2pix-openmoji" not in shipped_names(), reason="shipped pix2pix not found"),
]


@pytest.fixture(scope="module")
def app_url():
    from ganlab.ui.tools import sketch as sketch_tab

    with single_tab_app(sketch_tab.lay_out, "Sketch") as url:
        yield url


def _stroke(page, points) -> None:
    """One mouse stroke through ``points``. Each move costs ~0.4 s here: headless Chromium renders the
    editor's WebGL canvas in software (SwiftShader), so the strokes have few points."""
    page.mouse.move(*points[0])
    page.mouse.down()
    for p in points[1:]:
        page.mouse.move(*p)
    page.mouse.up()


@contextmanager
def _sketch_page(app_url: str):
    """A Chromium page on the Sketch tab, its canvas on screen."""
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1150})
        page.goto(app_url)
        page.locator("#sketch-canvas canvas").first.wait_for(state="visible", timeout=30_000)
        try:
            yield page
        finally:
            browser.close()


def _wait_until_settled(page, out, quiet_s: float = 1.0) -> None:
    """Wait until the picture is decoded and its src has not changed for ``quiet_s`` (each stroke's
    ending asks for a picture; the last stroke's one has landed), at most 60 s."""
    seen = {"src": None, "since": time.monotonic()}

    def settled() -> bool:
        src = out.get_attribute("src")
        if src != seen["src"]:
            seen.update(src=src, since=time.monotonic())
        return bool(src) and page.evaluate(DECODED) and time.monotonic() - seen["since"] >= quiet_s

    wait_for(settled, timeout=60, what="the sketch's picture to arrive and settle")


def test_drawing_strokes_makes_a_picture(app_url, tmp_path):
    with _sketch_page(app_url) as page:
        # The brush is selected for the student: the "select the draw tool" prompt goes away by itself.
        page.wait_for_function(
            "() => !/select the draw tool/i.test(document.querySelector('#sketch-canvas').innerText)",
            timeout=15_000)
        box = page.locator("#sketch-canvas canvas").first.bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        r = 0.3 * min(box["width"], box["height"])
        _stroke(page, [(cx + r * math.cos(2 * math.pi * k / 20), cy + r * math.sin(2 * math.pi * k / 20))
                       for k in range(21)])  # face
        for ex in (-0.35, 0.35):  # eyes
            _stroke(page, [(cx + ex * r, cy - 0.35 * r), (cx + ex * r, cy - 0.15 * r)])
        _stroke(page, [(cx - 0.5 * r * math.cos(math.pi * k / 8), cy + 0.2 * r + 0.35 * r * math.sin(math.pi * k / 8))
                       for k in range(9)])  # smile
        out = page.locator("#sketch-output img")
        out.wait_for(state="visible", timeout=30_000)  # no button pressed: the stroke ending is enough
        _wait_until_settled(page, out)
        SHOTS.mkdir(parents=True, exist_ok=True)
        for folder in (tmp_path, SHOTS):
            page.screenshot(path=str(folder / "sketch_e2e.png"), full_page=True)
        assert out.get_attribute("src")
        img = page.locator("#sketch-output img").screenshot()
    from io import BytesIO

    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(BytesIO(img)).convert("RGB")).astype(int)
    assert ((pixels.max(-1) - pixels.min(-1)) > 60).mean() > 0.02  # coloured, not just gray lines


def test_clicking_an_example_colours_it_in(app_url):
    """An example lands on the canvas (a file, not a pixel array, in the app's config) and its picture appears."""
    with _sketch_page(app_url) as page:
        examples = page.locator(".gallery-item")
        assert examples.count() >= 4  # the hand-made drawings at least; held-out emojis with the data
        examples.nth(1).click()
        page.locator("#sketch-output img").wait_for(state="visible", timeout=30_000)
