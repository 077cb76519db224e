"""Works around Gradio 6.31's slow PNG encoding (zlib level 6) and ever-growing cache for streamed
pictures; remove when the live views are drawn in the browser from numbers (issue 38) or Gradio lets an
output choose its encoding and forget old frames. Live pictures as small PNG files, written fast, cleaned up.

Handing Gradio a numpy array makes it encode a PNG at zlib level 6 (slow for a live figure) and
keep every frame in its cache for the server's lifetime (the cache grows for as long as a run
streams). A training run's live view instead writes its own frames into a folder inside Gradio's
cache (so Gradio serves them without copying): level-1 zlib, plots reduced to a 64-colour palette
(much faster, and far fewer bytes), and only the last few frames of each picture kept. A run's
frames outlive it by a few seconds (``LINGER_S``): the page may still be fetching the last ones when
Reset frees the run, and a deleted file there logs a traceback on the server.
"""

from __future__ import annotations

import atexit
import itertools
import shutil
import tempfile
import threading
from collections import deque
from pathlib import Path

import numpy as np
from PIL import Image

KEEP = 6  # frames kept per picture: the browser may still be fetching the previous ones
LINGER_S = 30.0  # how long a closed run's frames stay fetchable

_lingering: set[Path] = set()  # closed runs' folders waiting for their timer (or the server's exit)


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    _lingering.discard(folder)


@atexit.register
def _remove_lingering() -> None:
    for folder in list(_lingering):
        _remove(folder)


def cache_root() -> Path:
    """Gradio's cache folder (files there are served as they are), as gradio itself finds it."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder())


class LiveFrames:
    """A folder of numbered PNG frames for one run; ``write`` returns the new frame's path."""

    def __init__(self, root: str | Path | None = None):
        base = Path(root) if root is not None else cache_root() / "ganlab-live"
        base.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(dir=base))
        self._count = itertools.count()
        self._kept: dict[str, deque[Path]] = {}
        self._closed = False

    def write(self, name: str, image: np.ndarray, palette: bool = False) -> str:
        """Save a uint8 grayscale or RGB array as PNG; ``palette`` for plots (few colours)."""
        pil = Image.fromarray(np.ascontiguousarray(image))
        if palette and pil.mode == "RGB":
            pil = pil.quantize(64, method=Image.Quantize.FASTOCTREE)
        if self._closed:
            raise RuntimeError("these live frames were closed with their run")
        path = self.folder / f"{name}-{next(self._count)}.png"
        try:
            pil.save(path, format="png", compress_level=1)
        except FileNotFoundError:  # a /tmp cleaner removed the folder under a long-lived server
            self.folder.mkdir(parents=True, exist_ok=True)
            pil.save(path, format="png", compress_level=1)
        kept = self._kept.setdefault(name, deque())
        kept.append(path)
        while len(kept) > KEEP:
            kept.popleft().unlink(missing_ok=True)
        return str(path)

    def latest(self, name: str) -> str | None:
        """The newest frame of ``name`` (another thread may be writing the next one), or None."""
        kept = self._kept.get(name)
        return str(kept[-1]) if kept else None

    def close(self, linger: float = 0.0) -> None:
        """Delete the run's frames, now or ``linger`` seconds later; later writes fail (the run is gone)."""
        self._closed = True
        if linger <= 0:
            _remove(self.folder)
            return
        _lingering.add(self.folder)
        timer = threading.Timer(linger, _remove, args=(self.folder,))
        timer.daemon = True
        timer.start()
