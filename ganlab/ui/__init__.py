"""The Gradio app: one tab per file. Only this package imports gradio."""
