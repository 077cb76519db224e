"""Work-arounds for Gradio 6.31's behaviour, each removable once Gradio fixes it (see each module)."""
