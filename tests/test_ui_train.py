"""Train tab through its API (gradio_client): start, metrics, pause, step, save, reset, isolation, errors."""

from __future__ import annotations

import csv
import time

import pytest

from tests.ui_helpers import api_client, running_app, wait_for

pytest.importorskip("gradio_client")

RING = ["vanilla", "ring", "non_saturating", 1e-3, 1e-3, 1, 256, 8, 0, 100000]
WGAN_RING = ["wgan_gp", "ring", "wasserstein", 1e-4, 1e-4, 5, 128, 2, 1, 100000]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("app"), max_runs=2) as (url, store):
        yield url, store


def _metrics(client):
    return client.predict(api_name="/metrics")


def test_form_blank_boxes_leave_the_config_defaults():
    """The form travels as one TrainForm; a blank box means TrainConfig's default (None there: the model's)."""
    from ganlab.config import TrainConfig
    from ganlab.ui.train.tab import TrainForm

    assert TrainForm.names() == ("model", "dataset", "loss", "lr_g", "lr_d", "k", "batch_size", "latent_dim",
                                 "seed", "steps", "compare", "compare_value", "speed", "optimizer")
    assert TrainForm().config() == TrainConfig()
    c = TrainForm("vanilla", "ring", " ", None, 2e-4, None, None, 8, "", 500).config()
    assert (c.model, c.dataset, c.loss, c.lr_g, c.lr_d, c.latent_dim, c.steps) == ("vanilla", "ring", None, None,
                                                                                    2e-4, 8, 500)
    assert (c.batch_size, c.seed) == (TrainConfig().batch_size, TrainConfig().seed)


@pytest.mark.slow  # trains on the served app
def test_start_read_pause_step_save_reset(app):
    url, store = app
    c = api_client(url)
    status = c.predict(*RING, api_name="/start")
    assert "Training **vanilla** on **ring**" in status and "CPU" in status
    m = wait_for(lambda: (x := _metrics(c))["step"] > 30 and x, what="/metrics to pass step 30")
    assert m["status"] == "running" and m["model"] == "vanilla"
    assert m["last"]["d_loss"] > 0 and 0 <= m["last"]["d_real"] <= 1 and m["steps_per_sec"] > 0
    c.predict(api_name="/pause")
    wait_for(lambda: _metrics(c)["status"] == "paused", what="/metrics to say paused")
    frozen = _metrics(c)["step"]
    time.sleep(1.0)  # the stillness is what is tested: paused, the step count stays put for 1 s
    assert _metrics(c)["step"] == frozen
    out = c.predict(*RING, api_name="/step")
    assert f"Step {frozen + 1} /" in out[3]
    assert _metrics(c)["step"] == frozen + 1
    c.predict(*RING, api_name="/d_step")
    c.predict(*RING, api_name="/g_step")
    last = _metrics(c)["last"]
    assert last["kind"] == "g" and last["step"] == frozen + 3
    zip_path, note = c.predict(api_name="/save")
    assert zip_path.endswith(".zip") and "Playground" in note
    saved = store.saved_models(c.session_hash)
    assert len(saved) == 1 and (next(iter(saved.values())) / "card.json").is_file()
    csv_path = c.predict(api_name="/history_csv")
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == frozen + 3 and {"d_loss", "g_loss", "d_real", "d_fake", "steps_per_sec"} <= set(rows[0])
    c.predict(api_name="/reset")
    assert _metrics(c)["status"] == "none"
    assert store.saved_models(c.session_hash)  # saved generators survive a reset


@pytest.mark.slow  # trains on the served app
def test_two_sessions_train_different_models_in_isolation(app):
    url, _ = app
    a, b = api_client(url), api_client(url)
    a.predict(*RING, api_name="/start")
    b.predict(*WGAN_RING, api_name="/start")
    wait_for(lambda: _metrics(a)["step"] > 20 and _metrics(b)["step"] > 5, what="both sessions to train")
    assert _metrics(a)["model"] == "vanilla" and _metrics(b)["model"] == "wgan_gp"
    b.predict(api_name="/pause")
    wait_for(lambda: _metrics(b)["status"] == "paused", what="session B to pause")
    before = _metrics(a)["step"]
    wait_for(lambda: _metrics(a)["step"] > before + 10, what="A to train on while B is paused")
    b.predict(api_name="/reset")
    assert _metrics(b)["status"] == "none" and _metrics(a)["status"] == "running"
    a.predict(api_name="/reset")


@pytest.mark.slow  # trains on the served app
def test_busy_server_says_so(app):
    url, _ = app
    clients = [api_client(url) for _ in range(3)]
    for c in clients[:2]:
        assert "Training" in c.predict(*RING, api_name="/start")
    message = clients[2].predict(*RING, api_name="/start")
    assert "busy" in message.lower() and "2 trainings" in message
    for c in clients:
        c.predict(api_name="/reset")


@pytest.mark.parametrize(("field", "value", "expected"), [
    (3, -0.5, "Learning rate lr_g"),
    (4, 1000, "Learning rate lr_d"),
    (6, 0, "batch_size must be between 1"),
    (7, 5000, "latent_dim must be between"),
    (9, -5, "steps must be between 0"),
])
def test_bad_values_get_clear_messages_and_server_keeps_serving(app, field, value, expected):
    url, _ = app
    c = api_client(url)
    args = list(RING)
    args[field] = value
    status = c.predict(*args, api_name="/start")
    assert "Cannot start" in status and expected in status
    assert _metrics(c)["status"] == "none"


@pytest.mark.slow  # trains on the served app
def test_text_in_a_number_box_is_refused_and_the_server_keeps_serving(app):
    """The browser's number boxes cannot hold text; through the API, Gradio refuses it before our code."""
    from gradio_client.exceptions import AppError

    url, _ = app
    c = api_client(url)
    args = list(RING)
    args[6] = "lots"
    with pytest.raises(AppError):
        c.predict(*args, api_name="/start")
    assert _metrics(c)["status"] == "none"
    assert "Training" in c.predict(*RING, api_name="/start")
    c.predict(api_name="/reset")


def test_model_and_data_mismatch_is_explained(app):
    url, _ = app
    c = api_client(url)
    status = c.predict("dcgan", "ring", None, None, None, None, 64, None, 0, 100, api_name="/start")
    assert "needs image data" in status


@pytest.mark.slow  # builds pix2pix and OpenMoji on the served app
def test_pix2pix_step_shows_input_target_output_rows(app):
    """pix2pix in the Train tab: one step, then the view holds held-out sketches, targets, outputs."""
    import numpy as np
    from PIL import Image

    from ganlab.data.paired import openmoji_file

    try:
        openmoji_file()
    except Exception:
        pytest.skip("OpenMoji pairs not found (set GANLAB_DATA_DIR)")
    url, _ = app
    c = api_client(url)
    out = c.predict("pix2pix", "openmoji", None, None, None, None, 4, None, 0, 10, api_name="/step")
    m = _metrics(c)
    assert m["model"] == "pix2pix" and m["step"] == 1 and {"l1", "g_adv"} <= set(m["last"])
    view = np.asarray(Image.open(out[1]).convert("RGB"))
    h, w, _ = view.shape
    assert w > h  # 8 columns, 3 rows
    rows = np.array_split(view, 3, axis=0)
    assert rows[0].std() > 10  # sketches, not a blank row
    # row 1 is line art (grey), row 2 the true emojis (colour)
    colour = [float(np.abs(r[..., 0].astype(int) - r[..., 2].astype(int)).mean()) for r in rows[:2]]
    assert colour[1] > colour[0] + 5, colour
    c.predict(api_name="/reset")


@pytest.mark.slow  # trains on the served app
def test_metrics_reports_the_collapse_alarms_the_tab_shows(app):
    """One alarms computation: /metrics carries the collapse alarm (coverage) the live view shows.
    On the 'mode collapse' preset G piles its points on a blob or two; the alarm waits until G has
    trained COLLAPSE_AFTER steps (an untrained G's points all sit on one small patch too)."""
    from ganlab.train.diagnostics import COLLAPSE_AFTER
    from ganlab.ui.train.presets import PRESETS

    name = "Broken: mode collapse on the ring"
    url, _ = app
    c = api_client(url)
    *form, note = c.predict(name, api_name="/preset")  # the form's boxes, in the API's order
    assert form == list(PRESETS[name].form_values().values()) and "coverage alarm" in note
    out = c.predict(*form, api_name="/step")
    m = _metrics(c)
    assert m["step"] == 1 and m["quality"]["coverage"] < 0.5 and m["alarms"] == []  # not trained yet
    c.predict(*form, api_name="/start")
    wait_for(lambda: _metrics(c)["step"] > COLLAPSE_AFTER + 50, what=f"step {COLLAPSE_AFTER + 50}")
    c.predict(api_name="/pause")
    wait_for(lambda: _metrics(c)["status"] == "paused", what="/metrics to say paused")
    out = c.predict(*form, api_name="/step")
    m = _metrics(c)
    assert m["quality"]["coverage"] < 0.5
    assert any(a.startswith("Mode collapse: generated points cover only") for a in m["alarms"])
    for alarm in m["alarms"]:  # the same alarms as the tab's (each shown as '**ALARM — kind:** message')
        assert alarm in out[5]
    c.predict(api_name="/reset")



def test_watcher_ends_quietly_when_reset_frees_the_run_mid_draw(tmp_path):
    """Reset frees a run's live frames while its watcher may be drawing: the stream ends, no error."""
    from types import SimpleNamespace

    from ganlab.config import TrainConfig
    from ganlab.server.store import SessionStore
    from ganlab.ui.train.tab import LiveView, TrainTab

    store = SessionStore(max_runs=1, root=tmp_path / "runs")
    tab = TrainTab(store)
    request = SimpleNamespace(session_hash="watcher-race")
    store.create("watcher-race", TrainConfig(model="vanilla", dataset="ring", batch_size=32, steps=10**6))
    job = store.start("watcher-race")
    try:
        wait_for(lambda: job.run.step_count > 0, what="the run's first step")
        stream = tab.watch(request)
        first = next(stream)  # the first update draws everything and creates the run's frames
        assert any(isinstance(v, str) and v.endswith(".png") for v in first)
        job.display.close()  # what release() does, while this watcher may be between two updates
        rest = list(stream)  # the next drawing finds figures and frames closed: before the fix an error
        assert rest[-1] == LiveView().outputs()  # the stream's closing no-op update
    finally:
        store.release("watcher-race")


def test_two_watchers_never_draw_a_run_at_once(tmp_path):
    """Pause starts a new watcher while the old one may still be drawing: they share the run's figures
    and history columns (matplotlib is not thread-safe), so drawings must take turns. Seen before the
    fix: the paused picture's loss curves stopped at step ~425 under a status line saying 857."""
    import threading
    from types import SimpleNamespace

    from ganlab.config import TrainConfig
    from ganlab.server.store import SessionStore
    from ganlab.ui.train.tab import TrainTab

    store = SessionStore(max_runs=1, root=tmp_path / "runs")
    tab = TrainTab(store)
    request = SimpleNamespace(session_hash="two-watchers")
    store.create("two-watchers", TrainConfig(model="vanilla", dataset="ring", batch_size=32, steps=10**6))
    job = store.start("two-watchers")
    inside, most = [0], [0]
    try:
        wait_for(lambda: job.run.step_count > 0, what="the run's first step")
        tab.refresh(request, force=True)  # makes the figures
        update = job.display.curves.update

        def slow_update(*args):
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            time.sleep(0.05)  # a slow drawing: the overlap this test looks for
            try:
                return update(*args)
            finally:
                inside[0] -= 1

        job.display.curves.update = slow_update
        threads = [threading.Thread(target=lambda: [tab.refresh(request, force=True) for _ in range(5)])
                   for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads), "a refresh did not end within 120 s"
        assert most[0] == 1, "two drawings of one run overlapped"
    finally:
        store.release("two-watchers")


def test_reset_pressed_while_start_builds_the_run_stops_that_run(tmp_path):
    """Start, then Reset before the Start has built its models: the run the student reset must not
    train on (before the fix the Reset found no run yet, and the Start then started one)."""
    import threading
    from types import SimpleNamespace

    from ganlab.server.store import SessionStore
    from ganlab.ui.train.tab import TrainForm, TrainTab

    store = SessionStore(max_runs=2, root=tmp_path / "runs")
    tab = TrainTab(store)
    request = SimpleNamespace(session_hash="start-then-reset")
    create, building = store.create, threading.Event()

    def slow_create(*args, **kwargs):
        building.set()
        time.sleep(0.5)  # building the models takes a moment on a busy server (the race under test)
        return create(*args, **kwargs)

    store.create = slow_create
    starting = threading.Thread(target=tab.start, args=(TrainForm(*RING), request))
    try:
        starting.start()
        assert building.wait(60), "the Start did not begin building its run within 60 s"
        tab.reset(request)  # pressed while the Start is still building
        starting.join(120)
        assert not starting.is_alive(), "the Start did not end within 120 s"
        assert store.get("start-then-reset") is None and store.active_count() == 0
    finally:
        store.release("start-then-reset")


def test_watcher_and_metrics_asking_first_share_one_monitor(tmp_path, monkeypatch):
    """The watcher and /metrics may both ask for a new run's collapse monitor at once: one Monitor
    is built, so both read the same alarms (before the fix, two, and one of them was dropped)."""
    import threading

    from ganlab.config import TrainConfig
    from ganlab.server.store import SessionStore
    from ganlab.ui.train import tab as train_tab

    made = []
    real = train_tab.Monitor

    def slow_monitor(*args, **kwargs):
        time.sleep(0.2)  # building one takes a moment on a busy server
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(train_tab, "Monitor", slow_monitor)
    store = SessionStore(max_runs=1, root=tmp_path / "runs")
    tab = train_tab.TrainTab(store)
    job = store.create("one-monitor", TrainConfig(model="vanilla", dataset="ring", batch_size=32, steps=10))
    try:
        got = []
        threads = [threading.Thread(target=lambda: got.append(tab._monitor(job))) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads), "asking for the monitor did not end within 120 s"
        assert len(made) == 1 and got[0] is got[1] is job.display.monitor
    finally:
        store.release("one-monitor")
