"""Per-browser-session state (a running training, saved generators), keyed by session hash."""

from __future__ import annotations

import threading
from pathlib import Path


class SessionStore:
    """What each browser session owns. Placeholder: the Train tab work fills this in."""

    def __init__(self, max_runs: int = 4):
        self.max_runs = max_runs
        self._lock = threading.Lock()
        self._saved: dict[str, dict[str, Path]] = {}

    def saved_models(self, session_hash: str) -> dict[str, Path]:
        """Generators this browser session saved from the Train tab: name -> checkpoint folder."""
        with self._lock:
            return dict(self._saved.get(session_hash, {}))

    def add_saved_model(self, session_hash: str, name: str, path: Path) -> None:
        """Record a generator saved by this session (the Playground lists it at once)."""
        with self._lock:
            self._saved.setdefault(session_hash, {})[name] = Path(path)
