"""Browser test: Debian's Chromium (Playwright) starts the ring preset on the Train tab; the browser draws the
2D view and the curves on canvases from the numbers of /train/frame (non-blank pixels), the server stops
sending their pictures, and no request leaves 127.0.0.1. Saves a 1280×720 screenshot of the drawn view."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")]
playwright = pytest.importorskip("playwright.sync_api")

RING = "Healthy: ring of 8 Gaussians"
SHOTS = Path(os.environ.get("GANLAB_SCREENSHOTS", "screenshots"))
# the share of a canvas's pixels that are not white: a drawn ring view has its heatmap, dots and arrows
INK = """(id) => { const c = document.getElementById(id); if (!c || !c.width) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let ink = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245) ink++;
  return ink / (c.width * c.height); }"""


def _step(page) -> int:
    """The step the status line shows (0 before the first)."""
    text = page.locator("#train-status").inner_text()
    return int(text.split("Step ")[1].split(" /")[0]) if "Step " in text else 0


def test_the_browser_draws_the_ring_from_numbers(tmp_path, monkeypatch):
    from ganlab.ui.train import live_view

    hosts, frames, drawn = set(), [], []
    draw = live_view.draw_view_2d
    monkeypatch.setattr(live_view, "draw_view_2d", lambda *a, **k: drawn.append(1) or draw(*a, **k))
    with running_app(tmp_path) as (url, store), playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.on("request", lambda r: hosts.add(urlparse(r.url).hostname or r.url.split(":")[0]))
        page.on("response", lambda r: frames.append(r.status) if "/train/frame" in r.url else None)
        page.goto(url)
        page.get_by_role("button", name="▶ Start").wait_for()
        page.get_by_label("Preset").click()
        page.get_by_role("option", name=RING).click()
        page.get_by_label("Stop after (steps)").fill("1000000")
        page.get_by_role("button", name="▶ Start").click()
        wait_for(lambda: page.locator("#train-canvas canvas").is_visible(), timeout=120,
                 what="the 2D view's canvas shown")
        wait_for(lambda: _step(page) >= 300, timeout=120, what="300 steps")
        view_ink = wait_for(lambda: page.evaluate(INK, "train-canvas-view") > 0.5, timeout=30,
                            what="a drawn 2D view (heatmap, dots)")
        assert view_ink
        assert page.evaluate(INK, "train-curves-canvas") > 0.01, "the curves' canvas is blank"
        assert not page.locator("#train-view").is_visible(), "the server's picture is shown over the canvas"
        job = next(iter(store._runs.values()))
        assert job.display.board.watched(job.display.token)
        drawn.clear()
        time.sleep(2.0)  # four refreshes: the page draws them, the server draws no 2D picture
        assert not drawn, f"the server drew the 2D view {len(drawn)} times while the page drew it"
        page.locator("#train-curves-canvas").hover(position={"x": 120, "y": 80})
        time.sleep(0.6)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#train-canvas").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "train_canvas_ring.png"))
        page.get_by_role("button", name="Pause").click()
        browser.close()
    assert frames and all(status == 200 for status in frames), frames
    assert hosts <= {"127.0.0.1"}, f"requests left 127.0.0.1: {hosts}"


def test_a_comparison_is_drawn_side_by_side(tmp_path):
    with running_app(tmp_path) as (url, store), playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url)
        page.get_by_role("button", name="▶ Start").wait_for()
        page.get_by_label("Preset").click()
        page.get_by_role("option", name=RING).click()
        page.get_by_label("Compare with… (run B differs in)").click()
        page.get_by_role("option", name="D learning rate").click()
        page.get_by_label("B's value").fill("0.01")
        page.get_by_label("Stop after (steps)").fill("1000000")
        page.get_by_role("button", name="▶ Start").click()
        drawn = page.locator("#train-canvas-view")
        wait_for(lambda: drawn.is_visible() and int(drawn.get_attribute("data-frames") or 0) > 3, timeout=180,
                 what="A | B drawn by the browser")
        box = drawn.bounding_box()
        assert 1.8 < box["width"] / box["height"] < 2.2, box  # two square views side by side
        assert page.evaluate(INK, "train-canvas-view") > 0.4
        job = next(iter(store._runs.values()))
        assert job.other is not None and job.display.board.watched(job.display.token)
        browser.close()
