"""Playground tab (placeholder until the Playground work lands)."""

import gradio as gr

from ganlab.ui.sessions import SessionStore


def build(store: SessionStore) -> None:
    """Lay out the tab and wire its events."""
    gr.Markdown("Latent sliders are coming here.")
