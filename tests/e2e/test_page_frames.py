"""Browser test: an idle page does not redraw 60 times a second (Gradio 6.31 leaves the page
loader's timer running; ganlab.ui.gradio_fixes.page slows it down), and a pending event's timer still counts."""

from __future__ import annotations

import os
import re
import time

import pytest

from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, free_port, wait_for

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")]
playwright = pytest.importorskip("playwright.sync_api")

COUNT_FRAMES = """(() => { window.__frames = 0; const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) => { window.__frames += 1; return raf(cb); }; })();"""


def frames_per_second(page, seconds: float = 3.0) -> float:
    page.evaluate("() => { window.__frames = 0; }")
    time.sleep(seconds)  # the window the frames are counted over
    return page.evaluate("() => window.__frames") / seconds


@pytest.mark.parametrize("fixed", [True, False])
def test_idle_page_is_quiet_and_timers_still_run(fixed):
    import gradio as gr

    from ganlab.ui.app import launch

    with gr.Blocks() as demo:
        out = gr.Markdown("idle")
        gr.Button("Slow").click(lambda: time.sleep(2.5) or "done", None, out)
    port = free_port()
    if fixed:
        launch(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    else:  # plain gradio: shows the problem this fix exists for
        demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        with playwright.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page()
            page.add_init_script(COUNT_FRAMES)  # counts every caller, before any of the page's scripts
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_text("idle").wait_for()
            rates = [frames_per_second(page, 2.0) for _ in range(6)]  # loader animations settle first
            if not fixed:
                assert min(rates) > 30, f"plain gradio no longer redraws when idle ({rates}/s): drop the fix"
                browser.close()
                return
            assert min(rates) < 5, f"idle page still asks for {rates} frames a second"
            page.get_by_role("button", name="Slow").click()
            timer = page.locator(".progress-text").first

            def shown() -> float | None:  # "processing | 0.7s" or "0.7/2.0s"
                found = re.findall(r"(\d+\.\d)(?:/[\d.]+)?s", timer.inner_text()) if timer.count() else []
                return float(found[-1]) if found else None

            first = wait_for(shown, timeout=10, what="the pending event's timer")
            try:  # a running timer gains 0.5 s within 1 s of wall time (the deadline is the test)
                wait_for(lambda: (shown() or 0.0) >= first + 0.5, timeout=1.0, what="the timer to count on")
            except TimeoutError:
                raise AssertionError(f"the pending event's timer stopped ({first} -> {shown()})") from None
            wait_for(lambda: page.get_by_text("done").is_visible(), timeout=10, what="the slow event's result")
            browser.close()
    finally:
        demo.close()
