"""Browser test: Debian's Chromium (Playwright) opens the app, trains on the 2D ring, sees the loss
plot and the 2D view (drawn by the browser from /train/frame) change, pauses, and saves a screenshot."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")]
playwright = pytest.importorskip("playwright.sync_api")

SHOTS = Path(os.environ.get("GANLAB_SCREENSHOTS", "screenshots"))


def _drawn(page) -> tuple[int, str]:
    """How many frames the browser drew on the 2D view's canvas, and the curves' canvas as a PNG URL."""
    return page.evaluate("""() => [Number(document.getElementById('train-canvas-view').dataset.frames || 0),
                                    document.getElementById('train-curves-canvas').toDataURL()]""")


def test_train_ring_in_chromium(tmp_path):
    with running_app(tmp_path) as (url, store), playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        # long enough that a fast machine cannot finish the run before the test presses Pause
        page.get_by_label("Stop after (steps)").fill("1000000")
        page.get_by_role("button", name="▶ Start").click()
        first_view, first_curves = wait_for(lambda: (d := _drawn(page))[0] and d, timeout=60)
        status = page.locator("#train-status")
        wait_for(lambda: "steps/s" in status.inner_text(), timeout=30)
        # the first fused call compiles its program (seconds on a busy 2-core machine), so allow a while
        try:
            wait_for(lambda: _drawn(page)[1] != first_curves, timeout=30)
            wait_for(lambda: _drawn(page)[0] > first_view, timeout=10)
        except TimeoutError:
            raise AssertionError(f"live view did not update; status: {status.inner_text()!r}") from None
        assert "CPU" in status.inner_text() or "GPU" in status.inner_text()
        page.get_by_role("button", name="Pause").click()
        try:
            wait_for(lambda: "paused" in status.inner_text(), timeout=15)
        except TimeoutError:
            raise AssertionError(f"not paused; status: {status.inner_text()!r}") from None

        def step_shown() -> int:
            return int(status.inner_text().split("Step ")[1].split(" /")[0])

        session = next(iter(store._runs.values())).run
        wait_for(lambda: session.status == "paused" and step_shown() == session.step_count, timeout=30,
                 what="the page to show the paused run's last step")
        frozen = step_shown()
        time.sleep(1.5)  # the stillness is what is tested: paused, the page's step count stays put for 1.5 s
        assert step_shown() == frozen, "training continued after Pause"
        assert page.get_by_role("button", name="Resume").is_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "train_ring.png"), full_page=True)
        assert (SHOTS / "train_ring.png").stat().st_size > 20_000
        browser.close()
