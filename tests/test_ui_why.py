"""The Train tab's GAN Lab views through the API: /view_2d (arrows uphill on D's own heatmap), the
slow-motion step phase by phase, settings changed while it trains (curves, history.csv), bad input."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from tests.ui_helpers import api_client, running_app, wait_for

pytest.importorskip("gradio_client")


def ring(loss: str, steps: int = 100000, lr_d: float = 1e-3) -> list:
    """The healthy ring preset's form with another loss (and step budget)."""
    return ["vanilla", "ring", loss, 1e-3, lr_d, 1, 256, 8, 0, steps]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("app"), max_runs=2) as (url, store):
        yield url, store, api_client(url)


def _step(client) -> int:
    return client.predict(api_name="/metrics")["step"]


def uphill_share(view: dict) -> float:
    """Of the fakes on D's slopes (a clear finite-difference gradient of the heatmap at their cell), the
    share whose arrow points uphill on that heatmap: what −∂L_G/∂x means for these losses."""
    heat = np.asarray(view["heatmap"])
    x0, x1, y0, y1 = view["extent"]
    n = heat.shape[0]
    gy, gx = np.gradient(heat)  # along rows (y) and columns (x)
    fakes, arrows = np.asarray(view["fakes"]), np.asarray(view["arrows"])
    col = np.clip(np.round((fakes[:, 0] - x0) / (x1 - x0) * (n - 1)).astype(int), 0, n - 1)
    row = np.clip(np.round((fakes[:, 1] - y0) / (y1 - y0) * (n - 1)).astype(int), 0, n - 1)
    slope = np.stack([gx[row, col], gy[row, col]], 1)
    steep = np.linalg.norm(slope, axis=1) > 0.01
    assert steep.sum() >= 20, "too few fakes on D's slopes to judge"
    return float(((slope[steep] * arrows[steep]).sum(1) > 0).mean())


@pytest.mark.parametrize("loss", ["non_saturating", "least_squares"])
def test_view_2d_arrows_point_uphill_on_ds_heatmap(app, loss):
    c = app[2]
    c.predict(*ring(loss, steps=300), api_name="/start")
    wait_for(lambda: c.predict(api_name="/metrics")["status"] == "finished", timeout=120, what="300 steps")
    view = c.predict(api_name="/view_2d")
    assert view["step"] == 300 and view["heatmap_kind"] == "probability"
    assert len(view["fakes"]) >= 100 and len(view["arrows"]) == len(view["fakes"])
    assert np.asarray(view["manifold"]).shape[-1] == 2 and 0 <= view["js"] <= 1 and view["kl"] >= 0
    assert np.asarray(view["heatmap"]).shape == (48, 48)
    assert uphill_share(view) >= 0.8
    c.predict(api_name="/reset")


def test_slow_step_shows_each_phase_then_the_live_view(app):
    c = app[2]
    c.predict(*ring("non_saturating", steps=50), api_name="/step")
    picture, sentence, graph = c.predict(*ring("non_saturating", steps=50), api_name="/slow_step")
    assert "phase 1 of 3" in sentence and "the batch" in sentence and "<svg" in graph and picture
    _, sentence, graph = c.predict(api_name="/next_phase")
    assert "phase 2 of 3" in sentence and "D update 1 of 1" in sentence
    _, sentence, _ = c.predict(api_name="/next_phase")
    assert "phase 3 of 3" in sentence and "G's update" in sentence
    _, sentence, _ = c.predict(api_name="/next_phase")  # back to the live view
    assert sentence == "" and _step(c) == 2  # one Step and one slow step: the slow step is a real step
    _, sentence, _ = c.predict(api_name="/next_phase")
    assert "Step in slow motion" in sentence  # nothing to go on with: says what to press
    c.predict(api_name="/reset")  # no run now: the form's values make the next one, and are checked
    _, sentence, _ = c.predict("vanilla", "ring", "non_saturating", -1, 1e-3, 1, 256, 8, 0, 50,
                               api_name="/slow_step")
    assert "Cannot step" in sentence and "lr_g" in sentence


def test_a_learning_rate_changed_while_training_shows_on_the_curves_and_in_the_csv(app):
    _, store, c = app
    c.predict(*ring("non_saturating"), api_name="/start")
    wait_for(lambda: _step(c) > 50, timeout=120, what="50 steps")
    note = c.predict(0.01, api_name="/change_lr_d")
    assert "lr_d" in note and "0.01" in note
    at = int(note.split("after step ")[1].split(" ")[0].replace(",", ""))
    wait_for(lambda: _step(c) > at + 50, timeout=120, what="50 steps after the change")
    c.predict(api_name="/pause")
    job = next(iter(store._runs.values()))
    assert job.run.config.lr_d == 0.01 and [(ch.name, ch.new) for ch in job.run.changes] == [("lr_d", 0.01)]
    c.predict(*ring("non_saturating"), api_name="/step")  # draws the live view (the stream needs a browser)
    assert [m[0] for m in job.display.curves.marks] == [at] and "0.01" in job.display.curves.marks[0][1]
    with open(c.predict(api_name="/history_csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    rates = {int(r["step"]): float(r["lr_d"]) for r in rows}
    assert rates[at] == 1e-3 and rates[at + 1] == 0.01 and rates[len(rows)] == 0.01
    c.predict(api_name="/reset")


def test_layers_take_ids_and_the_old_labels(app):
    """/layers is keyed by ids (real, fakes, heatmap, ...); the labels it took before still work."""
    _, store, c = app
    c.predict(*ring("non_saturating", steps=20), api_name="/start")
    wait_for(lambda: c.predict(api_name="/metrics")["status"] == "finished", timeout=120, what="20 steps")
    sid = next(iter(store.jobs()))
    c.predict(["real", "heatmap"], api_name="/layers")
    assert store.choice(sid, "layers") == ("real", "heatmap")
    c.predict(["gradient arrows", "fakes", "G's manifold"], api_name="/layers")
    assert store.choice(sid, "layers") == ("fakes", "manifold", "arrows")
    c.predict(api_name="/reset")
