"""Who is asking: the browser session behind a Gradio event, and the priority of the thread serving it."""

from __future__ import annotations

import os
import threading

import gradio as gr

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
