"""The Train tab's "Is it copying?" accordion (issue #28): the caller's run's samples beside their
nearest training images; one small index (2,000 images) and one untrained MNIST run for the module."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tests.conftest import have_mnist

pytestmark = pytest.mark.skipif(not have_mnist(), reason="MNIST not found (set GANLAB_DATA_DIR)")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from ganlab.config import TrainConfig
    from ganlab.server.store import SessionStore

    store = SessionStore(max_runs=3, root=tmp_path_factory.mktemp("runs"))
    store.create("digits", TrainConfig(model="cgan", dataset="mnist", steps=10, batch_size=8, limit=300))
    store.create("ring", TrainConfig(model="vanilla", dataset="ring", steps=10))
    yield store
    for sid in ("digits", "ring"):
        store.release(sid)


@pytest.fixture(scope="module")
def panel(store):
    from ganlab.explore.nearest import IndexCache
    from ganlab.ui.train.nearest import TrainNearest

    return TrainNearest(store, IndexCache(limit=2000))


def _who(sid: str):
    return SimpleNamespace(session_hash=sid)


def test_a_sample_is_set_beside_its_exact_nearest_training_images(panel, store):
    from ganlab.explore.nearest import as_queries

    figure, text, numbers = panel.find(3, 1, _who("digits"))
    (found,) = numbers["samples"]
    assert found["sample"] == 3 and numbers["dataset"] == "mnist" and "**Sample 3**" in text
    sample = as_queries(store.get("digits").run.samples())[3]  # the grid's 4th picture, row by row
    index = panel.indexes.get("mnist")
    brute = np.sqrt(((index.images.reshape(len(index.images), -1).astype(np.float32)
                      - sample.reshape(-1).astype(np.float32)) ** 2).mean(1)) / 255
    assert [n["index"] for n in found["pixels"]["nearest"]] == list(np.argsort(brute)[:5])
    assert len(found["features"]["nearest"]) == 5 and found["features"]["held_out_median"] > 0
    assert figure.shape[:2] == (4 * (2 * 30 + 2), 4 * (6 * 30 + 2))  # the sample + 5, by features and by pixels


def test_the_first_few_samples_at_once(panel):
    figure, text, numbers = panel.find(0, 4, _who("digits"))
    assert [s["sample"] for s in numbers["samples"]] == [0, 1, 2, 3] and text.count("**Sample") == 4
    assert figure.shape[0] == 4 * 4 * (2 * 30 + 2) + 3 * 8  # four figures, a white gap between each


@pytest.mark.parametrize("who, sample, count, message", [
    ("nobody", 0, 1, "No run yet"),
    ("ring", 0, 1, "2D points"),
    ("digits", 999, 1, "pick 0 to 59"),
    ("digits", 0, 20, "1 to 8 samples"),
    ("digits", "three", 1, "Not a whole number"),
])
def test_what_cannot_be_searched_is_said(panel, who, sample, count, message):
    import gradio as gr

    with pytest.raises(gr.Error, match=message):
        panel.find(sample, count, _who(who))


def test_the_endpoint_is_named_and_reads_the_callers_run_only(store, monkeypatch):
    import gradio as gr

    from ganlab.config import TrainConfig
    from ganlab.explore.nearest import IndexCache
    from ganlab.ui.train import nearest as train_nearest
    from tests.ui_helpers import api_client

    monkeypatch.setattr(train_nearest, "shared_indexes", lambda: IndexCache(limit=2000))
    with gr.Blocks() as demo:
        train_nearest.build(store)
    demo.queue()
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    try:
        client = api_client(url)
        api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        assert [p["parameter_name"] for p in api["/train_nearest"]["parameters"]] == ["sample", "count"]
        with pytest.raises(Exception, match="No run yet"):  # another session's run is not this caller's
            client.predict(0, 1, api_name="/train_nearest")
        store.create(client.session_hash, TrainConfig(model="cgan", dataset="mnist", steps=10, batch_size=8,
                                                      limit=300))
        _, _, numbers = client.predict(5, 1, api_name="/train_nearest")
        assert numbers["samples"][0]["sample"] == 5 and len(numbers["samples"][0]["pixels"]["nearest"]) == 5
    finally:
        store.release(client.session_hash)
        demo.close()
