"""A bag of Gradio components by name, for panels whose layout helpers fill it and whose wiring reads it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


class Components(SimpleNamespace):
    """Components by name; a name not set yet reads as None (a panel lays out only what its model needs)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None
