"""Start the app on a free 127.0.0.1 port (in-process, or ``python app.py``) for tests and benchmarks."""

from __future__ import annotations

import contextlib
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
def running_app(tmp_path, max_runs: int = 4) -> Iterator[tuple[str, object]]:
    """Yield (url, store) of a freshly built app; close it afterwards."""
    from ganlab.ui.app import build_app, launch
    from ganlab.ui.sessions import SessionStore

    store = SessionStore(max_runs=max_runs, root=tmp_path / "runs")
    demo = build_app(store)
    port = free_port()
    launch(demo.queue(default_concurrency_limit=8), server_name="127.0.0.1", server_port=port,
           prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", store
    finally:
        for sid in list(store._runs):
            store.release(sid)
        demo.close()


def wait_for(predicate, timeout: float = 60.0, every: float = 0.3):
    """Poll until predicate() is truthy; return its value or raise TimeoutError."""
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError("condition not met in time")


def api_client(url: str):
    """A quiet gradio_client Client for an app's URL, patient with a loaded machine."""
    # gradio_client's default 20 s limit on joining the queue was hit once in CI while Chromium and a
    # training shared the two cores (test_model_and_data_mismatch_is_explained: httpx.ReadTimeout).
    from gradio_client import Client

    return Client(url, verbose=False, httpx_kwargs={"timeout": 180})


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
        end = time.time() + wait_s
        while True:
            try:
                urllib.request.urlopen(url + "config", timeout=2)
                break
            except OSError:
                if time.time() > end:
                    raise RuntimeError(f"the app did not start within {wait_s:.0f} s") from None
                time.sleep(0.5)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
