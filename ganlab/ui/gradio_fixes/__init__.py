"""gradio_fixes."""
