"""The Upscale tab through gradio_client: the named ``upscale`` endpoint, image in → 4× image out;
and the tab's handlers (bad input, shrink first, overlay) without a browser."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganlab.checkpoints import shipped_names
from ganlab.explore.upscale import MAX_SIDE
from tests.ui_helpers import api_client, single_tab_app


def upscale_checkpoint(folder: Path) -> str:
    """The shipped srgan-openmoji, else a tiny one-step SRGAN saved in ``folder``."""
    if "srgan-openmoji" in shipped_names():
        return "srgan-openmoji"
    from tests.test_srgan import tiny_session

    s = tiny_session()
    s.step()
    return str(s.save(folder / "srgan-tiny"))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return upscale_checkpoint(tmp_path_factory.mktemp("srgan"))


@pytest.fixture(scope="module")
def app_url(checkpoint):
    from ganlab.ui.tools import upscale as upscale_tab

    with single_tab_app(partial(upscale_tab.lay_out, checkpoint=checkpoint), "Upscale") as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url):
    return api_client(app_url)


def _emoji(size: int = 32) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    img = np.full((size, size, 3), 255, np.uint8)
    img[(yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size / 3) ** 2] = (250, 200, 30)
    return img


def test_upscale_endpoint_returns_a_4x_image(client, tmp_path):
    from gradio_client import handle_file

    api = client.view_api(print_info=False, return_format="dict")
    assert "/upscale" in api["named_endpoints"]
    path = tmp_path / "in.png"
    Image.fromarray(_emoji(32)[:, :24]).save(path)
    out = client.predict(handle_file(str(path)), api_name="/upscale")
    with Image.open(out) as im:
        assert im.size == (96, 128)


def test_upscale_endpoint_refuses_big_and_non_images(client, tmp_path):
    from gradio_client import handle_file

    big = tmp_path / "big.png"
    Image.new("RGB", (300, 200), "white").save(big)
    with pytest.raises(Exception, match=f"{MAX_SIDE} pixels"):
        client.predict(handle_file(str(big)), api_name="/upscale")


def test_tab_handlers(checkpoint, tmp_path):
    from ganlab.ui.tools.upscale import UpscaleTab

    tab = UpscaleTab(checkpoint)
    gray = tmp_path / "gray.png"
    Image.fromarray(_emoji(32)[..., 0]).save(gray)
    nearest, bicubic, sr, zoom, message = tab.render(str(gray), overlay=True)
    assert nearest.shape == bicubic.shape == sr.shape and nearest.shape[0] >= 128 and zoom is not None
    assert "32×32 → 128×128" in message
    *_, message = tab.render(str(gray), shrink=True)
    assert "shrunk 4×" in message and "8×8 → 32×32" in message
    (tmp_path / "x.png").write_bytes(b"not a png")
    out = tab.render(str(tmp_path / "x.png"))
    assert out[0] is None and "Not an image" in out[-1]
    assert "Sketch" in tab.from_sketch(None)[-1]


def test_sketch_picture_is_shrunk_and_upscaled(checkpoint):
    from ganlab.checkpoints import shipped_names
    from ganlab.explore.sketch import preprocess, simple_drawings
    from ganlab.ui.tools.sketch import SketchTab
    from ganlab.ui.tools.upscale import UpscaleTab

    if "pix2pix-openmoji" not in shipped_names():
        pytest.skip("shipped pix2pix not found")
    tab = UpscaleTab(checkpoint, sketch=SketchTab())
    sketch = preprocess(simple_drawings(256)["smiley"]).sketch
    *_, sr, _zoom, message = tab.from_sketch(sketch)
    assert sr is not None and "Sketch-tab picture" in message and "32×32 → 128×128" in message


@pytest.mark.slow  # the whole app, an SRGAN training
def test_whole_app_has_the_upscale_tab_and_srgan_trains_in_the_train_tab(tmp_path):
    """The full app builds with the Upscale tab; srgan in the Train tab: one step, input/target/output rows."""
    from ganlab.data.paired import openmoji_file
    from tests.ui_helpers import api_client, running_app

    try:
        openmoji_file()
    except Exception:
        pytest.skip("OpenMoji pairs not found (set GANLAB_DATA_DIR)")
    with running_app(tmp_path, max_runs=1) as (url, _):
        c = api_client(url)
        assert "/upscale" in c.view_api(print_info=False, return_format="dict")["named_endpoints"]
        out = c.predict("srgan", "openmoji", None, None, None, None, 4, None, 0, 10, api_name="/step")
        m = c.predict(api_name="/metrics")
        assert m["model"] == "srgan" and m["step"] == 1 and {"mse", "g_adv"} <= set(m["last"])
        view = np.asarray(Image.open(out[1]).convert("RGB"))
        assert view.shape[1] > view.shape[0]  # 8 columns, 3 rows: low-res, truth, output
        c.predict(api_name="/reset")


def test_opening_the_tab_shows_an_example_once(checkpoint):
    """The tab never opens empty: its first opening puts a held-out emoji in the upload box (whose change
    event draws the pictures); a student's own upload, and later openings, are left alone."""
    import gradio as gr

    from ganlab.data.base import DataError
    from ganlab.data.paired import openmoji_file
    from ganlab.ui.tools import upscale as upscale_tab

    try:
        openmoji_file()
    except DataError:
        pytest.skip("OpenMoji pairs not found (set GANLAB_DATA_DIR)")
    with gr.Blocks() as demo, gr.Tab("Upscale") as opened:
        tab = upscale_tab.lay_out(None, checkpoint=checkpoint)
    fns = [d for d in demo.fns.values() if (opened._id, "select") in d.targets]
    assert fns and fns[0].fn == tab.first_look
    picture, shown = tab.first_look(None, False)
    assert picture.shape == (32, 32, 3) and shown is True
    _nearest, _bicubic, sr, _zoom, message = tab.render(picture)
    assert sr.shape[0] >= 128 and "32×32 → 128×128" in message
    assert tab.first_look(None, True)[0] == gr.skip()  # opened before: what is shown stays
    assert tab.first_look("/uploaded.png", False)[0] == gr.skip()  # the student's upload stays
