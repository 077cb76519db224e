"""Train tab (placeholder until the Train-tab work lands)."""

import gradio as gr

from ganlab.ui.sessions import SessionStore


def build(store: SessionStore) -> None:
    """Lay out the tab and wire its events."""
    gr.Markdown("Training controls are coming here.")
