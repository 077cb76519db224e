"""The Train tab's layout: the settings column (presets and the form), the controls, the live panels
and the downloads row, sized so that a projector's 1280×720 shows Start, the 2D view and the curves at
once. Layout only; the handlers are in ui/train/tab.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ganlab.config import settings
from ganlab.data import DATASETS
from ganlab.data.uploads import MAX_IMAGE_PIXELS, MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES
from ganlab.losses import LOSSES
from ganlab.models import REGISTRY
from ganlab.server.limits import MB, SOLO_RUNS
from ganlab.server.store import SessionStore
from ganlab.train import diagnostics
from ganlab.ui.request import session_id
from ganlab.ui.train import canvas, layers, lesson_link, slow_motion, text
from ganlab.ui.train import nearest as train_nearest
from ganlab.ui.train import replay as replay_panel
from ganlab.ui.train import upload as upload_panel
from ganlab.ui.train.form import FormBase, TrainForm, build_form
from ganlab.ui.train.live_view import LiveView
from ganlab.ui.train.presets import COMPARE_VALUES, PRESETS

PLAIN = dict(latex_delimiters=[])  # no formula scan in the browser at every update
PICTURE = dict(type="filepath", interactive=False, buttons=[], format="png")
# Heights that follow the window: at 1280×720 the buttons, the 2D view and the curves fit on one screen.
VIEW_HEIGHT = "clamp(300px, calc(100vh - 290px), 640px)"
CURVES_HEIGHT = "clamp(150px, 28vh, 300px)"
# The form's less used settings, in a "More settings" fold that starts closed (a projector shows less form).
MORE_SETTINGS = ("latent_dim", "seed")
DATASET_INFO = {False: "or your own data: upload or draw it below",
                True: "or your own data below, or type a folder under the server's data root"}


@dataclass
class TrainPage:
    """The Train tab's components that its events need, by part."""

    preset: gr.Dropdown
    preset_note: gr.Markdown
    form: dict[str, Any]
    share: lesson_link.ShareSettings
    buttons: dict[str, gr.Button]
    panels: LiveView
    extra: dict[str, Any]  # the slow-motion controls and the view's side column (graph, layers, legend)
    save_which: gr.Radio


def page(tab: Any, form_cls: type[FormBase]) -> TrainPage:
    """Lay out the tab: the settings in a narrow column on the left (this server's limits under them),
    the controls and the live view on the right, the downloads and a recorded run's replay under it."""
    with gr.Row(elem_id="train-page"):
        with gr.Column(scale=1, min_width=260, elem_id="train-settings"):
            preset, preset_note, form = settings_column(tab.store, form_cls)
            share = lesson_link.ShareSettings(preset, preset_note, form, form_cls)
            gr.Markdown(limits_text(tab.store), elem_id="train-limits")
        with gr.Column(scale=4, elem_id="train-live"):
            buttons_ = buttons()
            panels, extra = live_panels(form, form_cls)
            save_which = downloads(tab, buttons_["save"])
            replay_panel.build(tab.store)  # open a recorded run: its curves and a step slider
    panels.pause = buttons_["pause"]
    return TrainPage(preset, preset_note, form, share, buttons_, panels, extra, save_which)


def limits_text(store: SessionStore) -> str:
    """The per-session limits of this server, in one paragraph for the Train tab."""
    folders = ("server folders under the data root the operator set" if store.data_root is not None
               else "no server folders")
    engine = f" (2D runs train together in its engine; {SOLO_RUNS} others at once)" if store.use_engine else ""
    return (f"**Limits on this server:** {store.max_runs} trainings at once{engine} · at most "
            f"{store.max_steps:,} steps and {store.max_train_s / 60:g} minutes of training per run · uploads up to "
            f"{MAX_UPLOAD_BYTES // MB} MB "
            f"and {MAX_UPLOAD_FILES:,} images ({MAX_IMAGE_PIXELS / 1e6:g} megapixels each), "
            f"{store.uploads.session_bytes // MB} MB once decoded · {folders} · your run and uploads are deleted "
            f"when you close the tab or after {store.idle_timeout_s / 60:g} idle minutes.")


def view_kind(tab: Any, request: gr.Request) -> tuple[Any, Any]:
    """The 2D view's layer boxes shown only for a 2D run; a comparison's two pictures get a wider view."""
    job = tab.store.get(session_id(request))
    if job is None:
        return gr.skip(), gr.skip()
    two_d = job.run.spec.data_shape == (2,)
    wide = ["train-compare"] if job.other is not None else []
    return gr.CheckboxGroup(visible=two_d), gr.Row(elem_classes=wide)


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
             "compare_value": {"allow_custom_value": True, "info": "type a value or pick one"},
             "optimizer": {"info": "adam scales each step by the recent gradient size; sgd steps by learning "
                                   "rate × gradient, so a vanishing gradient shows (give it larger rates, ~0.05)"}}
    after = {"dataset": lambda box: upload_panel.build(store, box, list(DATASETS))}
    form = build_form(PRESETS[first].form_values(form_cls.config_cls), choices, extra, after, form_cls,
                      fold=MORE_SETTINGS)
    form["compare"].input(compare_values, form["compare"], form["compare_value"], show_progress="hidden",
                          api_visibility="private")
    return preset, preset_note, form


def compare_values(name: str) -> gr.Dropdown:
    """B's typical values for the setting picked in "Compare with…" (any other can be typed)."""
    values = COMPARE_VALUES.get(name, [])
    return gr.Dropdown(choices=values, value=values[0] if values else "")


def buttons() -> dict[str, gr.Button]:
    """The run's controls, by name, in one row (narrow buttons: Start and the view fit a projector)."""
    narrow = dict(min_width=80)
    with gr.Row(elem_id="train-buttons"):
        return {"start": gr.Button("▶ Start", variant="primary", **narrow), "pause": gr.Button("Pause", **narrow),
                "step": gr.Button("Step", **narrow), "d_step": gr.Button("D-only step", **narrow),
                "g_step": gr.Button("G-only step", **narrow), "reset": gr.Button("Reset", variant="stop", **narrow),
                "save": gr.Button("Save", **narrow), "fork": gr.Button("Fork here", elem_id="train-fork", **narrow)}


def live_panels(form: dict[str, Any], form_cls: type[FormBase]) -> tuple[LiveView, dict[str, Any]]:
    """The live outputs as components, side by side so that one screen holds them: the 2D view (with the
    slow-motion controls at its edges) beside the curves, the status, the model graph, the layers and
    the quality meter; the explanations folded under them. Returns them and the slow-motion controls
    and side column by name."""
    with gr.Row(elem_id="train-main", equal_height=False) as main:
        with gr.Column(scale=5, min_width=300, elem_id="train-view-col"):
            view, controls = slow_motion.build_controls(
                lambda: gr.Image(label="2D view / samples", elem_id="train-view", height=VIEW_HEIGHT, **PICTURE))
            drawn = canvas.view_canvas()  # a 2D run (or A | B): the view and the curves drawn by the browser
        with gr.Column(scale=6, min_width=300, elem_id="train-side-col"):
            curves = gr.Image(label="Losses and D's verdicts (every step)", show_label=False, elem_id="train-curves",
                              height=CURVES_HEIGHT, **PICTURE)
            canvas.curves_canvas()
            controls["phase"].render()  # a slow-motion phase in words, beside its picture
            status = gr.Markdown("Pick a preset or settings, then press **Start**.", elem_id="train-status", **PLAIN)
            reading = gr.Markdown(diagnostics.reading([], LOSSES["non_saturating"]), elem_id="train-reading", **PLAIN)
            alarms = gr.Markdown(elem_id="train-alarms", **PLAIN)
            side = layers.build_side()
            quality = gr.Image(label="Quality meter", elem_id="train-quality", height=220, **PICTURE)
            canvas.divergence_canvas()
            quality_md = gr.Markdown(elem_id="train-quality-text", **PLAIN)
    why, explain = explanations(form, form_cls)
    live = LiveView(curves=curves, picture=view, quality=quality, status=status, reading=reading, alarms=alarms,
                    quality_text=quality_md, explain=explain, legend=side["legend"], graph=side["graph"], why=why,
                    canvas=drawn)
    return live, {**controls, **side, "main": main}


def explanations(form: dict[str, Any], form_cls: type[FormBase]) -> tuple[gr.Image, gr.Markdown]:
    """The folds under the live view: G's push and D's saliency (image models), the objective with this
    run's numbers, what the pictures mean. Returns the saliency picture and the objective's text."""
    with gr.Accordion("Where G is pushed, what D looks at (image models)", open=False):
        why = gr.Image(label="G's push on four fakes; D's saliency on a real and a fake", elem_id="train-why",
                       **PICTURE)
        gr.Markdown(text.WHY_HELP)
    with gr.Accordion("How a GAN trains (with this run's numbers)", open=False):
        first = form_cls(**{name: box.value for name, box in form.items()})
        explain = gr.Markdown(diagnostics.objective_text(first.config()),
                              latex_delimiters=[{"left": "$$", "right": "$$", "display": True}])
    with gr.Accordion("What the pictures mean", open=False):
        gr.Markdown(text.pictures_help())
    return why, explain


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
