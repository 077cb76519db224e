"""Browser test: Debian's Chromium (Playwright) uploads a small folder of generated images through the
Train tab's "your own data" panel and trains a DCGAN on it."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")]
playwright = pytest.importorskip("playwright.sync_api")


def _folder(path, count: int = 24) -> list[str]:
    """Small RGB pictures: a bright square at a random place on a dark background."""
    path.mkdir()
    rng = np.random.default_rng(0)
    files = []
    for i in range(count):
        im = np.full((20, 20, 3), 20, np.uint8)
        r, c = rng.integers(0, 12, 2)
        im[r : r + 8, c : c + 8] = rng.integers(150, 255, 3)
        f = path / f"pic{i:02d}.png"
        Image.fromarray(im).save(f)
        files.append(str(f))
    return files


def test_upload_folder_and_train_in_chromium(tmp_path):
    files = _folder(tmp_path / "pictures")
    with running_app(tmp_path) as (url, store), playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        assert "Limits on this server" in page.locator("#train-limits").inner_text()
        page.get_by_label("Preset").click()
        page.get_by_role("option", name="Healthy: Fashion-MNIST (DCGAN, TF tutorial model)").click()
        page.get_by_text("Your own data (upload or draw)").click()
        page.locator("#upload-files input[type=file]").set_input_files(files)
        message = page.locator("#upload-message")
        wait_for(lambda: "Uploaded" in message.inner_text() or "refused" in message.inner_text(), timeout=60)
        assert "24 uploaded images" in message.inner_text(), message.inner_text()
        assert page.get_by_label("Dataset").input_value() == "upload:pic00"
        page.get_by_label("Stop after (steps)").fill("40")
        page.get_by_role("button", name="▶ Start").click()
        status = page.locator("#train-status")
        try:
            wait_for(lambda: "Step 40 / 40" in status.inner_text(), timeout=120)
        except TimeoutError:
            raise AssertionError(f"did not train; status: {status.inner_text()!r}") from None
        img = page.locator("#train-view img")
        assert img.count() and img.first.get_attribute("src")
        job = next(iter(store._runs.values()))
        assert job.run.dataset.x.shape == (24, 28, 28, 3) and job.run.config.dataset == "upload:pic00"
        browser.close()
