"""Who is asking: the browser session behind a Gradio event, and the priority of the thread serving it."""

from __future__ import annotations

import inspect
import os
import threading

import gradio as gr
from starlette.requests import Request

LOCAL = "local"  # the session of a caller without a session hash (a script through the API, a test)


def session_id(request: gr.Request | None) -> str:
    """The browser session's id (Gradio's session hash), or LOCAL for a caller without one."""
    return getattr(request, "session_hash", None) or LOCAL


def yield_cpu_to_training() -> None:
    """Drawing the live view is less urgent than training: run this worker thread at a lower
    priority (nice +10, Linux), so on a busy 2-core laptop the scheduler favours the training threads.
    Unprivileged threads cannot raise priority again; gradio's worker threads only serve the UI."""
    if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
        try:
            tid = threading.get_native_id()
            if os.getpriority(os.PRIO_PROCESS, tid) < 10:
                os.setpriority(os.PRIO_PROCESS, tid, 10)
        except OSError:
            pass


async def signed_in(request: Request) -> bool:
    """Whether the request may see the app: always without Gradio's ``auth``, else with its login cookie."""
    app = request.app
    auth, dependency = getattr(app, "auth", None), getattr(app, "auth_dependency", None)
    if auth is None and dependency is None:
        return True
    if dependency is not None:
        user = dependency(request)
        return (await user if inspect.isawaitable(user) else user) is not None
    cookie = getattr(app, "cookie_id", "")
    token = request.cookies.get(f"access-token-{cookie}") or request.cookies.get(f"access-token-unsecure-{cookie}")
    return getattr(app, "tokens", {}).get(token) is not None
