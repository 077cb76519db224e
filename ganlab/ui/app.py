"""Builds the Gradio Blocks from the tabs. Per-user state lives in a SessionStore passed in."""

from __future__ import annotations

import contextlib
import time
import weakref
from collections.abc import Iterator
from types import ModuleType

import gradio as gr
import gradio.networking
import httpx
from starlette.routing import BaseRoute

from ganlab.data.uploads import MAX_UPLOAD_BYTES
from ganlab.server.classroom import Classroom
from ganlab.server.store import SessionStore
from ganlab.ui import intro
from ganlab.ui.classroom import tab as class_tab
from ganlab.ui.context import TabContext
from ganlab.ui.gradio_fixes import page
from ganlab.ui.playground import tab as playground_tab
from ganlab.ui.tools import classify, sketch, text2img, upscale
from ganlab.ui.train import tab as train_tab
from ganlab.ui.train.canvas import PAGE_CSS

# The tabs, in order: a new tab is one module (LABEL, ID, DOCS, INTRO, build(ctx)) and one line here.
TABS: tuple[ModuleType, ...] = (train_tab, class_tab, playground_tab, text2img, sketch, upscale, classify)
TITLE = "ganlab — watch a GAN learn"
CREDITS = (
    "Data: MNIST (Yann LeCun & Corinna Cortes, CC BY-SA 3.0) · Fashion-MNIST (Zalando SE, MIT) · "
    "All emojis designed by OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0"
)


AUTH_ENV = "GANLAB_AUTH"  # user:pass (or u1:p1,u2:p2) when no --auth flag is given
# Gradio's copies of uploaded files and of files sent to browsers: checked hourly, deleted after 2 h.
DELETE_CACHE = (3600, 7200)


def parse_auth(text: str | None) -> list[tuple[str, str]] | None:
    """``"user:pass"`` or ``"u1:p1,u2:p2"`` as Gradio's auth list; None when empty."""
    if not text or not text.strip():
        return None
    pairs = []
    for item in text.split(","):
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise ValueError("auth must be user:pass (several: u1:p1,u2:p2)")
        pairs.append((user, password))
    return pairs



def build_app(store: SessionStore | None = None, classroom: Classroom | None = None) -> gr.Blocks:
    """The whole app, one tab per module of TABS; ``store`` holds each browser session's runs, uploads and
    saved generators; with a ``classroom`` (teacher mode) a Class tab too."""
    ctx = TabContext(store or SessionStore(), classroom)
    with gr.Blocks(title=TITLE, delete_cache=DELETE_CACHE) as demo:
        gr.Markdown(f"# {TITLE}")
        with gr.Tabs():  # ids: a lesson link's tab= picks one
            for tab in TABS:
                if getattr(tab, "available", lambda _: True)(ctx):
                    with gr.Tab(tab.LABEL, id=tab.ID) as ctx.item:
                        gr.Markdown(intro.markdown(tab.INTRO, tab.DOCS), elem_classes="tab-intro")
                        tab.build(ctx)
        gr.Markdown(CREDITS)
        for wire in ctx.after:
            wire(demo)

        def release(request: gr.Request) -> None:
            """The browser tab closed: stop and free its training, delete its uploads."""
            if request is not None and request.session_hash:
                ctx.store.close_session(request.session_hash)

        demo.unload(release)
    _ROUTES[demo] = list(ctx.routes)
    return demo


_ROUTES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # each built app's own routes (the tabs')


def routes_of(demo: gr.Blocks) -> list[BaseRoute]:
    """The plain HTTP routes the app's tabs asked for (teacher mode: /class/frame), served by launch."""
    return list(_ROUTES.get(demo, ()))


# Gradio's queue looks for new events every 1 ms and for progress every 10 ms (on Linux), waking
# the server about a thousand times a second even when idle, and each wake-up takes CPU from
# training on a 2-core laptop. 10 ms / 100 ms wake it a tenth as often, at most 10 ms added to a click.
QUEUE_POLL_S, PROGRESS_POLL_S = 0.01, 0.1
# The Train tab sends the sample grid at its own size (a 6×6 MNIST grid is 182 px: fewer bytes to
# encode, fetch and decode twice a second); the browser scales it up with crisp pixels. The rest keeps
# the Train tab on one projector screen (1280×720): a tighter page head, the curves at their own
# aspect, and a comparison's two pictures given the width of the live column.
CSS = """
#train-view img { width: 100%; height: 100%; object-fit: contain; image-rendering: pixelated; }
#train-curves img { width: 100%; height: 100%; object-fit: contain; }
.gradio-container h1 { margin: 0 0 4px 0; font-size: 1.6rem; }
.tab-intro p { margin: 0; font-size: 0.92em; }
#train-limits { font-size: 0.85em; }
#train-buttons button { white-space: nowrap; padding-left: 6px; padding-right: 6px; }
#train-view { height: auto !important; aspect-ratio: 1; max-height: calc(100vh - 290px); min-height: 300px; }
#train-curves { height: auto !important; aspect-ratio: 8 / 3; max-height: 300px; }
#train-main.train-compare > #train-view-col { flex-grow: 3 !important; }
#train-main.train-compare > #train-side-col { flex-grow: 2 !important; }
#train-main.train-compare #train-view { aspect-ratio: 2 / 1; }
""" + PAGE_CSS


# Gradio's launch checks that its own page answers before returning: HEAD / with a 3 s limit, and it
# gives up at the first timeout ("When localhost is not accessible, a shareable link must be
# created"). A loaded server (a class's trainings on two cores, or tests beside a browser) can take
# longer to render the page's first config, so launch waits this long instead, retrying.
LOCAL_CHECK_S = 60.0


def patient_url_ok(url: str, within: float = LOCAL_CHECK_S) -> bool:
    """True once ``url`` answers HEAD with a success or redirect, retrying for ``within`` seconds."""
    end = time.monotonic() + within
    while True:
        try:
            r = httpx.head(url, timeout=max(1.0, min(10.0, end - time.monotonic())), verify=False)
            if r.status_code in (200, 401, 301, 302, 303, 307, 308):
                return True
        except httpx.HTTPError:
            pass
        if time.monotonic() >= end:
            return False
        time.sleep(0.5)


@contextlib.contextmanager
def _patient_local_check() -> Iterator[None]:
    """Swap Gradio's 3-second localhost check for patient_url_ok while launch runs."""
    original = gradio.networking.url_ok
    gradio.networking.url_ok = patient_url_ok
    try:
        yield
    finally:
        gradio.networking.url_ok = original


def launch(demo: gr.Blocks, **kwargs) -> tuple:
    """``demo.launch(**kwargs)`` with a calmer queue, the page fix of ganlab.ui.gradio_fixes.page and Gradio's
    upload size limit; returns what launch returns. Call ``demo.queue(...)`` first for other queue
    settings. Leave out server_name / server_port to let GRADIO_SERVER_NAME / _PORT decide."""
    queue = demo._queue  # no public setting for these polling intervals (gradio 6.31)
    if hasattr(queue, "sleep_when_free"):
        queue.sleep_when_free = QUEUE_POLL_S
        queue.progress_update_sleep_when_free = PROGRESS_POLL_S
    kwargs.setdefault("css", CSS)
    kwargs.setdefault("max_file_size", MAX_UPLOAD_BYTES)  # Gradio refuses bigger files before they are stored
    if kwargs.get("auth") is None:
        kwargs.pop("auth", None)
    with _patient_local_check():
        # routes=: FastAPI's own argument; Gradio's App is a FastAPI app, so they share its server and port
        return demo.launch(app_kwargs={"middleware": [page.quiet_timers_middleware()], "routes": routes_of(demo)},
                           **kwargs)
