"""Playground tab: explore a trained generator — seed, class, truncation, latent sliders, grids,
interpolation — on the shipped models or the ones saved in the Train tab. Logic: ganlab.playground."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import gradio as gr

from ganlab.checkpoints import CheckpointError
from ganlab.images import save_png
from ganlab.playground import Playground, PlaygroundError, card_line, catalogue, gif_bytes, strip
from ganlab.ui import infogan_panel
from ganlab.ui.sessions import SessionStore

RAW_SLIDERS = 6
DIRECTION_SLIDERS = 5
TRUNCATION_HELP = ("**Truncation** scales the random vector z toward the average (0). Lower values give "
                   "safer, more typical images with less variety; 1 = no truncation.")
SLIDERS_HELP = ("**Raw sliders** add to single entries of z. **Directions** (GANSpace) move z along the "
                "directions that change the generator's first layer most, found by PCA over 1,000 random "
                "z: they usually change visible properties (thickness, slant, shape) more than one raw entry.")


class PlaygroundTab:
    """Handlers, bound to the SessionStore (to list this session's saved generators)."""

    def __init__(self, store: SessionStore):
        self.store = store
        self.pg = Playground()

    def _models(self, request: gr.Request | None) -> dict[str, Path]:
        sid = request.session_hash if request is not None and request.session_hash else ""
        return catalogue(self.store.saved_models(sid) if sid else {})

    def _loaded(self, name: str, request: gr.Request | None):
        models = self._models(request)
        if not name or name not in models:
            raise gr.Error(f"Unknown model {name!r}. Available: {', '.join(models) or 'none (assets/ is empty)'}.")
        try:
            return self.pg.load(models[name], name)
        except (CheckpointError, OSError, ValueError) as e:
            raise gr.Error(f"Could not load {name!r}: {e}") from None

    def refresh_models(self, current: str, request: gr.Request):
        """Re-list models (new saves from the Train tab appear)."""
        names = list(self._models(request))
        return gr.Dropdown(choices=names, value=current if current in names else (names[0] if names else None))

    def pick(self, name: str, request: gr.Request):
        """Card line and class choices for the picked model."""
        loaded = self._loaded(name, request)
        names = loaded.class_names
        classes = gr.Dropdown(choices=[(n, i) for i, n in enumerate(names)], value=0 if names else None,
                              visible=bool(names), interactive=True)
        return card_line(loaded.card), classes

    def render(self, name, seed, cls, truncation, r0, r1, r2, r3, r4, r5, d0, d1, d2, d3, d4,
               request: gr.Request):
        """The large image for the current settings (6 raw sliders, 5 direction sliders)."""
        sliders = (r0, r1, r2, r3, r4, r5, d0, d1, d2, d3, d4)
        loaded = self._loaded(name, request)
        try:
            img, _ = self.pg.image(loaded, seed, cls, truncation, sliders[:RAW_SLIDERS], sliders[RAW_SLIDERS:])
        except PlaygroundError as e:
            raise gr.Error(str(e)) from None
        return img

    def generate(self, model: str, seed: float, class_: str, truncation: float, offsets: list | str | None,
                 request: gr.Request):
        """API: image for (model, seed, class or none, truncation, list of latent offsets)."""
        if isinstance(offsets, str):
            try:
                offsets = json.loads(offsets) if offsets.strip() else []
            except json.JSONDecodeError:
                raise gr.Error("offsets must be a JSON list of numbers, e.g. [0.5, -1]") from None
        offsets = list(offsets or [])
        cls = None if class_ in (None, "", "none", "None") else class_
        if len(offsets) > RAW_SLIDERS + DIRECTION_SLIDERS:
            raise gr.Error(f"offsets: at most {RAW_SLIDERS} raw + {DIRECTION_SLIDERS} direction values.")
        padded = [*offsets, *[0.0] * (RAW_SLIDERS + DIRECTION_SLIDERS - len(offsets))]
        return self.render(model, seed, cls, truncation, *padded, request=request)

    def downloads(self, name, seed, cls, truncation, r0, r1, r2, r3, r4, r5, d0, d1, d2, d3, d4,
                  request: gr.Request):
        """PNG of the current image and its latent vector (JSON), to reproduce it."""
        sliders = (r0, r1, r2, r3, r4, r5, d0, d1, d2, d3, d4)
        loaded = self._loaded(name, request)
        try:
            img, z = self.pg.image(loaded, seed, cls, truncation, sliders[:RAW_SLIDERS], sliders[RAW_SLIDERS:])
        except PlaygroundError as e:
            raise gr.Error(str(e)) from None
        folder = Path(tempfile.mkdtemp())
        png = save_png(img, folder / f"{name.split()[0]}-seed{int(seed)}.png")
        vec = folder / f"{name.split()[0]}-seed{int(seed)}-latent.json"
        vec.write_text(json.dumps({"model": name, "seed": int(seed), "class": cls, "truncation": truncation,
                                   "z": [round(float(v), 6) for v in z]}))
        return [str(png), str(vec)]

    def class_grid(self, name, seeds, truncation, first_seed, request: gr.Request):
        """Rows = classes, columns = seeds."""
        loaded = self._loaded(name, request)
        try:
            return self.pg.class_grid(loaded, seeds, truncation, int(first_seed or 0))
        except PlaygroundError as e:
            raise gr.Error(str(e)) from None

    def interpolate(self, name, seed_a, seed_b, cls, truncation, frames, request: gr.Request):
        """A strip of frames between two seeds and the same as a GIF."""
        loaded = self._loaded(name, request)
        try:
            seq = self.pg.interpolate(loaded, seed_a, seed_b, cls, truncation, frames)
        except PlaygroundError as e:
            raise gr.Error(str(e)) from None
        gif = Path(tempfile.mkdtemp()) / f"interpolation-{int(seed_a)}-{int(seed_b)}.gif"
        gif.write_bytes(gif_bytes(seq))
        return strip(seq), str(gif)


def build(store: SessionStore) -> None:
    """Lay out the Playground tab and wire its events."""
    tab = PlaygroundTab(store)
    names = list(catalogue())
    first = "cgan-mnist" if "cgan-mnist" in names else (names[0] if names else None)
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            with gr.Row():
                model = gr.Dropdown(names, value=first, label="Generator", scale=4, elem_id="pg-model")
                refresh = gr.Button("↻", scale=1, min_width=40)
            card = gr.Markdown(elem_id="pg-card")
            first_classes = _class_choices(first)
            classes = gr.Dropdown(first_classes, value=0 if first_classes else None, label="Class",
                                  visible=bool(first_classes), allow_custom_value=True, elem_id="pg-class")
            with gr.Row():
                seed = gr.Number(0, label="Seed", precision=0, minimum=0, elem_id="pg-seed")
                rand = gr.Button("Random seed")
            trunc = gr.Slider(0.05, 1.0, value=1.0, step=0.05, label="Truncation", elem_id="pg-trunc")
            gr.Markdown(TRUNCATION_HELP)
        with gr.Column(scale=2):
            image = gr.Image(label="Generated", type="numpy", interactive=False, height=360, width=360,
                             format="png", elem_id="pg-image")
            with gr.Row():
                dl_btn = gr.Button("Download PNG + latent vector")
                dl_files = gr.File(label="Downloads", file_count="multiple", interactive=False)
        with gr.Column(scale=1, min_width=260):
            gr.Markdown("**Latent sliders**")
            raw = [gr.Slider(-3, 3, value=0, step=0.1, label=f"z[{i}]", elem_id=f"pg-raw-{i}")
                   for i in range(RAW_SLIDERS)]
            dirs = [gr.Slider(-3, 3, value=0, step=0.1, label=f"direction {i + 1} (PCA)", elem_id=f"pg-dir-{i}")
                    for i in range(DIRECTION_SLIDERS)]
            reset = gr.Button("Reset sliders")
            gr.Markdown(SLIDERS_HELP)
    with gr.Accordion("Class × seed grid", open=False):
        with gr.Row():
            n_seeds = gr.Slider(4, 8, value=6, step=1, label="Seeds (columns)")
            grid_seed = gr.Number(0, label="First seed", precision=0, minimum=0)
            grid_btn = gr.Button("Make grid")
        grid_img = gr.Image(label="rows = classes, columns = seeds", type="numpy", interactive=False, format="png")
    with gr.Accordion("Interpolation (slerp between two seeds)", open=False):
        with gr.Row():
            seed_a = gr.Number(0, label="From seed", precision=0, minimum=0)
            seed_b = gr.Number(1, label="To seed", precision=0, minimum=0)
            frames = gr.Slider(4, 24, value=10, step=1, label="Frames")
            interp_btn = gr.Button("Interpolate")
        strip_img = gr.Image(label="frames", type="numpy", interactive=False, format="png")
        gif_file = gr.File(label="GIF", interactive=False)
    with gr.Accordion("InfoGAN: codes that mean something", open=False):
        infogan_panel.build(store)
    # API-only inputs for `generate` (teachers script it with gradio_client).
    with gr.Row(visible=False):
        api_model, api_class = gr.Textbox(), gr.Textbox()
        api_seed, api_trunc = gr.Number(), gr.Number()
        api_offsets = gr.JSON()
        api_out = gr.Image(type="numpy", format="png")
        api_btn = gr.Button()

    view_inputs = [model, seed, classes, trunc, *raw, *dirs]
    refresh.click(tab.refresh_models, model, model, api_visibility="private")
    model.change(tab.pick, model, [card, classes], api_name="pick").then(tab.render, view_inputs, image)
    for control in (seed, classes):
        control.change(tab.render, view_inputs, image, api_visibility="private", trigger_mode="always_last",
                       show_progress="hidden")
    for slider in (trunc, *raw, *dirs):  # only the final value of a drag is sent
        slider.release(tab.render, view_inputs, image, api_visibility="private", show_progress="hidden")
    rand.click(lambda: random.randint(0, 99_999), None, seed, api_visibility="private")
    reset.click(lambda: [0.0] * (RAW_SLIDERS + DIRECTION_SLIDERS), None, [*raw, *dirs],
                api_visibility="private").then(tab.render, view_inputs, image, api_visibility="private")
    dl_btn.click(tab.downloads, view_inputs, dl_files, api_name="download")
    grid_btn.click(tab.class_grid, [model, n_seeds, trunc, grid_seed], grid_img, api_name="class_grid")
    interp_btn.click(tab.interpolate, [model, seed_a, seed_b, classes, trunc, frames], [strip_img, gif_file],
                     api_name="interpolate")
    api_btn.click(tab.generate, [api_model, api_seed, api_class, api_trunc, api_offsets], api_out,
                  api_name="generate")
    demo = _current_blocks()
    if demo is not None and first is not None:
        demo.load(tab.pick, model, [card, classes]).then(tab.render, view_inputs, image)


def _class_choices(name: str | None) -> list[tuple[str, int]]:
    """(label, index) pairs of a shipped conditional model's classes, for the initial layout."""
    from ganlab.checkpoints import read_card

    if not name:
        return []
    try:
        card = read_card(name)
    except CheckpointError:
        return []
    return [(n, i) for i, n in enumerate(card.get("class_names", []))] if card.get("model") == "cgan" else []


def _current_blocks() -> gr.Blocks | None:
    """The Blocks being built, to fill the tab when a page opens."""
    from gradio.context import get_blocks_context

    ctx = get_blocks_context()
    return ctx.root_block if ctx is not None else None
