"""Playground tab: explore a trained generator — seed, class, truncation, latent sliders, class × seed
grid, interpolation — on the shipped models or the ones saved in the Train tab.

Layout first, then the event wiring. The logic is ``ganlab.explore.playground`` (tested without the UI);
handlers here only turn its ``ConfigError`` into ``gr.Error`` (the server keeps serving).
Scripting: the named endpoint ``generate`` (see ``PlaygroundTab.generate``).
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from ganlab.checkpoints import CheckpointError, read_card, resolve
from ganlab.config import ConfigError
from ganlab.explore.playground import (
    N_DIRECTIONS,
    Loaded,
    Playground,
    card_line,
    catalogue,
    gif_bytes,
    latent_record,
    png_bytes,
    strip,
)
from ganlab.images import upscale
from ganlab.models import model_of
from ganlab.server.store import SessionStore
from ganlab.ui.components import Components
from ganlab.ui.context import TabContext
from ganlab.ui.gradio_fixes.outputs import shown_image
from ganlab.ui.gradio_fixes.page import current_blocks
from ganlab.ui.playground import infogan as infogan_panel
from ganlab.ui.playground import projection as project_panel
from ganlab.ui.request import session_id

RAW_SLIDERS = 6
SLIDER_RANGE = 3.0
TRUNCATION_HELP = (
    "**Truncation** multiplies the random vector z by this number, pulling it toward the average "
    "(z = 0). Lower values give safer, more typical pictures with less variety; 1 = no truncation."
)
SLIDERS_HELP = (
    "**z[i]** adds to one entry of the random vector z. **Directions** move z along the directions "
    "that change the generator's first layer most (PCA over 1,000 random z, the GANSpace idea): they "
    "change visible properties — thickness, slant, width — several times more than one z slider. "
    "The image updates when you let go of a slider."
)


CLASS_MORPH_HELP = "Same z, the class label slides from A to B (a straight path between the two class embeddings)."
# The tab: its title, its id (a lesson link's tab=), its docs page and what to try first (see ui/context.py)
LABEL, ID, DOCS = "Playground", "playground", "docs/playground.md"
INTRO = ("Pick **cgan-mnist**, choose a digit and move the sliders: each one walks G's latent space.\nThen "
         "draw your own digit under *Start from a picture* (**Project my drawing**) and ask: can G draw "
         "this, or is it copying?")


def _slug(name: str) -> str:
    """A file-name-safe version of a model name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "model"


class PlaygroundTab:
    """Handlers, bound to the SessionStore (to list this session's saved generators)."""

    def __init__(self, store: SessionStore | None):
        self.store = store
        self.pg = Playground()

    # -- models -------------------------------------------------------------------------------
    def models(self, request: gr.Request | None = None) -> dict[str, Path]:
        """Shipped generators plus the ones this browser session saved."""
        sid = session_id(request)
        saved = self.store.saved_models(sid) if (self.store is not None and sid) else {}
        return catalogue(saved)

    def loaded(self, name: Any, request: gr.Request | None = None) -> Loaded:
        """The cached generator for a model name, or a gr.Error naming the ones available."""
        models = self.models(request)
        if not isinstance(name, str) or name not in models:
            raise gr.Error(f"Unknown model {name!r}. Available: {', '.join(models) or 'none (assets/ is empty)'}.")
        try:
            return self.pg.load(models[name], name)
        except (CheckpointError, OSError, ValueError) as e:
            raise gr.Error(f"Could not load {name!r}: {e}") from None

    def refresh_models(self, current: str, request: gr.Request):
        """Re-list models (generators saved in the Train tab appear)."""
        names = list(self.models(request))
        return gr.Dropdown(choices=names, value=current if current in names else (names[0] if names else None))

    def pick(self, name: str, request: gr.Request):
        """Card line, class choices, slider labels (reset to 0) for the picked model."""
        loaded = self.loaded(name, request)
        names = loaded.class_names
        choices = [(n, i) for i, n in enumerate(names)]
        first = 7 if len(names) > 7 else 0
        cls = gr.Dropdown(choices=choices, value=first if names else None, visible=bool(names), interactive=True)
        cls_a = gr.Dropdown(choices=choices, value=1 if len(names) > 1 else None, interactive=True)
        cls_b = gr.Dropdown(choices=choices, value=first if names else None, interactive=True)
        dirs = self._directions_now(loaded)
        dir_updates = [gr.Slider(value=0.0, label=dirs.label(i) if dirs else f"direction {i + 1} (PCA)")
                       for i in range(N_DIRECTIONS)]
        raw_updates = [gr.Slider(value=0.0, visible=i < loaded.latent_dim) for i in range(RAW_SLIDERS)]
        return (card_line(loaded.card), cls, gr.Group(visible=bool(names)), cls_a, cls_b, *raw_updates,
                *dir_updates)

    def _directions_now(self, loaded: Loaded):
        """Directions if ready; else start computing them in the background (sliders wait for them)."""
        if loaded.directions is not None:
            return loaded.directions
        threading.Thread(target=self.pg.directions, args=(loaded,), daemon=True).start()
        return None

    def direction_labels(self, name: str, request: gr.Request):
        """Slider labels with each direction's measured effect (waits for the PCA)."""
        loaded = self.loaded(name, request)
        dirs = self.pg.directions(loaded)
        return [gr.Slider(label=dirs.label(i)) for i in range(N_DIRECTIONS)]

    # -- the image ----------------------------------------------------------------------------
    def _render(self, name, seed, cls, truncation, offsets, directions, request, strict: bool, origin=None):
        loaded = self.loaded(name, request)
        start = project_panel.start_from(origin, name, seed, loaded.latent_dim)  # a projected picture's z
        try:
            return loaded, self.pg.image(loaded, seed, cls, truncation, offsets, directions, strict=strict, start=start)
        except ConfigError as e:
            raise gr.Error(str(e)) from None

    def render(self, request: gr.Request, name, seed, cls, truncation, *sliders):
        """The large image for the current settings (UI); the last input is the projected start (or None)."""
        *sliders, origin = sliders
        _, r = self._render(name, seed, cls, truncation, list(sliders[:RAW_SLIDERS]), list(sliders[RAW_SLIDERS:]),
                            request, strict=False, origin=origin)
        return r.image

    def generate(self, model: str, seed: float, class_: str | None, truncation: float,
                 offsets: list | str | None, directions: list | str | None = None,
                 request: gr.Request = None) -> np.ndarray:
        """API: the image (336×336 PNG) for a model, seed, class (None for unconditional models),
        truncation in (0, 1], offsets added to z[0], z[1], … and optional PCA direction amounts."""
        _, r = self._render(model, seed, class_, truncation, offsets, directions, request, strict=True)
        return r.image

    def downloads(self, request: gr.Request, name, seed, cls, truncation, *sliders):
        """PNG of the current image and its latent vector (JSON), to reproduce it."""
        *sliders, origin = sliders
        offsets, dirs = list(sliders[:RAW_SLIDERS]), list(sliders[RAW_SLIDERS:])
        loaded, r = self._render(name, seed, cls, truncation, offsets, dirs, request, strict=False, origin=origin)
        folder = Path(tempfile.mkdtemp(prefix="ganlab-"))
        stem = f"{_slug(name)}-seed{int(seed)}" + ("" if r.label is None else f"-class{r.label}")
        png = folder / f"{stem}.png"
        png.write_bytes(png_bytes(r.image))
        vec = folder / f"{stem}-latent.json"
        vec.write_text(json.dumps(latent_record(loaded, int(seed), float(truncation), r, offsets, dirs), indent=1))
        return [str(png), str(vec)]

    # -- grid and interpolation ---------------------------------------------------------------
    def class_grid(self, name, seeds, truncation, first_seed, request: gr.Request):
        """Rows = classes, columns = seeds."""
        loaded = self.loaded(name, request)
        try:
            return upscale(self.pg.class_grid(loaded, seeds, truncation, first_seed), 3)
        except ConfigError as e:
            raise gr.Error(str(e)) from None

    def _strip_and_gif(self, frames: list[np.ndarray], stem: str) -> tuple[np.ndarray, str]:
        gif = Path(tempfile.mkdtemp(prefix="ganlab-")) / f"{stem}.gif"
        gif.write_bytes(gif_bytes(frames))
        return strip(frames), str(gif)

    def interpolate(self, name, seed_a, seed_b, cls, truncation, frames, request: gr.Request):
        """Strip and GIF between two seeds (same class)."""
        loaded = self.loaded(name, request)
        try:
            seq = self.pg.seed_interpolation(loaded, seed_a, seed_b, cls if loaded.conditional else None,
                                             truncation, frames)
        except ConfigError as e:
            raise gr.Error(str(e)) from None
        return self._strip_and_gif(seq, f"{_slug(name)}-seeds-{int(seed_a)}-{int(seed_b)}")

    def morph(self, name, seed, class_a, class_b, truncation, frames, request: gr.Request):
        """Strip and GIF from class A to class B (same seed)."""
        loaded = self.loaded(name, request)
        try:
            seq = self.pg.class_interpolation(loaded, seed, class_a, class_b, truncation, frames)
        except ConfigError as e:
            raise gr.Error(str(e)) from None
        return self._strip_and_gif(seq, f"{_slug(name)}-classes-{class_a}-{class_b}-seed{int(seed)}")


def lay_out(store: SessionStore | None) -> None:
    """Lay out the Playground tab and wire its events (call inside a Blocks / Tab context)."""
    tab = PlaygroundTab(store)
    names = list(catalogue())
    first = "cgan-mnist" if "cgan-mnist" in names else (names[0] if names else None)
    start_classes = _class_choices(first)
    if not names:
        gr.Markdown("**No generators found in assets/.** Train one in the Train tab, save it, then press ↻.",
                    elem_id="pg-empty")
    v = Components(raw=[], dirs=[], api_inputs=[])  # the tab's components: the layout fills, _wire reads
    with gr.Row(equal_height=False):
        _settings_column(v, names, first, start_classes)
        _image_column(v)
        _sliders_column(v)
    _grid_accordion(v)
    _interpolation_accordion(v, start_classes)
    v.project = project_panel.build(tab, v)
    with gr.Accordion("InfoGAN: codes that mean something", open=False):
        infogan_panel.build(store)
    _api_inputs(v, first)
    _wire(tab, v, first)


def _settings_column(v: Components, names: list[str], first: str | None, start_classes: list) -> None:
    """Left column: generator picker, its card line, class, seed and truncation."""
    with gr.Column(scale=3, min_width=300):
        with gr.Row():
            v.model = gr.Dropdown(names, value=first, label="Generator", scale=5, elem_id="pg-model")
            v.refresh = gr.Button("↻", scale=1, min_width=44, elem_id="pg-refresh")
        v.card = gr.Markdown(elem_id="pg-card")
        v.classes = gr.Dropdown(start_classes, label="Class", visible=bool(start_classes), elem_id="pg-class",
                                allow_custom_value=True)
        with gr.Row():
            v.seed = gr.Number(0, label="Seed", precision=0, minimum=0, maximum=2**31 - 1, elem_id="pg-seed",
                               scale=2)
            v.rand = gr.Button("Random seed", scale=1, elem_id="pg-random")
        v.trunc = gr.Slider(0.05, 1.0, value=1.0, step=0.05, label="Truncation", elem_id="pg-trunc")
        gr.Markdown(TRUNCATION_HELP)


def _image_column(v: Components) -> None:
    """Middle column: the large image and its downloads."""
    with gr.Column(scale=4, min_width=360):
        v.image = shown_image(label="Generated (nearest-neighbour upscaled, no blur)", type="numpy",
                              interactive=False, height=400, format="png", elem_id="pg-image",
                              buttons=["download", "fullscreen"])
        v.dl_btn = gr.Button("Download PNG + latent vector", elem_id="pg-download")
        v.dl_files = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="pg-files",
                             height=120, visible=False)  # shown once it holds the files


def _sliders_column(v: Components) -> None:
    """Right column: raw z sliders and PCA direction sliders."""
    with gr.Column(scale=3, min_width=280):
        v.raw = [gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, value=0, step=0.1, label=f"z[{i}]", elem_id=f"pg-raw-{i}")
                 for i in range(RAW_SLIDERS)]
        v.dirs = [gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, value=0, step=0.1, label=f"direction {i + 1} (PCA)",
                            elem_id=f"pg-dir-{i}") for i in range(N_DIRECTIONS)]
        v.reset = gr.Button("Reset sliders", elem_id="pg-reset")
        gr.Markdown(SLIDERS_HELP)


def _grid_accordion(v: Components) -> None:
    """The class × seed grid."""
    with gr.Accordion("Class × seed grid", open=False):
        with gr.Row():
            v.n_seeds = gr.Slider(4, 8, value=6, step=1, label="Seeds (columns)")
            v.grid_seed = gr.Number(0, label="First seed", precision=0, minimum=0)
            v.grid_btn = gr.Button("Make grid", elem_id="pg-grid-btn")
        v.grid_img = shown_image(label="rows = classes (top: first class), columns = seeds; uses the truncation "
                                 "above", type="numpy", interactive=False, format="png", elem_id="pg-grid")


def _interpolation_accordion(v: Components, start_classes: list) -> None:
    """Seed interpolation, and class morphing for conditional models."""
    with gr.Accordion("Interpolation", open=False):
        with gr.Row():
            v.seed_a = gr.Number(0, label="From seed", precision=0, minimum=0)
            v.seed_b = gr.Number(1, label="To seed", precision=0, minimum=0)
            v.frames = gr.Slider(4, 24, value=10, step=1, label="Frames")
            v.interp_btn = gr.Button("Interpolate seeds (slerp)", elem_id="pg-interp-btn")
        with gr.Group(visible=False) as v.morph_box:
            with gr.Row():
                v.class_a = gr.Dropdown(start_classes, label="From class", allow_custom_value=True)
                v.class_b = gr.Dropdown(start_classes, label="To class", allow_custom_value=True)
                v.morph_btn = gr.Button("Morph classes (seed above)", elem_id="pg-morph-btn")
            gr.Markdown(CLASS_MORPH_HELP)
        v.strip_img = shown_image(label="frames, left to right", type="numpy", interactive=False, format="png",
                                  elem_id="pg-strip")
        v.gif_file = gr.File(label="GIF (plays forward and back)", interactive=False, elem_id="pg-gif")


def _api_inputs(v: Components, first: str | None) -> None:
    """Inputs of the scripted ``generate`` endpoint (hidden; teachers call it with gradio_client)."""
    with gr.Row(visible=False):
        v.api_inputs = [gr.Textbox(first or "", label="model"), gr.Number(0, label="seed", precision=0),
                        gr.Textbox("", label="class"), gr.Number(1.0, label="truncation"),
                        gr.JSON([], label="offsets"), gr.JSON([], label="directions")]
        v.api_out = shown_image(type="numpy", format="png", label="image")
        v.api_btn = gr.Button()


def _wire(tab: PlaygroundTab, v: Components, first: str | None) -> None:
    """Connect the components' events to the tab's handlers."""
    view = [v.model, v.seed, v.classes, v.trunc, *v.raw, *v.dirs, v.origin]
    fast = {"show_progress": "hidden", "api_visibility": "private"}
    picked = [v.card, v.classes, v.morph_box, v.class_a, v.class_b, *v.raw, *v.dirs]
    v.refresh.click(tab.refresh_models, v.model, v.model, api_visibility="private")
    (v.model.change(tab.pick, v.model, picked, api_visibility="private")
     .then(tab.render, view, v.image, **fast)
     .then(tab.direction_labels, v.model, v.dirs, **fast))
    for control in (v.seed, v.classes):
        control.change(tab.render, view, v.image, trigger_mode="always_last", **fast)
    for slider in (v.trunc, *v.raw, *v.dirs):  # only the final value of a drag is sent
        slider.release(tab.render, view, v.image, trigger_mode="always_last", **fast)
    v.rand.click(lambda: random.randint(0, 99_999), None, v.seed, api_visibility="private")
    v.reset.click(lambda: [0.0] * (RAW_SLIDERS + N_DIRECTIONS), None, [*v.raw, *v.dirs], api_visibility="private",
                  queue=False).then(tab.render, view, v.image, **fast)
    v.dl_btn.click(tab.downloads, view, v.dl_files, api_visibility="undocumented").then(
        lambda files: gr.File(visible=bool(files)), v.dl_files, v.dl_files, api_visibility="private")
    v.grid_btn.click(tab.class_grid, [v.model, v.n_seeds, v.trunc, v.grid_seed], v.grid_img, api_name="class_grid")
    v.interp_btn.click(tab.interpolate, [v.model, v.seed_a, v.seed_b, v.classes, v.trunc, v.frames],
                       [v.strip_img, v.gif_file], api_name="interpolate")
    v.morph_btn.click(tab.morph, [v.model, v.seed, v.class_a, v.class_b, v.trunc, v.frames],
                      [v.strip_img, v.gif_file], api_name="interpolate_classes")
    v.api_btn.click(tab.generate, v.api_inputs, v.api_out, api_name="generate")
    project_panel.wire(v.project, view)
    demo = current_blocks()
    if demo is not None and first is not None:
        (demo.load(tab.pick, v.model, picked, api_visibility="private")
         .then(tab.render, view, v.image, **fast)
         .then(tab.direction_labels, v.model, v.dirs, **fast))


def _class_choices(name: str | None) -> list[tuple[str, int]]:
    """(label, index) choices of a shipped model's classes, from its card (empty if unconditional)."""
    if name is None:
        return []
    card = read_card(resolve(name))
    cls = model_of(card)
    return cls.class_choices(card) if cls is not None else []


def build(ctx: TabContext) -> None:
    """The Playground tab in the app."""
    lay_out(ctx.store)
