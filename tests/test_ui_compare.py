"""Comparisons and forks through the API: a "Compare:" preset starts two runs in step, /metrics' runs,
a fork from a running run, Save of both, and a comparison counting as two runs against --max-runs."""

from __future__ import annotations

import zipfile

import pytest

from tests.ui_helpers import api_client, running_app, wait_for

pytest.importorskip("gradio_client")

# model, dataset, loss, lr_g, lr_d, k, batch, latent, seed, steps, compare, compare_value
SINGLE = ["vanilla", "ring", "non_saturating", 1e-3, 1e-3, 1, 64, 8, 0, 100000, "", ""]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("app"), max_runs=2) as (url, store):
        yield url, store, api_client(url)


def _status(answer) -> str:
    return answer if isinstance(answer, str) else answer[0]


def _runs(client) -> list[dict]:
    return client.predict(api_name="/metrics")["runs"]


def test_a_compare_preset_trains_two_runs_in_step(app):
    _, _, c = app
    values = c.predict("Compare: minimax vs non-saturating loss", api_name="/preset")
    form, note = list(values[:-1]), values[-1]
    assert form[10:12] == ["loss", "minimax"] and "Watch for" in note
    form[9] = 120  # a short run
    c.predict(*form, api_name="/start")
    wait_for(lambda: c.predict(api_name="/metrics")["status"] == "finished", timeout=300, what="120 steps")
    runs = _runs(c)
    assert [r["step"] for r in runs] == [120, 120] and [r["status"] for r in runs] == ["finished"] * 2
    assert runs[0]["label"] == "A (loss = non_saturating)" and runs[1]["label"] == "B (loss = minimax)"
    assert runs[0]["config"]["loss"] == "non_saturating" and runs[1]["config"]["loss"] == "minimax"
    metrics = c.predict(api_name="/metrics")
    assert metrics["step"] == 120 and metrics["last"] == runs[0]["last"]  # the old keys: run A
    assert runs[0]["last"]["g_loss"] != runs[1]["last"]["g_loss"]
    status = c.predict(*SINGLE[:10], "loss", "minimax", api_name="/step")[3]
    assert "B (loss = minimax):** step 121" in status and "Step 121" in status  # Step acts on both
    saved, text = c.predict(api_name="/save")
    with zipfile.ZipFile(saved) as z:
        names = z.namelist()
    tops = {n.split("/")[0] for n in names}
    assert len(tops) == 2 and all(f"{top}/generator.keras" in names for top in tops), names
    assert "-A-loss" in text and "-B-loss" in text
    c.predict("B", api_name="/save_which")
    _, text = c.predict(api_name="/save")
    assert "-B-loss" in text and "-A-loss" not in text
    c.predict("both", api_name="/save_which")
    c.predict(api_name="/reset")


def test_a_fork_splits_a_running_run_at_its_step(app):
    _, _, c = app
    c.predict(*SINGLE, api_name="/start")
    wait_for(lambda: c.predict(api_name="/metrics")["step"] >= 200, timeout=300, what="200 steps")
    note = c.predict(*SINGLE[:10], "lr_d", "0.01", api_name="/fork")
    assert "Forked at step" in note, note
    at = int(note.split("step ")[1].split(":")[0].replace(",", ""))
    wait_for(lambda: _runs(c)[1]["step"] >= at + 100, timeout=300, what="100 steps after the fork")
    runs = _runs(c)
    assert len(runs) == 2 and runs[1]["config"]["lr_d"] == 0.01 and runs[0]["config"]["lr_d"] == 0.001
    assert abs(runs[0]["step"] - runs[1]["step"]) <= 256  # in lockstep (at most one fused call apart)
    assert "already two runs" in c.predict(*SINGLE[:10], "lr_d", "0.02", api_name="/fork")
    c.predict(api_name="/pause")  # pauses both
    wait_for(lambda: [r["status"] for r in _runs(c)] == ["paused", "paused"], timeout=30, what="both paused")
    c.predict(api_name="/reset")
    assert "Nothing to fork" in c.predict(*SINGLE[:10], "lr_d", "0.01", api_name="/fork")
    assert "Pick the setting" in c.predict(*SINGLE, api_name="/fork")


def test_a_comparison_counts_as_two_runs_and_bad_values_say_so(app):
    _, store, c = app
    other = api_client(app[0])
    other.predict(*SINGLE, api_name="/start")  # one place of the two taken
    try:
        wait_for(lambda: store.active_count() == 1, timeout=60, what="the other session's run")
        status = _status(c.predict(*SINGLE[:10], "k", "5", api_name="/start"))
        assert "Busy" in status and "a comparison counts as two" in status
    finally:
        other.predict(api_name="/reset")
    status = _status(c.predict(*SINGLE[:10], "k", "99", api_name="/start"))
    assert "Cannot start" in status and "k must be between 1 and 50" in status
    status = _status(c.predict(*SINGLE[:10], "loss", "non_saturating", api_name="/start"))
    assert "Run B would be the same as run A" in status
