"""Chromium uploads a 32×32 picture on the Upscale tab and sees the 128×128 SRGAN result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, single_tab_app

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "tmp"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Debian chromium (/usr/bin/chromium) not installed"),
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from functools import partial

    from ganlab.ui.tools import upscale as upscale_tab
    from tests.test_ui_upscale import upscale_checkpoint

    checkpoint = upscale_checkpoint(tmp_path_factory.mktemp("srgan"))
    with single_tab_app(partial(upscale_tab.lay_out, checkpoint=checkpoint), "Upscale") as url:
        yield url


def test_upload_shows_the_4x_result(app_url, tmp_path):
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    yy, xx = np.mgrid[:32, :32]
    img = np.full((32, 32, 3), 255, np.uint8)
    img[(yy - 16) ** 2 + (xx - 16) ** 2 < 100] = (250, 200, 30)
    Image.fromarray(img).save(tmp_path / "emoji32.png")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(app_url)
        page.locator("#upscale-upload input[type=file]").set_input_files(str(tmp_path / "emoji32.png"))
        out = page.locator("#upscale-output img")
        out.wait_for(state="visible", timeout=60_000)
        page.wait_for_function("() => /→ 128×128/.test(document.querySelector('#upscale-message').innerText)",
                               timeout=60_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "upscale_e2e.png"), full_page=True)
        size = page.evaluate("() => { const i = document.querySelector('#upscale-output img');"
                             " return [i.naturalWidth, i.naturalHeight]; }")
        browser.close()
    assert size[0] == size[1] and size[0] % 128 == 0  # the 4× result (shown enlarged by a whole factor)
