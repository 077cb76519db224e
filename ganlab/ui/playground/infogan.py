"""Playground panel for InfoGAN: pick a category, move the codes, watch the rows × columns figure.

Layout first, then the event wiring; the logic is ``ganlab.explore.infogan.Explorer`` (tested without UI).
Slider names come from the checkpoint card's measurements ("code 1 (looks like: rotation)").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ganlab.checkpoints import CheckpointError
from ganlab.explore.infogan import Explorer, infogan_checkpoints
from ganlab.server.store import SessionStore
from ganlab.ui.gradio_fixes.outputs import shown_image
from ganlab.ui.playground import infogan_projection as infogan_project
from ganlab.ui.request import session_id

INTRO = (
    "### InfoGAN: codes that came to mean something\n"
    "This GAN was trained on MNIST **without labels**. Besides random noise it gets a *category* "
    "(10 values) and two *continuous codes*, and a helper network had to read them back from the "
    "image — so the generator learned to make them visible. Which category draws which digit, and "
    "what the two codes do, was **measured afterwards** with an independent digit classifier and "
    "image measurements; the labels below are those measurements. Training used codes in "
    "[-1, 1]; the sliders go to ±2 to show what happens beyond."
)


@dataclass
class Handlers:
    """The panel's event functions (plain functions of values, so tests call them directly)."""

    store: SessionStore
    explorer: Explorer

    def choices(self, session_hash: str = "") -> list[tuple[str, str]]:
        """(label, value) of the InfoGAN checkpoints: shipped, then this session's saved ones."""
        extra = self.store.saved_models(session_hash) if session_hash else {}
        return list(infogan_checkpoints(extra).items())

    def refresh(self, current: str | None, request: gr.Request | None = None) -> Any:
        """Dropdown update listing the InfoGAN checkpoints this browser session can use."""
        options = self.choices(session_id(request))
        values = [v for _, v in options]
        return gr.update(choices=options, value=current if current in values else
                         (values[0] if values else None))

    def pick_model(self, checkpoint: str | None) -> tuple[Any, Any, Any, Any, str]:
        """Category choices, slider labels (reset to 0), figure-code choices and a summary."""
        if not checkpoint:
            return (gr.update(), gr.update(), gr.update(), gr.update(),
                    "No InfoGAN model yet: train one in the Train tab (model: infogan).")
        try:
            info = self.explorer.controls(checkpoint)
        except (ValueError, CheckpointError) as e:
            raise gr.Error(str(e)) from None
        cats = info["categories"]
        labels = info["sliders"]
        summary = _summary(info)
        return (gr.update(choices=cats, value=cats[0][1]),
                gr.update(label=labels[0], value=0.0), gr.update(label=labels[1], value=0.0),
                gr.update(choices=[(label, i) for i, label in enumerate(labels)], value=0),
                summary)

    def view(self, checkpoint: str | None, category: int | None, c1: float, c2: float,
             seed: float | None, vary: int | None, origin: Any = None) -> tuple[Any, Any]:
        """(enlarged sample, rows × columns figure) for the current settings (``origin``: a projected
        picture's z, drawn from while the checkpoint and seed are those it was found at)."""
        if not checkpoint or category is None:
            return None, None
        try:
            z = infogan_project.origin_z(origin, checkpoint, seed, self.explorer.model(checkpoint).latent_dim)
            return self.explorer.view(checkpoint, int(category), float(c1), float(c2),
                                      int(seed or 0), int(vary or 0), z=z)
        except (ValueError, CheckpointError) as e:
            raise gr.Error(str(e)) from None

    def pick_and_view(self, checkpoint: str | None, seed: float | None) -> tuple:
        """pick_model then view at the centre of the codes (after a model change)."""
        controls = self.pick_model(checkpoint)
        category = controls[0].get("value") if isinstance(controls[0], dict) else None
        sample, fig = self.view(checkpoint, category, 0.0, 0.0, seed, 0)
        return (*controls, sample, fig)


def _summary(info: dict[str, Any]) -> str:
    """Markdown with the measured numbers behind the labels."""
    if info.get("accuracy") is None:
        return ("This model's codes were not measured yet (run `python -m ganlab evaluate-infogan "
                "--checkpoint ... --write-card`), so the labels say 'not measured'.")
    lines = [f"**Categories → digits:** with the best one-to-one matching, "
             f"{info['accuracy']:.0%} of samples are read as their category's digit "
             "(the InfoGAN paper reports about 95%)."]
    for code in info["codes"]:
        m, fit = code["measures"], code.get("fit") or {}
        shares = ", ".join(f"{name} {f['explained']:.0%}" for name, f in fit.items())
        lines.append(
            f"- **code {code['code']} looks like: {code['looks_like']}** — of the pixel change from "
            f"-1 to +1, each edit explains: {shares}. Measured on the ink: slant "
            f"{m['slant_deg']['change']:+.0f}°, stroke {m['stroke_px']['change']:+.2f} px, "
            f"width {m['width_px']['change']:+.2f} px.")
    return "\n".join(lines)


def build(store: SessionStore) -> None:
    """Lay out the InfoGAN panel and wire its events (call inside a Blocks/Tab context)."""
    handlers = Handlers(store, Explorer())
    options = handlers.choices()
    first = options[0][1] if options else None

    # -- layout ------------------------------------------------------------------------------
    with gr.Column(elem_id="ig-panel"):
        gr.Markdown(INTRO)
        with gr.Row():
            model = gr.Dropdown(choices=options, value=first, label="InfoGAN model", scale=2)
            category = gr.Dropdown(choices=[], label="category (the categorical code)", scale=2)
            seed = gr.Number(value=0, precision=0, minimum=0, label="noise seed", scale=1)
        with gr.Row():
            c1 = gr.Slider(-2, 2, value=0, step=0.1, label="code 1")
            c2 = gr.Slider(-2, 2, value=0, step=0.1, label="code 2")
        with gr.Row():
            sample = shown_image(label="this category and these codes", type="numpy", height=260, format="png",
                                 interactive=False, scale=1)
            with gr.Column(scale=3):
                vary = gr.Radio(choices=[("code 1", 0), ("code 2", 1)], value=0,
                                label="figure columns vary")
                figure = shown_image(label="rows = categories, columns = code values (-2 … +2)", format="png",
                                     type="numpy", interactive=False)
        summary = gr.Markdown()
        origin = gr.State(None)  # the z of a projected picture (infogan_project), or None

    # -- events ------------------------------------------------------------------------------
    model.focus(handlers.refresh, inputs=model, outputs=model, queue=False)
    model.change(handlers.pick_and_view, inputs=[model, seed],
                 outputs=[category, c1, c2, vary, summary, sample, figure], api_name="infogan_pick")
    # Live: every slider move redraws (always_last drops stale moves while one is drawing).
    redraw = dict(fn=handlers.view, inputs=[model, category, c1, c2, seed, vary, origin], outputs=[sample, figure],
                  show_progress="hidden")
    gr.on([category.change, c1.change, c2.change, seed.change, vary.change], api_name="infogan_view",
          trigger_mode="always_last", **redraw)
    infogan_project.build(model, category, c1, c2, seed, origin, {**redraw, "api_visibility": "private"})
    root = _root_blocks()
    if root is not None and first is not None:
        root.load(handlers.pick_and_view, inputs=[model, seed],
                  outputs=[category, c1, c2, vary, summary, sample, figure])


def _root_blocks() -> gr.Blocks | None:
    """The Blocks being built (to fill the panel when a page opens), if any."""
    from gradio.context import get_blocks_context

    ctx = get_blocks_context()
    return getattr(ctx, "root_block", None) if ctx is not None else None
