"""The Sketch tab through gradio_client: the named ``sketch`` endpoint, image in → image out."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganlab.checkpoints import shipped_names
from tests.ui_helpers import api_client, single_tab_app

pytestmark = pytest.mark.skipif("pix2pix-openmoji" not in shipped_names(), reason="shipped pix2pix not found")
DATA = Path(os.environ.get("GANLAB_DATA_DIR", "")) / "openmoji" / "openmoji_pairs_128.npz"


@pytest.fixture(scope="module")
def app_url():
    from ganlab.ui.tools import sketch as sketch_tab

    with single_tab_app(sketch_tab.lay_out, "Sketch") as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url):
    return api_client(app_url)


def _call(client, image: np.ndarray, tmp_path: Path, name: str = "in.png") -> np.ndarray:
    from gradio_client import handle_file

    path = tmp_path / name
    Image.fromarray(image).save(path)
    out = client.predict(handle_file(str(path)), api_name="/sketch")
    with Image.open(out) as im:
        return np.asarray(im.convert("RGB"))


def test_sketch_endpoint_is_named(client):
    api = client.view_api(print_info=False, return_format="dict")
    assert "/sketch" in api["named_endpoints"]
    params = api["named_endpoints"]["/sketch"]["parameters"]
    assert len(params) == 1 and params[0]["component"] == "Image"


@pytest.mark.skipif(not DATA.is_file(), reason="OpenMoji pairs not found (set GANLAB_DATA_DIR)")
def test_held_out_drawing_comes_back_near_its_true_colours(client, tmp_path):
    from ganlab.data.paired import openmoji

    ds = openmoji(size=128)
    names = ds.meta["test_names"]
    i = next(k for k, n in enumerate(names) if n.endswith(" tomato"))
    sketch = np.round((ds.meta["test_cond"][i, ..., 0] + 1) * 127.5).astype(np.uint8)
    targets = np.round((ds.meta["test_x"] + 1) * 127.5).astype(np.float32)
    big = np.asarray(Image.fromarray(sketch).resize((384, 384), Image.Resampling.BICUBIC))  # any size works
    out = _call(client, big, tmp_path).astype(np.float32)
    assert out.shape == (128, 128, 3)
    l1 = np.abs(targets - out).mean(axis=(1, 2, 3))
    assert l1[i] < np.delete(l1, i).min(), (names[i], l1[i], names[int(np.argmin(l1))], l1.min())


def test_simple_drawing_gets_colour(client, tmp_path):
    from ganlab.explore.sketch import simple_drawings

    out = _call(client, simple_drawings(512)["smiley"], tmp_path).astype(np.float32)
    chroma = out.max(-1) - out.min(-1)
    assert (chroma > 60).mean() > 0.05  # a coloured picture, not a gray copy of the lines


def test_empty_and_black_images_give_a_message(client, tmp_path):
    from gradio_client.exceptions import AppError

    for image, words in ((np.full((64, 64, 3), 255, np.uint8), "empty"), (np.zeros((64, 64, 3), np.uint8), "dark")):
        with pytest.raises(AppError, match=words):
            _call(client, image, tmp_path)


def test_tab_handlers_never_crash():
    from ganlab.ui.tools.sketch import SketchTab

    tab = SketchTab()
    picture, _, message, state = tab.render(None)
    assert picture is None and "No image" in message
    picture, _, message, state = tab.render({"background": None, "layers": [], "composite": None})
    assert picture is None and message
    picture, model_in, message, state = tab.render(np.zeros((900, 40, 4), np.uint8))
    assert picture is None and "empty" in message and model_in.shape == (256, 256)
    from ganlab.explore.sketch import simple_drawings

    picture, _, message, state = tab.render(simple_drawings(300)["cat"], overlay=True)
    assert picture.shape == (384, 384, 3) and state.shape == (128, 128)
    assert tab.rerender(state, False).shape == (384, 384, 3) and tab.rerender(None, True) is None
    broken = SketchTab("no-such-model")
    assert "could not be loaded" in broken.render(simple_drawings(64)["sun"])[2]
