"""The serving fixes: the early page script, the calmer queue, and the live-picture frames."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ganlab.ui import app as ui_app
from ganlab.ui.gradio_fixes.frames import KEEP, LiveFrames
from ganlab.ui.gradio_fixes.page import QUIET_TIMERS, EarlyScript
from tests.ui_helpers import wait_for

PAGE = "<!doctype html><html><head><title>t</title><script type=module src=app.js></script></head></html>"


def _client() -> TestClient:
    app = Starlette(routes=[Route("/", lambda r: HTMLResponse(PAGE)),
                            Route("/info", lambda r: JSONResponse({"head": "<head>"}))])
    return TestClient(EarlyScript(app))


def test_page_script_runs_before_the_app_modules():
    r = _client().get("/")
    body = r.content
    assert body.startswith(b"<!doctype html><html><head>" + QUIET_TIMERS)
    assert body.index(QUIET_TIMERS) < body.index(b"app.js")  # before the modules capture rAF
    assert int(r.headers["content-length"]) == len(body)


def test_other_responses_pass_unchanged():
    r = _client().get("/info")
    assert r.json() == {"head": "<head>"}


def test_launch_calms_the_queue_and_serves_the_fixed_page():
    with gr.Blocks() as demo:
        gr.Markdown("hello")
    _, url, _ = ui_app.launch(demo, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    try:
        assert demo._queue.sleep_when_free == ui_app.QUEUE_POLL_S
        assert demo._queue.progress_update_sleep_when_free == ui_app.PROGRESS_POLL_S
        import httpx

        page = httpx.get(url).text
        assert page.index("/statustracker") < page.index('type="module"')
    finally:
        demo.close()


def test_frames_keep_the_last_few_and_go_with_the_run(tmp_path):
    frames = LiveFrames(tmp_path)
    rgb = np.zeros((20, 30, 3), np.uint8)
    rgb[:, :10] = (214, 40, 40)
    paths = [frames.write("curves", rgb, palette=True) for _ in range(KEEP + 3)]
    gray = frames.write("view", np.full((8, 8), 200, np.uint8))
    left = sorted(p.name for p in frames.folder.iterdir())
    assert len(left) == KEEP + 1 and paths[-1].endswith(f"curves-{KEEP + 2}.png")
    with Image.open(paths[-1]) as im:
        assert im.mode == "P" and im.size == (30, 20)
        assert im.convert("RGB").getpixel((0, 0)) == (214, 40, 40)  # a plot's colours survive
    with Image.open(gray) as im:
        assert im.mode == "L" and im.getpixel((0, 0)) == 200
    frames.close()
    assert not frames.folder.exists()
    with pytest.raises(RuntimeError, match="closed"):
        frames.write("view", np.zeros((4, 4), np.uint8))  # a released run draws no more


def test_frames_survive_a_tmp_cleaner_removing_their_folder(tmp_path):
    """A long-lived server's /tmp may be cleaned under it: the next frame recreates the folder."""
    import shutil

    frames = LiveFrames(tmp_path)
    shutil.rmtree(frames.folder)
    path = frames.write("view", np.full((8, 8), 90, np.uint8))
    with Image.open(path) as im:
        assert im.getpixel((0, 0)) == 90


def test_live_curves_redraw_only_when_limits_change_and_refit_only_for_wider_labels():
    """The loss figure blits between redraws; a longer step axis redraws it, one more digit re-fits it."""
    from ganlab.ui.train import plots

    curves = plots.LiveCurves(1.386, True)
    calls = {"draw": 0, "fit": 0}
    draw, fit = curves.fig.canvas.draw, curves.fig.tight_layout
    curves.fig.canvas.draw = lambda: (calls.__setitem__("draw", calls["draw"] + 1), draw())[1]
    curves.fig.tight_layout = lambda: (calls.__setitem__("fit", calls["fit"] + 1), fit())[1]
    flat = lambda n: {"d_loss": np.full(n, 1.4), "g_loss": np.full(n, 0.9), "d_real": np.full(n, 0.6),
                      "d_fake": np.full(n, 0.4)}
    first = curves.update(np.arange(1.0, 51.0), flat(50))
    assert calls == {"draw": 1, "fit": 1} and first.shape == (288, 768, 3)
    curves.update(np.arange(1.0, 53.0), flat(52))  # same limits: blitted
    assert calls == {"draw": 1, "fit": 1}
    assert curves.ax1.get_xlim()[1] == 100
    curves.update(np.arange(1.0, 101.0) * 1.5, flat(100))  # 150 steps: the axis grows to 200, same digits
    assert calls == {"draw": 2, "fit": 1} and curves.ax1.get_xlim()[1] == 200
    curves.update(np.arange(1.0, 101.0) * 10, flat(100))  # 1,000 steps: axis 2000, one more digit
    assert calls == {"draw": 3, "fit": 2} and curves.ax1.get_xlim()[1] == 2000
    curves.close()


def test_a_closed_runs_frames_stay_fetchable_for_a_while(tmp_path):
    """Reset frees the run while the page may still fetch its last frames: they go a little later."""
    from ganlab.ui.gradio_fixes import frames as frames_module

    frames = LiveFrames(tmp_path)
    last = Path(frames.write("view", np.full((8, 8), 90, np.uint8)))
    frames.close(linger=0.5)
    assert last.is_file() and frames.folder in frames_module._lingering
    with pytest.raises(RuntimeError, match="closed"):
        frames.write("view", np.zeros((4, 4), np.uint8))
    wait_for(lambda: not frames.folder.exists(), timeout=10, what="the lingering frames folder to go")
    assert not frames.folder.exists() and frames.folder not in frames_module._lingering


def test_status_speed_only_after_trained_steps():
    """A D-only or G-only step has no steps/s to show (it used to read '7.4 steps/s' after one D-only step)."""
    from ganlab.train.history import StepMetrics
    from ganlab.ui.train.text import speed_text

    trained = StepMetrics(3, 1.0, 1.0, 0.5, 0.5, time=1.0, steps_per_sec=250.0, kind="train")
    d_only = StepMetrics(4, 1.0, 1.0, 0.5, 0.5, time=1.1, steps_per_sec=7.4, kind="d")
    assert speed_text(trained) == "250.0" and speed_text(d_only) == "–" and speed_text(None) == "–"


def test_quality_axis_ends_at_the_runs_last_step():
    """A 3,000-step run's quality meter ends at 3,000, not at the next round number (5,000)."""
    from ganlab.ui.train.plots import LiveSeries

    plot = LiveSeries(("JS",), "real vs fake")
    plot.update([100, 2900], {"JS": [0.5, 0.1]}, last=3000)
    assert plot.ax.get_xlim()[1] == 3000
    plot.update([100, 2900], {"JS": [0.5, 0.1]})
    assert plot.ax.get_xlim()[1] == 3000  # unchanged: the axis grows only when the steps pass it
