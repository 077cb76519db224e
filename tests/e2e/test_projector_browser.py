"""Browser test: the Train tab on a projector. At 1280×720 and 1366×768, right after the ring preset's
Start, the Start button, the curves and at least 300 px of the 2D view are inside the window without
scrolling. One app, one page, resized between the two checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")]
playwright = pytest.importorskip("playwright.sync_api")

SHOTS = Path(os.environ.get("GANLAB_SCREENSHOTS", "screenshots"))
RING = "Healthy: ring of 8 Gaussians"
SIZES = ((1280, 720), (1366, 768))
MIN_VIEW_PX = 300  # of the 2D view's height inside the window

# Each block's box and how much of its height lies inside the window (the page is not scrolled).
ON_SCREEN = """(sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    const inside = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height, inside: inside,
            label: el.innerText.split('\\n')[0], scrolled: scrollY};
}"""


def _box(page, selector: str) -> dict:
    """Where ``selector``'s block lies in the window (see ON_SCREEN)."""
    box = page.evaluate(ON_SCREEN, selector)
    assert box is not None, f"{selector} is not on the page"
    return box


def _whole(box: dict, width: int, height: int) -> bool:
    """The box lies entirely inside a window of ``width`` × ``height``."""
    return box["top"] >= 0 and box["bottom"] <= height and box["left"] >= 0 and box["right"] <= width


def measure(page, width: int, height: int) -> dict[str, dict]:
    """The Start button's, the curves' and the 2D view's boxes at this window size (scrolled to the top)."""
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(500)  # the layout settles at the new size
    start = page.get_by_role("button", name="▶ Start").bounding_box()
    return {"start": {"top": start["y"], "bottom": start["y"] + start["height"], "left": start["x"],
                      "right": start["x"] + start["width"]},
            "curves": _box(page, "#train-curves-box"), "view": _box(page, "#train-canvas")}  # drawn by the browser


def test_start_curves_and_2d_view_fit_a_projector(tmp_path):
    with running_app(tmp_path) as (url, _store), playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
            page.goto(url)
            page.get_by_role("button", name="▶ Start").wait_for(timeout=120_000)
            page.get_by_label("Preset").click()
            page.get_by_role("option", name=RING).click()
            page.get_by_role("button", name="▶ Start").click()
            wait_for(lambda: page.locator("#train-canvas-view[data-frames]").count(), timeout=120,
                     what="the first curves and 2D view, drawn by the browser")
            SHOTS.mkdir(parents=True, exist_ok=True)
            for width, height in SIZES:
                boxes = measure(page, width, height)
                print(f"{width}x{height}:", {k: {n: round(v) for n, v in b.items() if isinstance(v, float | int)}
                                             for k, b in boxes.items()})
                page.screenshot(path=str(SHOTS / f"projector_{width}x{height}.png"))
                view = boxes["view"]
                assert boxes["start"]["top"] >= 0 and boxes["start"]["bottom"] <= height, "Start is off screen"
                assert _whole(boxes["curves"], width, height), f"the curves are not all on screen: {boxes['curves']}"
                assert view["inside"] >= MIN_VIEW_PX, (f"only {view['inside']:.0f} px of the 2D view on screen "
                                                       f"at {width}×{height}: {view}")
        finally:
            browser.close()
