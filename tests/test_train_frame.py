"""The 2D view's numbers in one module (ganlab/train/layers_2d.py: the same grid, extent and layers as
/view_2d, snapshots and the browser's frame) and the Train tab's live view as numbers over
``GET /train/frame`` (ganlab/server/train_frame.py): its token, its long-poll, its fields. One tiny ring
run for the module."""

from __future__ import annotations

import base64
import threading
import time

import numpy as np
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ganlab.config import TrainConfig
from ganlab.data import Dataset
from ganlab.data.toy import TOY_2D
from ganlab.server.train_frame import TrainFrames
from ganlab.train import layers_2d, views
from ganlab.train.monitor import Monitor
from ganlab.train.run import TrainingRun
from ganlab.train.snapshots import Snapshots
from ganlab.ui.train.live_view import RunDisplay

RING = Dataset("ring", TOY_2D["ring"](2000, np.random.default_rng(0)).astype(np.float32), kind="points")


@pytest.fixture(scope="module")
def ring():
    """A tiny ring run trained 60 steps, its display publishing to a board, and a client of the route."""
    s = TrainingRun(TrainConfig(model="vanilla", dataset="ring", batch_size=16, latent_dim=2, seed=3, steps=3000,
                                precision="float32"), dataset=RING)
    for _ in s.run(60):
        pass
    board = TrainFrames()
    display = RunDisplay(board=board, token=board.open())
    monitor = Monitor(s, None, (), extent=layers_2d.EXTENT)
    with TestClient(Starlette(routes=board.routes())) as client:
        yield s, display, monitor, client


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_the_numbers_are_the_ones_view_2d_gave(ring):
    s, *_ = ring
    view = views.view_2d(s)
    # what /view_2d computed before the numbers had one module: D on a meshgrid, row 0 at y = -2.5
    xs = np.linspace(-2.5, 2.5, 48, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
    before = _sigmoid(np.asarray(s.fns.discriminate(np.stack([gx.ravel(), gy.ravel()], 1))).reshape(48, 48))
    assert view["extent"] == layers_2d.extent_box() == [-2.5, 2.5, -2.5, 2.5]
    np.testing.assert_allclose(view["heatmap"], before, atol=1e-6)
    assert np.ptp(before) > 1e-3, "a flat heatmap cannot tell the grid's orientation"
    np.testing.assert_allclose(layers_2d.grid_points()[:2], [[-2.5, -2.5], [-2.5 + 5 / 47, -2.5]], atol=1e-6)
    np.testing.assert_allclose(view["real"], layers_2d.real_points(s), atol=0)
    assert np.shape(view["manifold"]) == (16, 16, 2) and np.shape(view["fakes"]) == (512, 2)


def test_snapshots_take_the_same_layers(ring):
    s, *_ = ring
    snaps = Snapshots(1, "points")
    snaps.take(s)
    frame = snaps.frame(0)
    np.testing.assert_allclose(frame["heatmap"], layers_2d.heatmap(s), atol=1 / 255)
    np.testing.assert_allclose(frame["fakes"], layers_2d.arrows(s)[0], atol=2e-3)
    np.testing.assert_allclose(frame["manifold"], layers_2d.manifold_mesh(s), atol=2e-3)
    assert frame["extent"] == layers_2d.extent_box()


def test_the_browser_frame_is_the_view_quantized(ring):
    s, *_ = ring
    fakes, push = layers_2d.arrows(s)
    heat = layers_2d.heatmap(s)
    view = {"extent": layers_2d.extent_box(), "fakes": fakes, "arrows": push, "heatmap": heat,
            "heatmap_kind": "probability", "manifold": layers_2d.manifold_mesh(s)}
    ref = 10.0 ** round(np.log10(np.percentile(np.hypot(*push.T), 95)))
    frame = layers_2d.browser_frame(view, ref)
    levels = np.frombuffer(base64.b64decode(frame["heatmap"]["levels"]), np.uint8).reshape(48, 48)
    np.testing.assert_allclose(levels / 255, heat, atol=0.5 / 255 + 1e-6)
    np.testing.assert_allclose(frame["fakes"], fakes, atol=5e-4 + 1e-6)
    every = frame["arrows"]["every"]
    assert every == 512 // layers_2d.ARROWS_DRAWN and len(frame["arrows"]["bars"]) == len(push[::every])
    np.testing.assert_allclose(frame["arrows"]["bars"], layers_2d.ruler_bars(push[::every], ref), atol=1e-3)
    unit = np.asarray(frame["arrows"]["unit"])
    np.testing.assert_allclose((unit * push[::every]).sum(1), np.hypot(*push[::every].T), rtol=2e-3, atol=1e-9)


def test_a_frame_needs_its_own_token(ring):
    _, display, _, client = ring
    assert client.get("/train/frame").status_code == 403
    assert client.get("/train/frame", params={"token": "not-the-token"}).status_code == 404
    assert client.get("/train/frame", params={"token": display.token[:-1]}).status_code == 404
    assert len(display.token) >= 24  # secrets.token_urlsafe(18): 144 random bits


def test_the_live_view_publishes_numbers_the_page_reads(ring):
    s, display, monitor, client = ring
    display.redraw(s, monitor, force=True)
    answer = client.get("/train/frame", params={"token": display.token, "after": -1, "real": 1},
                        headers={"accept-encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["content-encoding"] == "gzip"
    data = answer.json()
    frame, curves = data["frame"], data["curves"]
    assert frame["mode"] == "canvas" and frame["step"] == s.step_count and frame["status"] == s.status
    assert len(frame["views"]) == 1 and frame["labels"] is None and "curves_b" not in data
    assert set(frame["views"][0]) >= {"extent", "fakes", "heatmap", "manifold", "arrows", "arrow_ref"}
    assert frame["layers"] == list(display.layers) and frame["curves"]["probability"] is True
    assert curves["start"] == 0 and curves["total"] == len(s.history) == len(curves["step"]) == 60
    assert curves["step"] == [r.step for r in s.history]
    np.testing.assert_allclose(curves["d_loss"], [r.d_loss for r in s.history], rtol=1e-4)
    assert np.shape(data["real"]) == (600, 2)
    assert len(answer.content) < 30_000, len(answer.content)  # gzipped: heatmap, 512 fakes, arrows, mesh, real
    # the curves' points after the ones the page has, and the real points only when asked
    again = client.get("/train/frame", params={"token": display.token, "after": -1, "points": 55}).json()
    assert again["curves"]["start"] == 55 and again["curves"]["step"] == curves["step"][55:]
    assert "real" not in again
    assert display.board.watched(display.token)


def test_a_long_poll_returns_at_a_new_version(ring):
    s, display, monitor, client = ring
    version = display.board.publish(display.token, {"mode": "canvas", "note": "now"})
    t0 = time.monotonic()
    same = client.get("/train/frame", params={"token": display.token, "after": version, "wait": 0.4}).json()
    assert same["version"] == version and time.monotonic() - t0 >= 0.35
    for _ in s.run(5):
        pass
    later = threading.Timer(0.3, lambda: display.redraw(s, monitor, force=True))
    later.start()
    t0 = time.monotonic()
    new = client.get("/train/frame", params={"token": display.token, "after": version, "wait": 20}).json()
    waited = time.monotonic() - t0
    later.join()
    assert new["version"] > version and new["frame"]["step"] == s.step_count
    assert 0.25 <= waited < 10, waited
    display.close()
    assert client.get("/train/frame", params={"token": display.token}).status_code == 404


def test_a_comparison_publishes_both_runs(ring):
    from ganlab.ui.train.compare_view import Partner

    s, *_ = ring
    b = TrainingRun(TrainConfig(model="vanilla", dataset="ring", batch_size=16, latent_dim=2, seed=3, steps=3000,
                                precision="float32", lr_d=0.01), dataset=RING)
    for _ in b.run(20):
        pass
    board = TrainFrames()
    display = RunDisplay(board=board, token=board.open())
    display.partner = Partner(b, Monitor(b, None, (), extent=layers_2d.EXTENT), ("A (lr_d = 2e-4)", "B (lr_d = 0.01)"),
                              "lr_d")
    display.redraw(s, Monitor(s, None, (), extent=layers_2d.EXTENT), force=True)
    with TestClient(Starlette(routes=board.routes())) as client:
        data = client.get("/train/frame", params={"token": display.token, "points_b": 5}).json()
    frame = data["frame"]
    assert frame["mode"] == "canvas" and frame["labels"] == ["A (lr_d = 2e-4)", "B (lr_d = 0.01)"]
    assert len(frame["views"]) == 2 and frame["views"][0]["fakes"] != frame["views"][1]["fakes"]
    assert len(frame["divergence"]) == 2
    assert data["curves"]["total"] == len(s.history) and data["curves_b"]["total"] == 20
    assert data["curves_b"]["start"] == 5 and data["curves_b"]["step"] == [r.step for r in b.history][5:]
    display.close()
