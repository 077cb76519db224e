"""The Text → image tab through gradio_client: the named ``text_to_image`` endpoint (text, seed,
count → images, attention figure, what was read), its refusals, and the handlers without a browser."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ganlab.explore.text2img import MAX_COUNT


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> str:
    """A tiny one-step text2img checkpoint (the tests must not need the shipped weights)."""
    from ganlab.config import TrainConfig
    from ganlab.train.run import TrainingRun
    from tests.test_text2img import TINY, _digits

    s = TrainingRun(TrainConfig(model="text2img", dataset="digits", batch_size=8, precision="float32",
                                    options=TINY), dataset=_digits())
    s.step()
    return str(s.save(tmp_path_factory.mktemp("t2i") / "text2img-tiny"))


@pytest.fixture(scope="module")
def client(checkpoint):
    import gradio as gr

    from ganlab.ui.tools import text2img as text2img_tab
    from tests.ui_helpers import api_client

    with gr.Blocks() as demo:
        text2img_tab.lay_out(None, checkpoint=checkpoint)
    demo.queue()
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    yield api_client(url)
    demo.close()


def test_text_to_image_endpoint(client):
    api = client.view_api(print_info=False, return_format="dict")
    assert "/text_to_image" in api["named_endpoints"]
    gallery, figure, info = client.predict("a thick seven slanted right", 3, 5, api_name="/text_to_image")
    assert len(gallery) == 5
    first = np.asarray(Image.open(gallery[0]["image"]))
    assert first.shape[:2] == (28, 28)
    assert "thick · seven · right" in info and "digit 7" in info
    with Image.open(figure) as im:  # image + 3 word maps per row
        assert im.size[0] > 3 * im.size[1] / 4
    again, _, _ = client.predict("a thick 7 slanted right", 3, 2, api_name="/text_to_image")
    same = [np.asarray(Image.open(g[1]["image"])) for g in (again, gallery)]
    np.testing.assert_array_equal(*same)  # numeral or word, one seed: the same images


def test_text_to_image_refuses_unknown_words_and_big_counts(client):
    with pytest.raises(Exception, match="Unknown word 'purple'.*thick"):
        client.predict("a purple seven", 0, 4, api_name="/text_to_image")
    with pytest.raises(Exception, match=f"{MAX_COUNT}"):
        client.predict("a seven", 0, MAX_COUNT + 1, api_name="/text_to_image")
    gallery, _, _ = client.predict("a seven", 0, 1, api_name="/text_to_image")  # still serving
    assert len(gallery) == 1


def test_tab_handlers(checkpoint):
    import gradio as gr

    from ganlab.ui.tools.text2img import Text2ImgTab

    tab = Text2ImgTab(checkpoint)
    items, figure, info = tab.run("wide zero", 0, 3)
    assert len(items) == 3 and items[0][0].shape == (28, 28) and figure.ndim == 3
    assert "no digit" not in info and "digit 0" in info
    _, _, info = tab.run("a thick one", 0, 1)
    assert "digit 1" in info
    _, _, info = tab.run("thick, slanted left", 0, 1)
    assert "no digit named" in info
    for bad in ("", "a bicycle"):
        with pytest.raises(gr.Error):
            tab.run(bad, 0, 1)
    with pytest.raises(gr.Error, match="whole numbers"):
        tab.run("a seven", "x", 1)
    missing = Text2ImgTab("no-such-checkpoint")
    with pytest.raises(gr.Error, match="could not be loaded"):
        missing.run("a seven", 0, 1)


def test_opening_the_tab_draws_the_sentence_once(checkpoint):
    """The tab never opens empty: its first opening draws the sentence in the box; later ones keep
    what is shown (gr.skip()), and the drawing is wired to the tab's select event."""
    import gradio as gr

    from ganlab.ui.tools import text2img as text2img_tab

    with gr.Blocks() as demo, gr.Tab("Text → image") as opened:
        tab = text2img_tab.lay_out(None, checkpoint=checkpoint)
    fns = [d for d in demo.fns.values() if (opened._id, "select") in d.targets]
    assert fns and fns[0].fn == tab.first_look
    gallery, figure, info, shown = tab.first_look("a thick seven slanted right", 0, 3, False)
    assert len(gallery) == 3 and figure.ndim == 3 and "seven" in info and shown is True
    assert tab.first_look("a thick seven slanted right", 0, 3, True)[:3] == (gr.skip(),) * 3
