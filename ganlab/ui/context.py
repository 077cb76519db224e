"""What every tab's ``build(ctx)`` gets: the server's state, teacher mode, and what tabs hand each other.

A tab is one module exporting ``LABEL`` (its title), ``ID`` (a lesson link's ``tab=``), ``DOCS`` (its docs
page), ``INTRO`` (its two opening lines: what to try first) and ``build(ctx)``; a tab shown only sometimes
also exports ``available(ctx) -> bool``. ``ganlab.ui.app.TABS`` lists them in order: a new tab is one
module and one line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
from starlette.routing import BaseRoute

from ganlab.server.classroom import Classroom
from ganlab.server.store import SessionStore


@dataclass
class TabContext:
    """The app's shared state for the tabs being built (``item``: the gr.Tab being built now)."""

    store: SessionStore
    classroom: Classroom | None = None
    shared: dict[str, Any] = field(default_factory=dict)  # what one tab hands another ("train", "sketch")
    item: gr.Tab | None = None
    after: list[Callable[[gr.Blocks], None]] = field(default_factory=list)  # wiring once every tab is built
    routes: list[BaseRoute] = field(default_factory=list)  # plain HTTP routes on the app's own server (launch)
