"""A model a tab loads once, on first use or in the background; a failure becomes a message."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class LazyModel(Generic[T]):
    """``get()`` loads with ``load()`` the first time (thread-safe) and then returns the same model;
    when loading fails, ``get()`` returns None and ``error`` says why, and the app keeps serving."""

    def __init__(self, load: Callable[[], T], what: str):
        self._load, self._what = load, what
        self._model: T | None = None
        self.error = ""
        self._lock = threading.Lock()

    def get(self) -> T | None:
        """The loaded model, or None (with ``error`` set) when it cannot be loaded."""
        with self._lock:
            if self._model is None and not self.error:
                try:
                    self._model = self._load()
                except Exception as e:  # a missing or broken checkpoint must not break the app
                    self.error = f"The {self._what} could not be loaded ({e})."
            return self._model

    def warm_up(self) -> None:
        """Load (and compile) in the background, so the first request is answered quickly."""
        threading.Thread(target=self.get, daemon=True).start()
