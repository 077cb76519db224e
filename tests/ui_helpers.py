"""Start the app in-process on a free 127.0.0.1 port for API and browser tests."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

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
    """A quiet gradio_client Client for an app's URL."""
    from gradio_client import Client

    return Client(url, verbose=False)


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
