"""Start the app on a free 127.0.0.1 port (in-process, or ``python app.py``) for tests and benchmarks;
``wait_for``, the one way a test or benchmark waits for something (always with a deadline)."""

from __future__ import annotations

import contextlib
import inspect
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(store, classroom=None) -> Iterator[tuple[str, object]]:
    """Yield (url, demo): the app built on ``store`` (teacher mode with a ``classroom``), served on a free
    127.0.0.1 port; free its runs and close it afterwards."""
    from ganlab.ui.app import build_app, launch

    demo = build_app(store, classroom=classroom)
    port = free_port()
    launch(demo.queue(default_concurrency_limit=8), server_name="127.0.0.1", server_port=port,
           prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", demo
    finally:
        for sid in list(store.jobs()):
            store.release(sid)
        demo.close()


@contextlib.contextmanager
def running_app(tmp_path, max_runs: int = 4, classroom=None) -> Iterator[tuple[str, object]]:
    """Yield (url, store) of a freshly built app (in teacher mode with a ``classroom``); close it afterwards."""
    from ganlab.server.store import SessionStore

    store = SessionStore(max_runs=max_runs, root=tmp_path / "runs")
    with serving(store, classroom) as (url, _demo):
        yield url, store


def wait_for(condition, timeout: float = 60.0, what: str | None = None, every: float = 0.3):
    """Poll ``condition()`` until it returns something truthy, and return that. After ``timeout``
    seconds (it is checked once more at the deadline) fail with a TimeoutError that names ``what``
    was awaited (default: the condition's source) and its last value. Polls every 10 ms at first,
    doubling up to ``every`` seconds: a condition met at once costs no fixed sleep, a slow one (an
    HTTP call) is not asked too often. An exception from ``condition`` propagates at once."""
    end = time.monotonic() + timeout
    pause = min(0.01, every)
    while True:
        value = condition()
        if value:
            return value
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"waited {timeout:g} s for {what or _source(condition)}; "
                               f"last value {_short(value)}")
        time.sleep(min(pause, left))
        pause = min(every, 2 * pause)


def _source(condition) -> str:
    """A condition's source text (a lambda's line), for wait_for's message."""
    try:
        text = " ".join(inspect.getsource(condition).split())
    except (OSError, TypeError):
        text = repr(condition)
    return _short(text)


def _short(value, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def api_client(url: str):
    """A quiet gradio_client Client for an app's URL, patient with a loaded machine."""
    # gradio_client's default 20 s limit on joining the queue was hit once in CI while Chromium and a
    # training shared the two cores (test_model_and_data_mismatch_is_explained: httpx.ReadTimeout).
    from gradio_client import Client

    return Client(url, verbose=False, httpx_kwargs={"timeout": 180})


def preset_form(client, preset: str) -> dict:
    """The Train form's values by setting name after ``/preset`` picked ``preset`` (edit, then pass
    ``*values.values()`` to ``/start``)."""
    from ganlab.config import form_settings

    *form, _note = client.predict(preset, api_name="/preset")
    return dict(zip([s.name for s in form_settings()], form, strict=True))


@contextlib.contextmanager
def single_tab_app(build, title: str) -> Iterator[str]:
    """Yield the URL of an app with one tab, ``build(None)`` (no session store); close it afterwards."""
    import gradio as gr

    from ganlab.ui.app import launch

    with gr.Blocks() as demo, gr.Tab(title):
        build(None)
    demo.queue()
    _, url, _ = launch(demo, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    try:
        yield url
    finally:
        demo.close()


@contextlib.contextmanager
def app_process(*args: str, wait_s: float = 180) -> Iterator[tuple[str, subprocess.Popen]]:
    """``python app.py ARGS`` on a free 127.0.0.1 port: yield (url, process) once it answers (within
    ``wait_s``); stop it afterwards."""
    port = free_port()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.Popen([sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port), *args],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: _answers(url + "config") or proc.poll() is not None, timeout=wait_s,
                 what=f"app.py to answer at {url}", every=0.5)
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode} before it answered")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _answers(url: str) -> bool:
    """True once ``url`` answers an HTTP GET."""
    try:
        urllib.request.urlopen(url, timeout=2)
    except OSError:
        return False
    return True
