"""Playground `generate` endpoint through gradio_client."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ganlab.checkpoints import shipped_names
from tests.ui_helpers import running_app

pytestmark = pytest.mark.skipif("cgan-mnist" not in shipped_names(), reason="shipped cgan-mnist missing")
from gradio_client import Client  # noqa: E402


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("pg")) as (url, _store):
        yield Client(url, verbose=False)


def _read(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"))


def test_same_seed_same_image(client):
    a = _read(client.predict("cgan-mnist", 42, "7", 1.0, [], api_name="/generate"))
    b = _read(client.predict("cgan-mnist", 42, "7", 1.0, [], api_name="/generate"))
    np.testing.assert_array_equal(a, b)
    c = _read(client.predict("cgan-mnist", 43, "7", 1.0, [], api_name="/generate"))
    assert not np.array_equal(a, c)
    d = _read(client.predict("cgan-mnist", 42, "7", 1.0, [1.5, -1.0], api_name="/generate"))
    assert not np.array_equal(a, d)


def test_class_changes_what_the_independent_classifier_reads(client):
    from ganlab.evaluation import load_classifier

    clf = load_classifier("classifier-mnist")
    reads = []
    for digit in (1, 7):
        big = _read(client.predict("cgan-mnist", 5, str(digit), 1.0, [], api_name="/generate"))
        small = big[::12, ::12].astype(np.float32) / 127.5 - 1.0  # undo the 12x nearest-neighbour upscale
        reads.append(int(clf.predict(small[None, ..., None])[0]))
    assert reads == [1, 7]


def test_errors_are_messages_and_the_server_keeps_serving(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Unknown model"):
        client.predict("no-such-model", 1, "", 1.0, [], api_name="/generate")
    with pytest.raises(AppError, match="out of range"):
        client.predict("cgan-mnist", 1, "11", 1.0, [], api_name="/generate")
    with pytest.raises(AppError, match="between -10 and 10"):
        client.predict("cgan-mnist", 1, "2", 1.0, [1e12], api_name="/generate")
    assert client.predict("dcgan-fashion", 1, "", 0.7, [], api_name="/generate")
