"""The Playground tab through gradio_client: the named ``generate`` endpoint and its neighbours."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganlab.checkpoints import resolve, shipped_names

pytestmark = pytest.mark.skipif("cgan-mnist" not in shipped_names(),
                                reason="assets/cgan-mnist is missing (the shipped conditional generator)")


class FakeStore:
    """Stands in for SessionStore: every session has saved one generator (a copy of cgan-mnist)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def saved_models(self, session_hash: str) -> dict[str, Path]:
        return {"my-cgan": self.folder}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    import gradio as gr

    from ganlab.ui.playground import tab as playground_tab
    from tests.ui_helpers import api_client

    mine = tmp_path_factory.mktemp("saved") / "my-cgan"
    shutil.copytree(resolve("cgan-mnist"), mine)
    with gr.Blocks() as demo, gr.Tab("Playground"):
        playground_tab.lay_out(FakeStore(mine))
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    yield api_client(url)
    demo.close()


def _read(path: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("L"))


def _generate(client, *args) -> np.ndarray:
    return _read(client.predict(*args, api_name="/generate"))


def test_generate_is_a_named_endpoint_with_the_documented_parameters(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    params = [p["parameter_name"] for p in api["/generate"]["parameters"]]
    assert params == ["model", "seed", "class_", "truncation", "offsets", "directions"]
    assert {"/class_grid", "/interpolate", "/interpolate_classes"} <= set(api)


def test_same_seed_same_image_other_seed_other_image(client):
    a = _generate(client, "cgan-mnist", 42, "7", 1.0, [])
    assert a.shape == (336, 336)
    np.testing.assert_array_equal(a, _generate(client, "cgan-mnist", 42, "7", 1.0, []))
    assert not np.array_equal(a, _generate(client, "cgan-mnist", 43, "7", 1.0, []))
    assert not np.array_equal(a, _generate(client, "cgan-mnist", 42, "7", 1.0, [1.5, -1.0]))
    assert not np.array_equal(a, _generate(client, "cgan-mnist", 42, "7", 1.0, [], [2.0]))


def test_different_class_is_read_as_a_different_digit(client):
    from ganlab.evaluate.quality import load_classifier

    clf = load_classifier("classifier-mnist")
    asked = [3, 7, 0, 8]
    small = np.stack([_generate(client, "cgan-mnist", 5, str(c), 1.0, [])[::12, ::12] for c in asked])
    read = clf.predict(small[..., None].astype(np.float32) / 127.5 - 1.0)
    assert read.tolist() == asked, f"asked {asked}, the independent classifier read {read.tolist()}"


def test_unconditional_and_saved_models(client):
    img = _generate(client, "dcgan-fashion", 1, "", 0.7, [])
    assert img.shape == (336, 336) and img.std() > 10
    mine = _generate(client, "my-cgan (yours)", 42, "7", 1.0, [])
    np.testing.assert_array_equal(mine, _generate(client, "cgan-mnist", 42, "7", 1.0, []))


@pytest.mark.parametrize(("args", "message"), [
    (("no-such-model", 1, "", 1.0, []), "Unknown model"),
    (("cgan-mnist", 1, "12", 1.0, []), "out of range"),
    (("cgan-mnist", 1, "-1", 1.0, []), "out of range"),
    (("dcgan-fashion", 1, "3", 1.0, []), "unconditional"),
    (("cgan-mnist", 1, "3", 1.0, [1e9]), "between -10 and 10"),
    (("cgan-mnist", 1, "3", 1.0, "[NaN, 1]"), "finite"),
    (("cgan-mnist", 1, "3", 5.0, []), "truncation"),
    (("cgan-mnist", -4, "3", 1.0, []), "seed"),
])
def test_bad_inputs_get_clear_messages_and_the_server_keeps_serving(client, args, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message):
        client.predict(*args, api_name="/generate")
    assert _generate(client, "cgan-mnist", 0, "1", 1.0, []).shape == (336, 336)


def test_grid_and_interpolations(client):
    grid = _read(client.predict("cgan-mnist", 6, 1.0, 0, api_name="/class_grid"))
    assert grid.shape == (3 * (10 * 30 + 2), 3 * (6 * 30 + 2))
    strip, gif = client.predict("cgan-mnist", 0, 1, "7", 1.0, 8, api_name="/interpolate")
    assert _read(strip).shape[1] == 3 * (8 * 30 + 2) and Path(gif).read_bytes()[:6] == b"GIF89a"
    strip, gif = client.predict("cgan-mnist", 0, 1, 7, 1.0, 8, api_name="/interpolate_classes")
    with Image.open(gif) as im:
        assert im.n_frames == 2 * 8 - 2
