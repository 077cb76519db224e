"""Live pictures as small PNG files that the browser fetches, written fast and cleaned up.

Handing Gradio a numpy array makes it encode a PNG at zlib level 6 (17 ms for the 768×264 loss
figure here) and keep every frame in its cache for the server's lifetime (~0.9 GB an hour at two
frames a second). A training run's live view instead writes its own frames into a folder inside
Gradio's cache (so Gradio serves them without copying): level-1 zlib, plots reduced to a 64-colour
palette (3 ms, a third of the bytes), and only the last few frames of each picture kept.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections import deque
from pathlib import Path

import numpy as np
from PIL import Image

KEEP = 6  # frames kept per picture: the browser may still be fetching the previous ones


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

    def close(self) -> None:
        """Delete the run's frames; later writes fail (the run is gone)."""
        self._closed = True
        shutil.rmtree(self.folder, ignore_errors=True)
