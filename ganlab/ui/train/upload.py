"""The Train tab's "your own data" panel: upload images (files or a zip with class subfolders), a CSV
of 2D points, or draw 2D points. What is uploaded stays in this browser session (SessionStore),
within its limits, and is deleted when the session ends. The checks and decoding are in
ganlab.data.uploads; this module only wires widgets to them.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import gradio as gr

from ganlab.data import DataError
from ganlab.data.base import IMAGE_SUFFIXES
from ganlab.data.uploads import (
    MAX_IMAGE_PIXELS,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_FILES,
    POINT_SUFFIXES,
    ZIP_SUFFIXES,
    dataset_from_uploads,
    points_from_drawing,
    remove_tree,
)
from ganlab.server.limits import UPLOAD_PREFIX
from ganlab.server.store import SessionStore
from ganlab.ui.request import session_id

FILE_TYPES = sorted(IMAGE_SUFFIXES | ZIP_SUFFIXES | POINT_SUFFIXES)
HELP = (f"Images (several files, or a **.zip** whose subfolders become classes), or a **.csv** of 2D points "
        f"(x,y per line). Up to {MAX_UPLOAD_BYTES // 2**20} MB and {MAX_UPLOAD_FILES:,} images, "
        f"{MAX_IMAGE_PIXELS / 1e6:g} megapixels per image. Kept only in this browser session.")



def _name(paths: list[str]) -> str:
    """A short dataset name from the uploaded files (the zip's or first file's stem)."""
    stem = os.path.splitext(os.path.basename(paths[0]))[0] if paths else "upload"
    clean = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:32].strip("_")
    return clean or "upload"


class UploadPanel:
    """Handlers bound to one SessionStore; each returns (message, dataset dropdown update)."""

    def __init__(self, store: SessionStore, choices: list[str]):
        self.store = store
        self.choices = list(choices)

    def _chosen(self, label: str) -> Any:
        return gr.Dropdown(choices=[*self.choices, label], value=label)

    def upload(self, files: list[Any] | None, request: gr.Request) -> tuple[str, Any]:
        """Check and decode uploaded files into this session's dataset; select it in the Dataset box."""
        sid = session_id(request)
        paths = [str(getattr(f, "name", f)) for f in (files or [])]
        work = self.store.uploads.folder(sid)
        try:
            dataset = dataset_from_uploads(paths, work, name=_name(paths), max_bytes=self.store.uploads.session_bytes)
            self.store.set_upload(sid, dataset)
        except DataError as e:
            gr.Warning(str(e))
            return f"**Upload refused:** {e}", gr.skip()
        finally:  # the decoded arrays are all this session keeps: unpacked zips and Gradio's copies go
            remove_tree(work)
            for p in paths:
                with contextlib.suppress(OSError):
                    os.remove(p)
        label = UPLOAD_PREFIX + dataset.name
        what = dataset.meta.get("description", f"{len(dataset)} examples")
        return f"**Uploaded:** {what} → dataset **{label}** (press Start).", self._chosen(label)

    def draw(self, drawing: Any, request: gr.Request) -> tuple[str, Any]:
        """Every inked pixel of the drawing becomes a 2D point; select that dataset."""
        sid = session_id(request)
        image = drawing.get("composite") if isinstance(drawing, dict) else drawing
        try:
            dataset = points_from_drawing(image, name="drawn")
            self.store.set_upload(sid, dataset)
        except DataError as e:
            gr.Warning(str(e))
            return f"**Drawing refused:** {e}", gr.skip()
        label = UPLOAD_PREFIX + "drawn"
        return (f"**Drawn:** {dataset.meta.get('description', '')} → dataset **{label}** (pick the vanilla GAN "
                "and press Start).", self._chosen(label))


def build(store: SessionStore, dataset: gr.Dropdown, choices: list[str]) -> UploadPanel:
    """Lay out the panel (inside the current column) and wire it to the Dataset dropdown."""
    panel = UploadPanel(store, choices)
    with gr.Accordion("Your own data (upload or draw)", open=False, elem_id="upload-panel"):
        gr.Markdown(HELP)
        files = gr.File(label="Images, a .zip of images, or a .csv of points", file_count="multiple",
                        file_types=FILE_TYPES, elem_id="upload-files", height=140)
        message = gr.Markdown(elem_id="upload-message")
        with gr.Accordion("…or draw 2D points", open=False):
            canvas = gr.Sketchpad(label="Draw points (each stroke pixel is a point)", type="numpy",
                                  image_mode="RGBA", canvas_size=(256, 256), fixed_canvas=True, layers=False,
                                  transforms=(), height=300, elem_id="upload-draw",
                                  brush=gr.Brush(default_size=4, colors=["#000000"], color_mode="fixed"))
            use = gr.Button("Train on this drawing", elem_id="upload-draw-use")
    # decoding takes memory for a moment (up to the session cap): two uploads at a time, the rest queue
    files.upload(panel.upload, files, [message, dataset], api_name="upload_data", concurrency_limit=2)
    use.click(panel.draw, canvas, [message, dataset], api_name="draw_points")
    return panel
