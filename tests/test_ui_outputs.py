"""Image outputs are written to Gradio's cache once and atomically: a page fetching a picture never gets
a file that another event is rewriting (CI saw a broken Playground image and "Too much data for
declared Content-Length" when two events made the same picture)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PIL import Image

from ganlab.ui.gradio_fixes.outputs import cached_png, shown_image


def _picture(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (200, 200, 3), dtype=np.uint8)


def test_same_picture_is_written_once_and_served_from_the_cache(tmp_path):
    image = shown_image(label="out")
    image.GRADIO_CACHE = str(tmp_path)
    first = image.postprocess(_picture())
    path = Path(first.path)
    assert path.parent.parent == tmp_path and path.suffix == ".png"
    np.testing.assert_array_equal(np.asarray(Image.open(path)), _picture())
    stamp = path.stat().st_mtime_ns
    again = image.postprocess(_picture())
    assert again.path == first.path and path.stat().st_mtime_ns == stamp  # reused, not rewritten
    assert image.postprocess(_picture(1)).path != first.path
    assert image.postprocess(None) is None
    assert not [p for p in tmp_path.rglob(".image.*")]  # no staging files left behind


def test_grey_pictures_and_a_reader_never_sees_a_partial_file(tmp_path):
    grey = cached_png(_picture()[..., :1], tmp_path)
    assert np.asarray(Image.open(grey)).shape == (200, 200)
    picture = _picture(2)
    image = shown_image(label="out")
    image.GRADIO_CACHE = str(tmp_path)
    path = Path(image.postprocess(picture).path)
    size, partial, done = path.stat().st_size, [], threading.Event()

    def read() -> None:
        while not done.is_set():
            n = len(path.read_bytes())
            if n != size:
                partial.append(n)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(300):  # the same picture again and again, as many students' first look would
            image.postprocess(picture)
    finally:
        done.set()
        reader.join(60)
    assert not reader.is_alive(), "the reader did not stop within 60 s"
    assert not partial, f"read {len(partial)} partial files"
