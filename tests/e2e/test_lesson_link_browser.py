"""Browser test: a lesson link made through the API (/share_link) opens in Chromium with the set values in
the form and the hidden controls not shown; "Make the link" on that page gives the same link back; a bad
link names its bad key on the page and still applies its tab."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ganlab.config import form_settings
from ganlab.ui.train.presets import PRESETS
from tests.ui_helpers import CHROMIUM, CHROMIUM_ARGS, api_client, running_app, wait_for

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed")]
playwright = pytest.importorskip("playwright.sync_api")

SHOTS = Path(os.environ.get("GANLAB_SCREENSHOTS", "screenshots"))
PRESET = "Broken: discriminator far too strong"
SHOWN = ("loss", "seed")  # everything else is hidden


def _visible(page, label: str) -> bool:
    """Some control labelled ``label`` is on screen."""
    boxes = page.get_by_label(label, exact=True)
    return any(boxes.nth(i).is_visible() for i in range(boxes.count()))


def test_a_lesson_link_opens_filled_with_controls_hidden(tmp_path):
    settings = form_settings()
    values = {**PRESETS[PRESET].form_values(), "loss": "non_saturating", "seed": 5}
    hide = ["preset", *(s.name for s in settings if s.name not in SHOWN)]
    with running_app(tmp_path) as (url, _store), playwright.sync_playwright() as pw:
        query = api_client(url).predict(preset=PRESET, hide=hide, **values, api_name="/share_link")
        assert query.startswith("?tab=train&preset=Broken:%20") and "loss=non_saturating" in query
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + query)
        wait_for(lambda: page.get_by_text("Lesson link:").count() > 0, timeout=60, what="the link's note")
        loss, seed = page.get_by_label("Loss", exact=True), page.get_by_label("Seed", exact=True)
        wait_for(lambda: loss.input_value() == "non_saturating" and seed.input_value() == "5", timeout=30,
                 what="the link's values in the form")
        assert page.get_by_text("Watch for:").first.inner_text().startswith("Watch for:")
        assert _visible(page, "Loss") and _visible(page, "Seed")
        hidden = [s.label for s in settings if s.name not in SHOWN] + ["Preset"]
        assert [label for label in hidden if _visible(page, label)] == []
        panel = page.locator("#upload-panel")  # the dataset's own panel is hidden with it
        assert not any(panel.nth(i).is_visible() for i in range(panel.count()))
        page.get_by_text("Share these settings (a lesson link)").click()
        page.get_by_role("button", name="Make the link").click()
        box = page.locator("#lesson-link-url textarea, #lesson-link-url input").first
        wait_for(lambda: box.input_value().startswith("http"), timeout=30, what="the link in the box")
        assert box.input_value() == url + query  # the same link back, with the page's own address
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "lesson_link.png"), full_page=True)

        page.goto(url + "?tab=playground&lr_d=5&lr=1")
        tab = page.get_by_role("tab", name="Playground")
        wait_for(lambda: tab.get_attribute("aria-selected") == "true", timeout=60, what="the Playground tab")
        page.get_by_role("tab", name="Train").click()
        bad = page.locator("li", has_text="lr_d must be")
        wait_for(lambda: bad.count() and bad.first.is_visible(), timeout=30, what="the message naming lr_d")
        # no preset named: the page's default preset is the base, so its value is what is used
        assert "the default (0.001) is used" in bad.first.inner_text().lower()
        assert page.locator("li", has_text="`lr`").count() == 0  # shown as code, not as Markdown source
        assert page.locator("li", has_text="is not a setting of this app (did you mean lr_g?)").count() == 1
        browser.close()
