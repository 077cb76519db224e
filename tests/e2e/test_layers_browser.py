"""Browser test: Debian's Chromium (Playwright) trains the ring preset for a few seconds, pauses, and
drives GAN Lab's views of the Train tab: the 2D view's layer checkboxes (the view the browser draws and
the legend follow them) and a step in slow motion, phase by phase (the server's pictures, then the browser's
view again). One app and one paused run for the module."""

from __future__ import annotations

import base64
import io
import os
import time

import numpy as np
import pytest
from PIL import Image

from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")]
playwright = pytest.importorskip("playwright.sync_api")

RING = "Healthy: ring of 8 Gaussians"
TRAIN_S = 4.0  # seconds of training before Pause
MIN_STEPS = 200  # and at least this many steps: G's first fakes sit in a dot, their mesh is a few pixels


@pytest.fixture(scope="module")
def paused_ring(tmp_path_factory):
    """A Chromium page on the app with the ring preset trained for a few seconds, then paused."""
    tmp = tmp_path_factory.mktemp("layers")
    with running_app(tmp) as (url, store), playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_role("button", name="▶ Start").wait_for()
        page.get_by_label("Preset").click()
        page.get_by_role("option", name=RING).click()
        page.get_by_label("Stop after (steps)").fill("1000000")  # no run ends before Pause
        page.get_by_role("button", name="▶ Start").click()
        status = page.locator("#train-status")
        wait_for(lambda: "steps/s" in status.inner_text() and _step(page) > 0, timeout=120,
                 what="the ring run's first steps on the page")
        time.sleep(TRAIN_S)
        wait_for(lambda: _step(page) >= MIN_STEPS, timeout=120, what=f"{MIN_STEPS} steps")
        page.get_by_role("button", name="Pause").click()
        session = next(iter(store._runs.values())).run
        wait_for(lambda: session.status == "paused" and _step(page) == session.step_count, timeout=60,
                 what="the page to show the paused run's last step")
        try:
            yield page
        finally:
            browser.close()


def _step(page) -> int:
    """The step the status line shows (0 before the first)."""
    text = page.locator("#train-status").inner_text()
    return int(text.split("Step ")[1].split(" /")[0]) if "Step " in text else 0


def _src(page) -> str | None:
    img = page.locator("#train-view img")
    return img.first.get_attribute("src") if img.count() else None


def _drawn(page) -> int:
    """How many frames the browser has drawn on the 2D view's canvas (0 before the first)."""
    return int(page.locator("#train-canvas-view").get_attribute("data-frames") or 0)


def _canvas(page) -> np.ndarray:
    """The 2D view as the browser drew it on its canvas (RGB)."""
    url = page.evaluate("() => document.getElementById('train-canvas-view').toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))


def _arrow_pixels(img: np.ndarray) -> int:
    """Orange pixels (the arrows and their ruler: rgb(200, 90, 0), antialiased at their edges)."""
    r, g, b = (img[..., i].astype(int) for i in range(3))
    return int(((r > 150) & (g > 50) & (g < 130) & (b < 60)).sum())


def _mesh_pixels(img: np.ndarray) -> int:
    """Dark neutral grey pixels (G's mesh, rgb(60, 60, 60); the ruler's text when the arrows are on)."""
    r, g, b = (img[..., i].astype(int) for i in range(3))
    return int(((r < 140) & (abs(r - g) < 16) & (abs(g - b) < 16)).sum())


def _layer(page, name: str):
    return page.locator("#train-layers").get_by_label(name, exact=True)


def _tick(page, on: bool) -> None:
    """Tick (or untick) the arrows and the mesh layers."""
    for name in ("gradient arrows", "G's manifold"):
        box = _layer(page, name)
        box.check() if on else box.uncheck()
    wait_for(lambda: all(_layer(page, n).is_checked() == on for n in ("gradient arrows", "G's manifold")),
             timeout=10, what="the checkboxes to follow")
    legend = page.locator("#train-legend")  # redrawn with the view by each tick: wait for the last one
    wait_for(lambda: all((word in legend.inner_text()) == on for word in ("arrows", "mesh")), timeout=30,
             what="the view and legend redrawn with the ticked layers")


def _step_and_picture(page, old: int) -> tuple[int, np.ndarray]:
    """Press Step (one training step; the paused run stays paused) and return the redrawn 2D view."""
    page.get_by_role("button", name="Step", exact=True).click()
    drawn = wait_for(lambda: (n := _drawn(page)) > old and n, timeout=60, what="the 2D view after Step")
    return drawn, _canvas(page)


def _has_arrows_and_mesh(img: np.ndarray) -> bool:
    return _arrow_pixels(img) > 50 and _mesh_pixels(img) > 200


def test_layers_are_all_on_and_drawn(paused_ring):
    page = paused_ring
    for name in ("real points", "fakes", "D's heatmap", "G's manifold", "gradient arrows"):
        assert _layer(page, name).is_checked(), f"{name!r} is not on by default"
    assert not _layer(page, "trails").is_checked(), "trails are optional: off by default"
    legend = page.locator("#train-legend")
    wait_for(lambda: "arrows" in legend.inner_text() and "mesh" in legend.inner_text(), timeout=30,
             what="the legend to describe the arrows and the mesh")
    wait_for(lambda: _drawn(page), timeout=30, what="the 2D view drawn by the browser")
    assert _has_arrows_and_mesh(_canvas(page)), "arrows or mesh missing"


def test_unticking_layers_redraws_a_paused_view_at_once(paused_ring):
    page = paused_ring
    _tick(page, True)
    first = wait_for(lambda: _drawn(page), timeout=30)
    try:
        _tick(page, False)
        wait_for(lambda: _drawn(page) > first and not _has_arrows_and_mesh(_canvas(page)), timeout=10,
                 what="the paused view to be redrawn without arrows and mesh")
    finally:
        _tick(page, True)


def test_layer_checkboxes_change_the_picture_and_legend(paused_ring):
    page = paused_ring
    legend = page.locator("#train-legend")
    _tick(page, True)
    full_src, full = _step_and_picture(page, _drawn(page))
    assert _has_arrows_and_mesh(full), "arrows or mesh missing with every layer on"

    _tick(page, False)
    plain_src, plain = _step_and_picture(page, full_src)
    assert not np.array_equal(plain, full), "the picture did not change"
    # a few blended pixels where dots overlap may look orange or grey; a drawn layer has hundreds
    assert _arrow_pixels(plain) < 10 and _mesh_pixels(plain) < 20, "arrows or mesh still drawn"
    wait_for(lambda: "arrow" not in legend.inner_text() and "mesh" not in legend.inner_text(), timeout=15,
             what="the legend to drop the arrows and the mesh")

    _tick(page, True)
    _, back = _step_and_picture(page, plain_src)
    assert _has_arrows_and_mesh(back), "arrows or mesh did not come back"
    wait_for(lambda: "arrows" in legend.inner_text() and "mesh" in legend.inner_text(), timeout=15,
             what="the legend to describe the arrows and the mesh again")


def test_slow_motion_goes_through_its_phases(paused_ring):
    page = paused_ring
    phase = page.locator("#train-phase")
    before = _src(page)
    page.get_by_role("button", name="Step in slow motion").click()
    main = page.locator("#train-main")  # a phase is the server's picture: the canvas gives way
    wait_for(lambda: main.get_attribute("data-drawn") == "server", timeout=60, what="the phase's picture shown")
    for i in (1, 2, 3):
        try:
            wait_for(lambda i=i: f"phase {i} of 3" in phase.inner_text(), timeout=60, what=f"phase {i} of 3")
        except TimeoutError:
            raise AssertionError(f"phase {i} not shown; phase sentence: {phase.inner_text()!r}, "
                                 f"status: {page.locator('#train-status').inner_text()!r}") from None
        shown = wait_for(lambda old=before: (s := _src(page)) and s != old and s, timeout=30,
                         what=f"phase {i}'s picture")
        before = shown
        button = page.get_by_role("button", name="Back to the live view" if i == 3 else "Next phase ▶")
        button.wait_for(state="visible", timeout=15_000)
        button.click()
    wait_for(lambda: "phase" not in phase.inner_text(), timeout=30, what="the phase sentence to go")
    main = page.locator("#train-main")
    wait_for(lambda: main.get_attribute("data-drawn") == "browser", timeout=30,
             what="the live view (drawn by the browser) to come back")
    assert page.locator("#train-canvas-view").is_visible() and not page.locator("#train-view").is_visible()
    assert not page.get_by_role("button", name="Next phase ▶").is_visible()
    assert not page.get_by_role("button", name="Back to the live view").is_visible()
