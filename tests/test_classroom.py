"""Teacher mode (#27): the teacher's sign-in and its failure path, the shown run on /class_view, the
wall, and the rule that no endpoint called by a student changes the teacher's run."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from tests.ui_helpers import api_client, serving

pytest.importorskip("gradio_client")

PASSWORD = "s3cret-teacher"
TEACHER, STUDENT = "teacher-session", "student-session"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app in teacher mode (waits recorded, not slept), served on a free port."""
    from ganlab.server.classroom import Classroom
    from ganlab.server.store import SessionStore

    waits: list[float] = []
    classroom = Classroom(PASSWORD, sleep=waits.append)
    store = SessionStore(max_runs=4, root=tmp_path_factory.mktemp("runs"))
    with serving(store, classroom) as (url, demo):
        yield demo, store, classroom, waits, url


def test_failure_delay_doubles_and_is_capped():
    from ganlab.server.classroom import failure_delay

    assert [failure_delay(n) for n in range(7)] == [0, 1, 2, 4, 8, 8, 8]


def test_a_wrong_password_says_so_and_waits_longer_each_time(app):
    _, _, _, waits, url = app
    c = api_client(url)
    waits.clear()
    for _ in range(3):
        message, timer, _ = c.predict("wrong", api_name="/class_sign_in")  # (the panel is layout: not sent)
        assert "Wrong teacher password" in message and timer["active"] is False
    assert waits == [1.0, 2.0, 4.0]
    assert "attempt 3" in message and "next wrong one waits 8 s" in message
    with pytest.raises(Exception, match="Only the teacher"):  # no way round the sign-in through the API
        c.predict(api_name="/class_hide")
    with pytest.raises(Exception, match="Only the teacher"):
        c.predict("alarms first", False, api_name="/class_wall")
    message, timer, _ = c.predict(PASSWORD, api_name="/class_sign_in")
    assert "Signed in" in message and timer["active"] is True
    assert len(waits) == 3  # the right password is answered at once
    assert c.predict(api_name="/class_hide") == "Nothing is shown to the class now."


def test_class_view_before_and_after_a_run_is_shown_and_the_wall(app):
    import numpy as np

    from ganlab.config import TrainConfig
    from ganlab.ui.gradio_fixes.frames import LiveFrames
    from ganlab.ui.train.live_view import RunDisplay

    _, store, classroom, _, url = app
    teacher, student = api_client(url), api_client(url)
    assert student.predict(api_name="/class_view") == {"status": "none"}
    teacher.predict(PASSWORD, api_name="/class_sign_in")
    assert "next run is shown" in teacher.predict(api_name="/class_show_mine")
    assert student.predict(api_name="/class_view") == {"status": "none"}  # no run yet
    tsid = teacher.session_hash
    store.create(tsid, TrainConfig(model="vanilla", dataset="ring", steps=500, seed=3))
    wait_for_view = student.predict(api_name="/class_view")
    assert wait_for_view["status"] == "ready" and wait_for_view["step"] == 0
    assert "the teacher's run" in wait_for_view["label"] and wait_for_view["last"] is None
    copied = student.predict(api_name="/class_copy")
    assert copied[:3] == ("vanilla", "ring", "non_saturating") and copied[8] == 3 and "Copied" in copied[-1]
    # a student's run on the wall: anonymous code, settings; the teacher shows it by its code
    ssid = "wall-student"
    store.create(ssid, TrainConfig(model="vanilla", dataset="ring", steps=500, seed=4))
    job = store.jobs()[ssid]
    job.run.step_count = 1  # counted as active on the wall (no compile needed here)
    code = classroom.code(ssid)
    gallery, table = teacher.predict("code", False, api_name="/class_wall")
    assert f"`{code}`" in table and "vanilla · ring" in table and ssid not in table and tsid not in table
    assert gallery == []  # its Train tab has drawn no frame yet: listed, no thumbnail
    job.display = RunDisplay()
    job.display.frames = LiveFrames()
    job.display.frames.write("view", np.full((12, 12, 3), 200, np.uint8))  # as its Train tab writes them
    gallery, _ = teacher.predict("code", False, api_name="/class_wall")
    assert [g["caption"] for g in gallery] == [f"{code} · step 1 · ✓ no alarm"] and gallery[0]["image"]
    _, only_alarms = teacher.predict("code", True, api_name="/class_wall")
    assert code not in only_alarms
    assert "No student run" in teacher.predict("zzzzzz", api_name="/class_show_code")
    assert code in teacher.predict(code, api_name="/class_show_code")
    assert f"run {code}" in student.predict(api_name="/class_view")["label"]
    assert classroom.shown == ssid
    teacher.predict(api_name="/class_show_mine")
    store.release(ssid)


def _teacher_state(store, classroom, tsid):
    job = store.jobs().get(tsid)
    return (job, job.run.step_count, job.run.status, job.active, job.run.config,
            job.display.requested if job.display else None, classroom.shown, classroom.is_teacher(tsid),
            classroom.is_teacher(STUDENT))


async def _call(demo, fn, sid):
    """One event handler through Gradio's own processing, as session ``sid`` with the inputs'
    current values; a streaming handler gives its first update and is then closed."""
    import gradio as gr
    from gradio.state_holder import SessionState

    inputs = [getattr(block, "value", None) for block in fn.inputs]
    out = await demo.process_api(block_fn=fn, inputs=inputs, state=SessionState(demo),
                                 request=gr.Request(session_hash=sid), session_hash=sid)
    iterator = out.get("iterator")
    if iterator is not None:
        with contextlib.suppress(Exception):
            await iterator.aclose()


@pytest.mark.slow  # every event of the app once, on the served app's blocks
def test_no_endpoint_called_by_a_student_changes_the_teachers_run(app, monkeypatch):
    """Every event of the app (public, private, every tab), called as a student: the teacher's run
    object, step, status, settings, the shown run and the sign-in stay as they were. Two costs that
    touch no run are skipped: compiling ahead of Start (warm_up) and building a nearest-images index."""
    from ganlab.config import TrainConfig
    from ganlab.train.run import TrainingRun
    from ganlab.ui.playground.projection import ProjectPanel

    monkeypatch.setattr(TrainingRun, "warm_up", lambda self: None)
    monkeypatch.setattr(ProjectPanel, "_nearest", lambda *a: (_ for _ in ()).throw(RuntimeError("skipped")))
    demo, store, classroom, _, _ = app
    classroom.sign_in(TEACHER, PASSWORD)
    store.create(TEACHER, TrainConfig(model="vanilla", dataset="ring", steps=500, seed=1))
    classroom.show(TEACHER, TEACHER)
    before = _teacher_state(store, classroom, TEACHER)
    fns = list(demo.fns.values())
    names = {fn.api_name for fn in fns}
    assert {"start", "pause", "step", "reset", "save", "class_hide", "class_show_mine", "class_wall"} <= names
    answered, made = 0, False
    for fn in fns:
        try:
            asyncio.run(_call(demo, fn, STUDENT))
            answered += 1
        except Exception:  # refused or bad default inputs: what matters is the teacher's run below
            pass
        assert _teacher_state(store, classroom, TEACHER) == before, f"{fn.api_name or fn.name} changed it"
        made = made or store.jobs().get(STUDENT) is not None
    assert answered >= len(fns) // 2, f"only {answered} of {len(fns)} events ran: the sweep tested little"
    assert made  # the student's own Start / Step made (and trained) the student's own run
    store.release(STUDENT)
    # the same calls as the teacher do change things: the sweep can see a change
    hide = next(fn for fn in fns if fn.api_name == "class_hide")
    asyncio.run(_call(demo, hide, TEACHER))
    assert classroom.shown is None
    reset = next(fn for fn in fns if fn.api_name == "reset")
    asyncio.run(_call(demo, reset, TEACHER))
    assert store.jobs().get(TEACHER) is None


def _frame(url: str, after: int, wait: float) -> tuple[dict, float]:
    """GET /class/frame as a script would: (the JSON, seconds it took)."""
    import time

    import httpx

    t0 = time.monotonic()
    r = httpx.get(f"{url}class/frame", params={"after": after, "wait": wait}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json(), time.monotonic() - t0


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in _strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_class_frame_long_polls_the_shown_run_and_shows_only_what_a_student_sees(app):
    import threading
    from urllib.parse import urljoin

    import httpx

    from ganlab.config import TrainConfig
    from ganlab.ui.classroom.view import SETTING_NAMES
    from ganlab.ui.gradio_fixes.frames import cache_root

    _, store, classroom, _, url = app
    tsid = "frame-teacher"
    classroom.sign_in(tsid, PASSWORD)
    store.create(tsid, TrainConfig(model="vanilla", dataset="ring", steps=400, seed=5))
    classroom.show(tsid, tsid)
    try:
        frame, _ = _frame(url, -1, 20)
        if frame["status"] == "none":  # the snapshot of before the showing: the next drawing is the run
            frame, _ = _frame(url, frame["version"], 20)
        assert frame["status"] == "ready" and frame["step"] == 0 and "the teacher's run" in frame["label"]
        assert set(frame) == {"version", "step", "drawn_at", "status", "pictures", "label", "settings", "texts",
                              "html"}
        assert set(frame["settings"]) == set(SETTING_NAMES) and frame["settings"]["seed"] == 5
        assert set(frame["texts"]) == {"status", "reading", "alarms", "quality_text", "legend"}
        text = " ".join(_strings(frame))
        for secret in (str(cache_root()), str(store.root), "/tmp", tsid, classroom.code(tsid), PASSWORD):
            assert secret not in text, secret
        pictures = [u for u in frame["pictures"].values() if u]
        assert pictures and all(u.startswith("picture/") and u.endswith(".png") for u in pictures)
        got = httpx.get(urljoin(url + "class/frame", pictures[0]), timeout=30)
        assert got.status_code == 200 and got.content[:4] == b"\x89PNG"
        assert got.headers["content-encoding"] == "identity"  # a PNG is not compressed again per client
        packed = httpx.get(f"{url}class/frame", params={"after": -1, "wait": 0}, timeout=30)
        assert packed.headers["content-encoding"] == "gzip" and packed.json()["version"] >= frame["version"]
        for name in ("999999.png", "..%2F..%2Fetc%2Fpasswd", "view-0.png"):
            assert httpx.get(f"{url}class/picture/{name}", timeout=30).status_code == 404
        # an old version is answered at once; the current one waits (bounded by wait=)
        version = frame["version"]
        again, took = _frame(url, version - 1, 20)
        assert again["version"] >= version and took < 5
        same, took = _frame(url, again["version"], 1.0)  # a ready run: nothing new to draw
        assert same["version"] == again["version"] and 0.9 <= took < 10
        # a change (the run hidden) wakes a waiting poll with the newer frame
        answer: list = []
        poll = threading.Thread(target=lambda: answer.append(_frame(url, again["version"], 20)))
        poll.start()
        classroom.show(tsid, None)
        poll.join(30)
        (hidden, took), = answer
        assert hidden["version"] > again["version"] and hidden["status"] == "none" and took < 10
        assert hidden["pictures"] == {"curves": None, "picture": None, "quality": None} and hidden["settings"] is None
    finally:
        classroom.show(tsid, None)
        classroom.forget(tsid)
        store.release(tsid)


def test_the_class_frame_asks_for_the_apps_login_when_it_has_one():
    from types import SimpleNamespace

    from ganlab.ui.classroom.live import signed_in

    app = SimpleNamespace(auth={"u": "p"}, auth_dependency=None, cookie_id="c", tokens={"tok": "u"})
    ask = lambda cookies: asyncio.run(signed_in(SimpleNamespace(app=app, cookies=cookies)))
    assert not ask({}) and not ask({"access-token-c": "forged"})
    assert ask({"access-token-c": "tok"}) and ask({"access-token-unsecure-c": "tok"})
    app.auth = None
    assert ask({})  # no login on the app: the class frame is open as the page is


def test_without_the_option_there_is_no_class_tab():
    import gradio as gr

    from ganlab.server.store import SessionStore
    from ganlab.ui.app import build_app

    demo = build_app(SessionStore())
    labels = [b.label for b in demo.blocks.values() if isinstance(b, gr.Tab)]
    assert "Train" in labels and "Class" not in labels
    teacher_mode = {"class_view", "class_watch", "class_copy", "class_sign_in", "class_show_mine",
                    "class_show_code", "class_hide", "class_wall"}
    assert not teacher_mode & {fn.api_name for fn in demo.fns.values()}
    # and no /class/frame: the app's server (as launch makes it) answers 404
    from fastapi.testclient import TestClient
    from gradio.routes import App

    from ganlab.ui.app import routes_of

    assert [r.path for r in routes_of(demo)] == ["/train/frame"]  # the Train tab's own: no class route
    client = TestClient(App.create_app(demo, app_kwargs={"routes": routes_of(demo)}))
    assert client.get("/class/frame?after=0&wait=0").status_code == 404
    assert client.get("/class/picture/1.png").status_code == 404


def test_app_py_reads_the_teacher_password_flag():
    import app as app_py

    assert app_py.parse_args(["--teacher-password", "x"]).teacher_password == "x"
    assert app_py.parse_args([]).teacher_password is None
