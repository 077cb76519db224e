"""Each tab opens with two lines and a "?" link to its docs page; "What the pictures mean" names every view."""

from __future__ import annotations

import re
from pathlib import Path

from ganlab.ui import intro, text

REPO = Path(__file__).parents[1]


def test_every_tab_of_the_app_has_an_intro_rendered_at_its_top():
    source = (REPO / "ganlab" / "ui" / "app.py").read_text(encoding="utf-8")
    tabs = re.findall(r'gr\.Tab\("([^"]+)"', source)
    assert tabs and set(tabs) <= set(intro.INTROS)
    for tab in tabs:
        assert f'gr.Markdown(intro.markdown("{tab}")' in source, f"the {tab} tab does not open with its intro"


def test_intros_are_two_lines_and_link_an_existing_page(monkeypatch):
    monkeypatch.delenv(intro.DOCS_URL_ENV, raising=False)
    for tab, (lines, page) in intro.INTROS.items():
        assert len(lines.split("\n")) == 2, tab
        assert (REPO / page).is_file(), f"{tab}: {page} does not exist"
        assert f"`{page}`" in intro.markdown(tab)
    monkeypatch.setenv(intro.DOCS_URL_ENV, "https://example.org/ganlab/blob/main/")
    assert "](https://example.org/ganlab/blob/main/docs/train.md)" in intro.markdown("Train")
    assert intro.markdown("no such tab") == ""


def test_pictures_help_covers_every_view():
    help_text = text.pictures_help().lower()
    for view in ("status", "alarms", "curves", "samples", "2d view", "heatmap", "manifold", "gradient arrows",
                 "trails", "model graph", "slow motion", "divergence", "quality meter", "saliency"):
        assert view in help_text, view
