"""Builds the Gradio Blocks from the tabs. Per-user state lives in a SessionStore passed in."""

from __future__ import annotations

import gradio as gr

from ganlab.ui import page, playground_tab, sketch_tab, train_tab, upscale_tab
from ganlab.ui.sessions import SessionStore

TITLE = "ganlab — watch a GAN learn"
CREDITS = (
    "Data: MNIST (Yann LeCun & Corinna Cortes, CC BY-SA 3.0) · Fashion-MNIST (Zalando SE, MIT) · "
    "All emojis designed by OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0"
)


def build_app(store: SessionStore | None = None) -> gr.Blocks:
    """The whole app; ``store`` holds each browser session's runs and saved generators."""
    store = store or SessionStore()
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"# {TITLE}")
        with gr.Tab("Train"):
            train_tab.build(store)
        with gr.Tab("Playground"):
            playground_tab.build(store)
        with gr.Tab("Sketch"):
            sketch = sketch_tab.build(store)
        with gr.Tab("Upscale"):
            upscale_tab.build(store, sketch=sketch)
        gr.Markdown(CREDITS)

        def release(request: gr.Request) -> None:
            """The browser tab closed: stop and free its training."""
            if request is not None and request.session_hash:
                store.close_session(request.session_hash)

        demo.unload(release)
    return demo


# Gradio's queue looks for new events every 1 ms and for progress every 10 ms (on Linux), waking
# the server ~1,100 times a second even when idle: 26 ms of CPU a second here, and each wake-up
# interrupts training on a 2-core laptop. 10 ms / 100 ms: 8 ms/s, at most 10 ms added to a click.
QUEUE_POLL_S, PROGRESS_POLL_S = 0.01, 0.1
# The Train tab sends the sample grid at its own size (a 6×6 MNIST grid is 182 px: fewer bytes to
# encode, fetch and decode twice a second); the browser scales it up with crisp pixels.
CSS = "#train-view img { width: 100%; height: 100%; object-fit: contain; image-rendering: pixelated; }"


def launch(demo: gr.Blocks, **kwargs) -> tuple:
    """``demo.launch(**kwargs)`` with a calmer queue and the page fix of ganlab.ui.page; returns
    what launch returns. Call ``demo.queue(...)`` first if you want other queue settings."""
    queue = demo._queue  # no public setting for these polling intervals (gradio 6.31)
    if hasattr(queue, "sleep_when_free"):
        queue.sleep_when_free = QUEUE_POLL_S
        queue.progress_update_sleep_when_free = PROGRESS_POLL_S
    kwargs.setdefault("css", CSS)
    return demo.launch(app_kwargs={"middleware": [page.quiet_timers_middleware()]}, **kwargs)
