"""Each browser session's uploaded data: its working folder and its decoded dataset, within a
per-session and a server-wide cap; deleted when the session ends."""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from ganlab.data import DataError, Dataset
from ganlab.data.uploads import dataset_bytes
from ganlab.server.limits import MB, SERVER_UPLOAD_BYTES, SESSION_UPLOAD_BYTES


def folder_name(sid: str) -> str:
    """A session id as a folder name (Gradio's hashes are alphanumeric; anything else is dropped)."""
    return "".join(ch for ch in sid if ch.isalnum() or ch in "-_")[:64] or "local"


class Uploads:
    """Uploaded datasets by session id, their bytes counted against the two caps."""

    def __init__(self, session_bytes: int = SESSION_UPLOAD_BYTES, server_bytes: int = SERVER_UPLOAD_BYTES):
        self.session_bytes, self.server_bytes = session_bytes, server_bytes
        self._lock = threading.Lock()
        self._data: dict[str, tuple[Dataset, int]] = {}  # sid -> (dataset, bytes)
        self._root: Path | None = None

    def folder(self, sid: str) -> Path:
        """A fresh working folder for this session's uploads (deleted when the session ends)."""
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="ganlab-uploads-"))
            base = self._root
        folder = base / folder_name(sid)
        shutil.rmtree(folder, ignore_errors=True)  # one upload per session: the new one replaces the old
        folder.mkdir(parents=True)
        return folder

    def keep(self, sid: str, dataset: Dataset) -> None:
        """Keep ``dataset`` as this session's uploaded data, within the per-session and server caps."""
        size = dataset_bytes(dataset)
        if size > self.session_bytes:
            raise DataError(f"The uploaded data takes {size / MB:.0f} MB once decoded; each session may hold "
                            f"{self.session_bytes / MB:.0f} MB. Upload fewer images.")
        with self._lock:
            others = sum(b for s, (_, b) in self._data.items() if s != sid)
            if others + size > self.server_bytes:
                raise DataError("The server holds too much uploaded data right now "
                                f"({self.server_bytes / MB:.0f} MB for all sessions); try again later "
                                "or upload fewer images.")
            for a in (dataset.x, dataset.y, dataset.cond):
                if a is not None:
                    a.flags.writeable = False
            self._data[sid] = (dataset, size)

    def get(self, sid: str) -> Dataset | None:
        """This session's uploaded data, if any."""
        with self._lock:
            found = self._data.get(sid)
        return found[0] if found else None

    def total_bytes(self) -> int:
        """Decoded bytes of all sessions' uploads."""
        with self._lock:
            return sum(b for _, b in self._data.values())

    def holders(self) -> set[str]:
        """The sessions holding uploaded data."""
        with self._lock:
            return set(self._data)

    def drop(self, sid: str) -> None:
        """Forget this session's data and delete its folder."""
        with self._lock:
            self._data.pop(sid, None)
            root = self._root
        if root is not None:
            shutil.rmtree(root / folder_name(sid), ignore_errors=True)

    def close(self) -> None:
        """Delete every session's folder (the server is shutting down)."""
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
