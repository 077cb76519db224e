"""Each tab opens with two lines and a "?" link to its docs page; "What the pictures mean" names every view."""

from __future__ import annotations

from pathlib import Path

from ganlab.ui import intro
from ganlab.ui.app import TABS
from ganlab.ui.train import text

REPO = Path(__file__).parents[1]


def test_every_tab_is_one_module_with_label_id_intro_and_build():
    assert [t.ID for t in TABS] == ["train", "class", "playground", "text2img", "sketch", "upscale", "classify"]
    for tab in TABS:
        assert isinstance(tab.LABEL, str) and tab.LABEL and isinstance(tab.ID, str) and tab.ID, tab.__name__
        assert callable(tab.build), tab.__name__


def test_intros_are_two_lines_and_link_an_existing_page(monkeypatch):
    monkeypatch.delenv(intro.DOCS_URL_ENV, raising=False)
    for tab in TABS:
        assert len(tab.INTRO.split("\n")) == 2, tab.LABEL
        assert (REPO / tab.DOCS).is_file(), f"{tab.LABEL}: {tab.DOCS} does not exist"
        assert f"`{tab.DOCS}`" in intro.markdown(tab.INTRO, tab.DOCS)
    monkeypatch.setenv(intro.DOCS_URL_ENV, "https://example.org/ganlab/blob/main/")
    assert "](https://example.org/ganlab/blob/main/docs/train.md)" in intro.markdown(TABS[0].INTRO, TABS[0].DOCS)


def test_pictures_help_covers_every_view():
    help_text = text.pictures_help().lower()
    for view in ("status", "alarms", "curves", "samples", "2d view", "heatmap", "manifold", "gradient arrows",
                 "trails", "model graph", "slow motion", "divergence", "quality meter", "saliency"):
        assert view in help_text, view
