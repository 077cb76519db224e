"""Train tab's TensorBoard option through its API: tick it, train, download the logs as a zip and read
them back with TensorBoard's EventAccumulator (every step there, the earlier ones too)."""

from __future__ import annotations

import zipfile

import pytest

from tests.test_tensorboard import read_events, steps_of
from tests.ui_helpers import api_client, running_app, wait_for

pytest.importorskip("gradio_client")

RING = ["vanilla", "ring", "non_saturating", 1e-3, 1e-3, 1, 64, 8, 0, 100000]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("app"), max_runs=2) as (url, store):
        yield url, store


def test_tensorboard_logs_of_a_run_download_as_zip(app, tmp_path):
    url, store = app
    c = api_client(url)
    assert c.predict(api_name="/tensorboard_zip") is None  # nothing written yet
    c.predict(*RING, api_name="/start")
    wait_for(lambda: c.predict(api_name="/metrics")["step"] >= 5)
    note = c.predict(True, api_name="/tensorboard")  # switched on mid-run: earlier steps are written too
    assert "first step" in note
    c.predict(api_name="/pause")
    wait_for(lambda: c.predict(api_name="/metrics")["status"] == "paused")
    steps = c.predict(api_name="/metrics")["step"]
    archive = c.predict(api_name="/tensorboard_zip")
    assert archive.endswith("tensorboard.zip")
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "logs")
    (run_dir,) = [p for p in (tmp_path / "logs").iterdir() if p.is_dir()]
    assert run_dir.name.startswith("vanilla-ring-seed0-")
    acc = read_events(run_dir)
    assert steps_of(acc, "loss/d_loss") == list(range(1, steps + 1))
    assert "_hparams_/session_start_info" in acc.Tags()["tensors"]
    c.predict(False, api_name="/tensorboard")
    c.predict(api_name="/reset")
    assert store.tensorboard_dir(c.session_hash).is_dir()  # kept until the session ends
