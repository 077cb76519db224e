"""Builds the Gradio Blocks from the tabs. Per-user state lives in a SessionStore passed in."""

from __future__ import annotations

import gradio as gr

from ganlab.ui import playground_tab, sketch_tab, train_tab
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
            sketch_tab.build(store)
        gr.Markdown(CREDITS)

        def release(request: gr.Request) -> None:
            """The browser tab closed: stop and free its training."""
            if request is not None and request.session_hash:
                store.release(request.session_hash)

        demo.unload(release)
    return demo
