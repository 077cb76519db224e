"""The Train tab's layout: the settings column (presets and the form), the controls, the live panels
and the downloads row. Layout only; the handlers are in ui/train/tab.py."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ganlab.config import settings
from ganlab.data import DATASETS
from ganlab.losses import LOSSES
from ganlab.models import REGISTRY
from ganlab.server.store import SessionStore
from ganlab.train import diagnostics
from ganlab.ui.train import layers, slow_motion, text
from ganlab.ui.train import nearest as train_nearest
from ganlab.ui.train import upload as upload_panel
from ganlab.ui.train.form import FormBase, TrainForm, build_form
from ganlab.ui.train.live_view import LiveView
from ganlab.ui.train.presets import COMPARE_VALUES, PRESETS

DATASET_INFO = {False: "or your own data: upload or draw it below",
                True: "or your own data below, or type a folder under the server's data root"}


def apply_preset(name: str, form: type[FormBase] = TrainForm):
    """Fill the controls from a preset and show what to watch for."""
    preset = PRESETS.get(name, next(iter(PRESETS.values())))
    return (*preset.form_values(form.config_cls).values(), f"**Watch for:** {preset.note}")


def settings_column(store: SessionStore, form_cls: type[FormBase]) -> tuple[gr.Dropdown, gr.Markdown, dict]:
    """The preset picker, its note and the settings form (made from the settings table)."""
    first = next(iter(PRESETS))
    preset = gr.Dropdown(list(PRESETS), value=first, label="Preset")
    preset_note = gr.Markdown(f"**Watch for:** {PRESETS[first].note}")
    comparable = [s for s in settings(form_cls.config_cls) if s.compare]
    choices = {"model": list(REGISTRY), "dataset": list(DATASETS), "loss": list(LOSSES),
               "compare": [("— one run —", ""), *((s.label, s.name) for s in comparable)], "compare_value": []}
    extra = {"dataset": {"allow_custom_value": True, "info": DATASET_INFO[store.data_root is not None]},
             "compare": {"info": "a second run B beside this one: same seed, same batches, one setting changed; "
                                 "or, while a run trains, Fork here splits it at this step"},
             "compare_value": {"allow_custom_value": True, "info": "type a value or pick one"}}
    after = {"dataset": lambda box: upload_panel.build(store, box, list(DATASETS))}
    form = build_form(PRESETS[first].form_values(form_cls.config_cls), choices, extra, after, form_cls)
    form["compare"].input(compare_values, form["compare"], form["compare_value"], show_progress="hidden",
                          api_visibility="private")
    return preset, preset_note, form


def compare_values(name: str) -> gr.Dropdown:
    """B's typical values for the setting picked in "Compare with…" (any other can be typed)."""
    values = COMPARE_VALUES.get(name, [])
    return gr.Dropdown(choices=values, value=values[0] if values else "")


def buttons() -> dict[str, gr.Button]:
    """The run's controls, by name."""
    with gr.Row():
        return {"start": gr.Button("▶ Start", variant="primary"), "pause": gr.Button("Pause"),
                "step": gr.Button("Step"), "d_step": gr.Button("D-only step"), "g_step": gr.Button("G-only step"),
                "reset": gr.Button("Reset", variant="stop"), "save": gr.Button("Save"),
                "fork": gr.Button("Fork here", elem_id="train-fork")}


def live_panels(form: dict[str, Any], form_cls: type[FormBase]) -> tuple[LiveView, dict[str, Any]]:
    """The live outputs (status, reading, alarms, curves, view, graph, layers, quality, formula) as
    components, and the slow-motion controls."""
    plain = dict(latex_delimiters=[])  # no formula scan in the browser at every update
    picture = dict(type="filepath", interactive=False, buttons=[], format="png")
    status = gr.Markdown("Pick a preset or settings, then press **Start**.", elem_id="train-status", **plain)
    reading = gr.Markdown(diagnostics.reading([], LOSSES["non_saturating"]), elem_id="train-reading", **plain)
    alarms = gr.Markdown(elem_id="train-alarms", **plain)
    controls = slow_motion.build_controls()
    curves = gr.Image(label="Losses and D's verdicts (every step)", elem_id="train-curves", height=280, **picture)
    with gr.Row():
        view = gr.Image(label="Samples / 2D view", elem_id="train-view", height=420, **picture)
        with gr.Column():
            side = layers.build_side()
            quality = gr.Image(label="Quality meter", elem_id="train-quality", height=220, **picture)
            quality_md = gr.Markdown(elem_id="train-quality-text", **plain)
    with gr.Accordion("Where G is pushed, what D looks at (image models)", open=False):
        why = gr.Image(label="G's push on four fakes; D's saliency on a real and a fake", elem_id="train-why",
                       **picture)
        gr.Markdown(text.WHY_HELP)
    with gr.Accordion("How a GAN trains (with this run's numbers)", open=False):
        first = form_cls(**{name: box.value for name, box in form.items()})
        explain = gr.Markdown(diagnostics.objective_text(first.config()),
                              latex_delimiters=[{"left": "$$", "right": "$$", "display": True}])
    with gr.Accordion("What the pictures mean", open=False):
        gr.Markdown(text.pictures_help())
    live = LiveView(curves=curves, picture=view, quality=quality, status=status, reading=reading, alarms=alarms,
                    quality_text=quality_md, explain=explain, legend=side["legend"], graph=side["graph"], why=why)
    return live, {**controls, **side}


def downloads(tab: Any, save: gr.Button) -> gr.Radio:
    """One downloads row (the CSV, the saved checkpoint's zip, the TensorBoard logs): each file box
    stays hidden until it has something to download. Returns the "save which run" choice."""
    with gr.Row(elem_id="train-downloads"):
        save_which = gr.Radio(["both", "A", "B"], value="both", label="Save which run (a comparison)",
                              elem_id="train-save-which", min_width=200)
        csv_btn = gr.Button("Download the per-step record (CSV)", size="sm")
        tb_box = gr.Checkbox(False, label="Write TensorBoard logs",
                             info="every step's numbers, the samples every 100 steps, the settings")
        tb_btn = gr.Button("Download TensorBoard logs (zip)", size="sm")
    with gr.Row():
        csv_file = gr.File(label="history.csv", interactive=False, visible=False)
        saved_file = gr.File(label="Saved checkpoint (zip)", interactive=False, visible=False)
        tb_file = gr.File(label="tensorboard.zip", interactive=False, visible=False)
    saved_md, tb_md = gr.Markdown(), gr.Markdown()
    train_nearest.build(tab.store)  # "Is it copying?": this run's samples beside their nearest training images
    shown = dict(fn=_shown, show_progress="hidden", api_visibility="private")
    save.click(tab.save, None, [saved_file, saved_md], api_name="save").then(
        inputs=saved_file, outputs=saved_file, **shown)
    csv_btn.click(tab.history_csv, None, csv_file, api_name="history_csv").then(
        inputs=csv_file, outputs=csv_file, **shown)
    tb_box.change(tab.tensorboard, tb_box, tb_md, api_name="tensorboard")
    tb_btn.click(tab.tensorboard_zip, None, tb_file, api_name="tensorboard_zip").then(
        inputs=tb_file, outputs=tb_file, **shown)
    return save_which


def _shown(path: str | None):
    """A file box shown when it holds a file, hidden when it is empty."""
    return gr.File(visible=path is not None)
