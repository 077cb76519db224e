"""How a tab opens: its two lines (what to try first) and its "?" link to the docs page.

Each tab module holds its INTRO; ``ui/app.py`` renders ``markdown(tab.INTRO, tab.DOCS)`` at the top of every tab. The
link points at the docs page in the repository: set ``GANLAB_DOCS_URL`` to where the repository's files
are browsable (e.g. its GitHub ``.../blob/main`` address) to make it a link; without it the tab names the file.
"""

from __future__ import annotations

import os

DOCS_URL_ENV = "GANLAB_DOCS_URL"


def link(page: str) -> str:
    """The "?" link to a docs page: a Markdown link when GANLAB_DOCS_URL is set, else the page's path."""
    base = os.environ.get(DOCS_URL_ENV, "").strip().rstrip("/")
    return f"[**?** {page}]({base}/{page})" if base else f"**?** `{page}` in the ganlab repository"


def markdown(lines: str, page: str) -> str:
    """The opening of a tab: its two lines (its INTRO) and the "?" link to its docs page (Markdown)."""
    first, second = lines.split("\n", 1)
    return f"{first}  \n{second} · {link(page)}"
