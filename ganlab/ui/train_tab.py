"""Train tab: pick a model, data, loss and settings; watch every step live; save the generator.

Layout first, then the event wiring. Handlers only call the core (TrainingSession, diagnostics,
the collapse Monitor, images) and the drawing helpers; every browser session has its own run in
the SessionStore. The form travels as one TrainForm, the live outputs as one LiveView.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import gradio as gr

from ganlab.checkpoints import CheckpointError, write_history
from ganlab.config import ConfigError, TrainConfig
from ganlab.data import TOY_2D, DataError
from ganlab.evaluate.classifier import classifier_for, load_classifier
from ganlab.images import points_view
from ganlab.losses import LOSSES
from ganlab.models import REGISTRY
from ganlab.train import diagnostics
from ganlab.train.monitor import EXTENT, Monitor
from ganlab.train.session import TrainingDiverged, TrainingStopped
from ganlab.ui import plots, text, upload_panel
from ganlab.ui.frames import LiveFrames
from ganlab.ui.sessions import Run, ServerBusy, SessionStore

DATASETS = [*TOY_2D, "mnist", "fashion", "openmoji"]
DATASET_INFO = {False: "or your own data: upload or draw it below",
                True: "or your own data below, or type a folder under the server's data root"}
QUALITY_EVERY_S = 2.0  # the classifier's verdict and the formula panel
REFRESH_S = 0.5  # the live view updates twice a second


def _sid(request: gr.Request | None) -> str:
    return (request.session_hash if request is not None and request.session_hash else "local") or "local"


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


@dataclass(frozen=True)
class TrainForm:
    """The settings form as one value; its field names are the API's parameter names, in order.

    build() hands Gradio the boxes by these names, so a handler gets the whole form at once.
    """

    model: str | None = None
    dataset: str | None = None
    loss: str | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    k: int | None = None
    batch_size: int | None = None
    latent_dim: int | None = None
    seed: int | None = None
    steps: int | None = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The fields in form (and API) order."""
        return tuple(f.name for f in fields(cls))

    def config(self) -> TrainConfig:
        """A validated TrainConfig. A blank box leaves TrainConfig's own default for that field
        (where that is None, the model's default)."""
        return TrainConfig(**{name: v for name in self.names() if not _blank(v := getattr(self, name))})


def _with_form(method: Callable[[TrainForm, gr.Request], Any]) -> Callable[..., Any]:
    """A Gradio handler that receives the form's boxes by name (inputs_kwargs) and passes ``method``
    one TrainForm; the API keeps one parameter per box (model, dataset, ..., steps)."""

    def handler(request: gr.Request, **boxes: Any) -> Any:
        return method(TrainForm(**boxes), request)

    handler.__name__, handler.__doc__ = method.__name__, method.__doc__
    return handler


@dataclass
class LiveView:
    """The live outputs by name. Handlers fill it with values, build() with the components; both
    are turned into Gradio's positional outputs by ``outputs()``, so their order cannot drift."""

    curves: Any = field(default_factory=gr.skip)  # losses and D's verdicts
    view: Any = field(default_factory=gr.skip)  # samples, or the 2D view
    quality: Any = field(default_factory=gr.skip)  # the classifier's samples-per-class bars
    status: Any = field(default_factory=gr.skip)  # step, speed, time, status, device
    reading: Any = field(default_factory=gr.skip)  # the state of the game in one line
    alarms: Any = field(default_factory=gr.skip)
    quality_text: Any = field(default_factory=gr.skip)  # coverage, or share read as the asked class
    explain: Any = field(default_factory=gr.skip)  # the objective with this run's numbers
    pause: Any = field(default_factory=gr.skip)  # the Pause / Resume button

    def outputs(self) -> tuple:
        """The fields in Gradio's output order."""
        return tuple(getattr(self, f.name) for f in fields(self))


class TrainTab:
    """Handlers of the Train tab, bound to one SessionStore (shared by all browser sessions)."""

    def __init__(self, store: SessionStore):
        self.store = store
        self._classifiers: dict[str, Any] = {}
        self._lazy = threading.Lock()  # one classifier per dataset, one monitor per run, across sessions

    # -- helpers ---------------------------------------------------------------------------
    def _classifier(self, dataset: str):
        name = classifier_for(dataset)
        if name is None:
            return None
        with self._lazy:
            if name not in self._classifiers:
                try:
                    self._classifiers[name] = load_classifier(name)
                except (CheckpointError, OSError, ValueError):
                    self._classifiers[name] = None
            return self._classifiers[name]

    def _monitor(self, run: Run) -> Monitor:
        """This run's collapse monitor (with the dataset's classifier, if there is one)."""
        if run.view.monitor is None:
            s = run.session
            clf = None if s.spec.data_shape == (2,) else self._classifier(s.config.dataset)
            with self._lazy:  # the watcher and /metrics may both ask first: one Monitor, not two
                if run.view.monitor is None:
                    run.view.monitor = Monitor(s, clf.predict if clf else None, clf.class_names if clf else (),
                                               every_s=QUALITY_EVERY_S, extent=EXTENT)
        return run.view.monitor

    def _ensure_run(self, sid: str, form: TrainForm) -> Run:
        """This session's run for these settings: reuse it if the settings match, else build anew."""
        config = form.config()
        run = self.store.get(sid)
        if run is None or run.view.requested != config or run.session.stopped:
            run = self.store.create(sid, config)
            run.view.requested = config
        return run

    # -- events ----------------------------------------------------------------------------
    def start(self, form: TrainForm, request: gr.Request):
        """Start or resume training in the background; then watch() streams the displays."""
        sid = _sid(request)
        try:
            with self.store.control(sid):
                run = self._ensure_run(sid, form)
                self.store.start(sid)
        except (ConfigError, DataError, ValueError) as e:
            gr.Warning(str(e))
            return f"**Cannot start:** {e}", gr.Button("Pause")
        except ServerBusy as e:
            gr.Warning(str(e))
            return f"**Busy:** {e}", gr.Button("Pause")
        c = run.session.config
        return f"Training **{c.model}** on **{c.dataset}** — {run.session.device}", gr.Button("Pause")

    def pause(self, request: gr.Request):
        """Pause a running training, or resume a paused one."""
        sid = _sid(request)
        with self.store.control(sid):
            run = self.store.get(sid)
            if run is None or not run.active:
                return gr.Button("Pause")
            if run.session.pause_requested:
                run.session.resume()
                return gr.Button("Pause")
            run.session.pause()
            return gr.Button("Resume")

    def step(self, form: TrainForm, request: gr.Request):
        """One training step: k D updates then one G update."""
        return self._single_step("train", form, request)

    def d_step(self, form: TrainForm, request: gr.Request):
        """One discriminator update only."""
        return self._single_step("d", form, request)

    def g_step(self, form: TrainForm, request: gr.Request):
        """One generator update only."""
        return self._single_step("g", form, request)

    def _single_step(self, kind: str, form: TrainForm, request: gr.Request):
        """One step (train / D-only / G-only); pauses a background run first."""
        sid = _sid(request)
        try:
            with self.store.control(sid):
                run = self.store.get(sid)
                if run is None or run.session.stopped:
                    run = self._ensure_run(sid, form)
                if run.active:
                    run.session.pause()
                run.session.step(kind)
        except (ConfigError, DataError, ValueError) as e:
            gr.Warning(str(e))
        except (TrainingDiverged, TrainingStopped) as e:
            gr.Warning(str(e))
        return self.refresh(request, force=True).outputs()

    def reset(self, request: gr.Request):
        """Stop and discard this session's run (saved generators stay available)."""
        sid = _sid(request)
        with self.store.control(sid):  # after a Start still building its run: that run is the one reset
            self.store.release(sid, keep_saved=True)
        return LiveView(curves=None, view=None, quality=None, status="Reset: press Start for a fresh run.",
                        reading=diagnostics.reading([], LOSSES["non_saturating"]), alarms="",
                        quality_text="", pause=gr.Button("Pause")).outputs()

    def save(self, request: gr.Request):
        """Save a checkpoint (atomic), list it in the Playground, and offer a zip download."""
        sid = _sid(request)
        run = self.store.get(sid)
        if run is None or run.session.step_count == 0:
            gr.Warning("Nothing to save yet: train a few steps first.")
            return None, "Nothing to save yet."
        s = run.session
        name = safe_name(f"{s.config.model}-{Path(s.config.dataset).name}-step{s.step_count}")
        path = s.save(self.store.save_dir(sid) / name)
        self.store.add_saved_model(sid, name, path)
        # beside the checkpoint, in the session's folder: deleted with the session, like the checkpoint
        archive = shutil.make_archive(str(path.parent / name), "zip", path)  # NAME.zip beside NAME/
        return archive, f"Saved **{name}**: it is now in the Playground's model list, and the zip is below."

    def history_csv(self, request: gr.Request):
        """The full per-step record as CSV."""
        run = self.store.get(_sid(request))
        if run is None or not run.session.history:
            gr.Warning("No steps recorded yet.")
            return None
        out = self.store.save_dir(_sid(request)) / "history.csv"  # deleted with the session
        out.parent.mkdir(parents=True, exist_ok=True)
        write_history(out, [r.as_dict() for r in list(run.session.history)])  # the checkpoint's CSV format
        return str(out)

    def tensorboard(self, on: bool, request: gr.Request) -> str:
        """Write TensorBoard logs of this session's runs (scalars every step, samples, settings) or stop."""
        run = self.store.set_tensorboard(_sid(request), bool(on))
        if not on:
            return "TensorBoard logs: off (what was written stays in the zip)."
        when = "of this run, from its first step," if run is not None else "from the next run"
        return (f"TensorBoard logs {when} are being written on the server. Download the zip below, unzip it and "
                "run `tensorboard --logdir FOLDER`.")

    def tensorboard_zip(self, request: gr.Request):
        """This session's TensorBoard logs as a zip (one folder per run)."""
        archive = self.store.tensorboard_zip(_sid(request))
        if archive is None:
            gr.Warning("No TensorBoard logs yet: tick 'Write TensorBoard logs' and train a few steps.")
            return None
        return str(archive)

    def metrics(self, request: gr.Request) -> dict:
        """Current state as JSON (for scripts and tests): status, step, speed, last record, alarms
        (the same as the live view's, collapse included) and the collapse measures."""
        run = self.store.get(_sid(request))
        if run is None:
            return {"status": "none", "step": 0}
        s = run.session
        history = list(s.history)
        last = history[-1].as_dict() if history else None
        watch = self._monitor(run)
        quality = watch.measure()  # Monitor.measure holds the monitor's own lock; alarms() only reads
        return {"status": s.status, "step": s.step_count, "model": s.config.model, "dataset": s.config.dataset,
                "steps_per_sec": last["steps_per_sec"] if last else 0.0, "last": last,
                "reading": diagnostics.reading(history, s.gan.loss),
                "alarms": [a.message for a in watch.alarms(history, quality)],
                "quality": quality.as_dict(), "device": s.device, "stop_reason": s.stop_reason}

    # -- the live view ---------------------------------------------------------------------
    def watch(self, request: gr.Request):
        """Stream the live view while this session trains: one update every REFRESH_S seconds.

        One long-lived streaming event instead of a timer: a timer starts a new event each tick,
        which cost the browser ~40 ms of CPU per tick here, taken from training on a 2-core laptop.
        Ends when training pauses or stops (after drawing the final state), or when a newer
        watcher for the same run takes over (it draws everything afresh first).
        """
        sid = _sid(request)
        run = self.store.get(sid)
        if run is None:
            return
        token = object()
        run.view.watcher = token
        sent = list(LiveView().outputs())
        first = True
        while True:
            t0 = time.perf_counter()
            _yield_cpu_to_training()
            going = run.active and run.session.status in ("ready", "running")
            if run.view.watcher is not token:
                break  # superseded (Pause, Resume, Start start a new watcher): the newer one draws
            try:
                update = self.refresh(request, force=first)
            except Exception:
                if run.view.closed:  # Reset (or a closed tab) freed the run's figures and frames
                    break            # while this update was drawing them: nothing left to show
                raise
            if self.store.get(sid) is not run or run.view.watcher is not token:
                break  # superseded while drawing: the newer watcher shows this state
            yield _repeat_unchanged(update.outputs(), sent)
            first = False
            if not going:
                break
            time.sleep(max(0.05, REFRESH_S - (time.perf_counter() - t0)))
        # Gradio ends a stream by sending its last update once more; make that a no-op, so a watcher
        # that ends after a newer one has drawn cannot put older numbers back on the screen.
        yield LiveView().outputs()

    def refresh(self, request: gr.Request | None = None, force: bool = False) -> LiveView:
        """Redraw what changed since the last tick (curves, samples/2D view, numbers, alarms);
        what is left unset stays as it is on the screen (gr.skip())."""
        run = self.store.get(_sid(request))
        if run is None:
            return LiveView()
        with run.view.drawing:  # one drawing at a time: two watchers meet on Pause (the new one starts
            return self._redraw(run, force)  # while the old may still draw) and share figures, columns

    def _redraw(self, run: Run, force: bool) -> LiveView:
        """refresh() for one run, its drawing lock held."""
        out = LiveView()
        s, kept = run.session, run.view
        history = list(s.history)
        state = (len(history), s.status, s.compiling)
        if not force and kept.drawn == state:
            return out
        kept.drawn = state
        c, loss = s.config, s.gan.loss
        if kept.frames is None:
            kept.frames = LiveFrames()  # the run's live pictures, deleted with the run
        frames = kept.frames

        out.curves = None
        if history:
            cols = kept.columns.update(history)
            extras = tuple(k for k in cols if k not in diagnostics.CORE_COLUMNS)
            x, series = diagnostics.downsample(cols["step"], {k: v for k, v in cols.items() if k != "step"})
            if kept.curves is None or not set(extras[:3]) <= kept.curves.lines.keys():  # a new term: redraw
                eq = loss.equilibrium_d_loss if loss.score == "probability" and loss.name != "hinge" else None
                if kept.curves is not None:
                    kept.curves.close()
                kept.curves = plots.LiveCurves(eq, loss.score == "probability", extras)
            out.curves = frames.write("curves", kept.curves.update(x, series), palette=True)

        samples = s.samples()  # at every update (twice a second): the fixed latent batch through G
        watch = self._monitor(run)
        quality = watch.measure(samples, force=force)  # the classifier: every QUALITY_EVERY_S only
        if watch.points_2d:
            out.view = frames.write("view", points_view(  # drawn at the box's size: no scaling
                watch.real_points, samples, s.decision_surface(EXTENT, 48), EXTENT, size=420,
                probability=loss.score == "probability"))
            out.quality_text = text.coverage_reading(quality.coverage, quality.on_data)
            if kept.quality_visible is not False:  # (re)configuring a component is costly:
                kept.quality_visible = False        # only when it changes
                out.quality = gr.Image(value=None, visible=False)
        else:
            out.view = frames.write("view", s.preview(samples))  # the browser scales it up, pixelated (app CSS)
            if quality.scores is not None and quality.reads != kept.quality_reads:  # the model's own classifier
                kept.quality_reads = quality.reads
                out.quality = frames.write("accuracy", accuracy_figure(watch.score_history), palette=True)
                if kept.quality_visible is not True:
                    kept.quality_visible = True
                    out.quality = gr.Image(value=out.quality, visible=True)
                out.quality_text = accuracy_text(quality.scores, len(s.dataset.x_labelled)
                                                 if s.dataset.x_labelled is not None else 0)
            elif quality.class_shares is not None and quality.reads != kept.quality_reads:  # a new reading
                kept.quality_reads = quality.reads
                if kept.bars is None:
                    kept.bars = plots.LiveBars(watch.class_names, "samples per class (read by the classifier)")
                out.quality = frames.write("bars", kept.bars.update(quality.class_shares), palette=True)
                if kept.quality_visible is not True:
                    kept.quality_visible = True
                    out.quality = gr.Image(value=out.quality, visible=True)
                line = ""
                if quality.asked_hit is not None:
                    line = f"**{100 * quality.asked_hit:.0f}%** of samples are read as the class they were asked for. "
                out.quality_text = line + text.QUALITY_HELP

        found = watch.alarms(history, quality)
        out.alarms = "\n".join(f"**ALARM — {a.kind.replace('_', ' ')}:** {a.message}" for a in found)
        last = history[-1] if history else None
        elapsed = time.strftime("%M:%S", time.gmtime(last.time)) if last else "00:00"
        speed = f"{last.steps_per_sec:.1f}" if last else "–"
        done = last.step if last else 0  # one snapshot: the step and its timing come from the same record
        doing = text.COMPILING if s.compiling else s.status
        out.status = (f"**Step {done} / {c.steps}** · **{speed} steps/s** · {elapsed} elapsed · "
                      f"*{doing}* · {s.device}")
        out.reading = diagnostics.reading(history, loss)
        # a formula re-typeset by the browser: every 2 s is enough
        if force or s.status != "running" or time.time() - kept.explain_t >= QUALITY_EVERY_S:
            kept.explain_t = time.time()
            out.explain = diagnostics.objective_text(c, last)
        label = "Resume" if s.status == "paused" or (s.pause_requested and s.status == "running") else "Pause"
        if force or kept.pause_label != label:  # re-configuring a component on every update costs the
            kept.pause_label = label            # browser CPU, taken from training: only when it changed
            out.pause = gr.Button(label)
        return out


def accuracy_figure(history: list[tuple[int, dict[str, float]]]) -> Any:
    """Test accuracy against step for every ``*_accuracy`` score of the run (SGAN vs its baseline)."""
    steps = [step for step, _ in history]
    keys = [k for k in (history[-1][1] if history else {}) if k.endswith("_accuracy")]
    series = {text.SCORE_NAMES.get(k, k): [scores.get(k, float("nan")) for _, scores in history] for k in keys}
    return plots.accuracy_plot(steps, series, "test accuracy (held-out images)")


def accuracy_text(scores: dict[str, float], labels: int) -> str:
    """One line: the classifier's and the baseline's test accuracy now, and what they are."""
    parts = [f"{text.SCORE_NAMES.get(k, k)}: **{100 * v:.1f}%**" for k, v in scores.items() if k.endswith("_accuracy")]
    images = int(scores.get("test_images", 0))
    return (f"**Test accuracy** on {images:,} test images never trained on — " + " · ".join(parts)
            + f". Both learn from the same {labels:,} labelled images; " + text.SGAN_HELP)


def safe_name(text: str) -> str:
    """A file name from a run's description: letters, digits, '-', '_' and '.' only (no path parts)."""
    clean = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text).strip("._")
    return clean[:80] or "run"


def _yield_cpu_to_training() -> None:
    """Drawing the live view is less urgent than training: run this worker thread at a lower
    priority (nice +10, Linux), so on a busy 2-core laptop the scheduler favours the training threads.
    Unprivileged threads cannot raise priority again; gradio's worker threads only serve the UI."""
    if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
        try:
            tid = threading.get_native_id()
            if os.getpriority(os.PRIO_PROCESS, tid) < 10:
                os.setpriority(os.PRIO_PROCESS, tid, 10)
        except OSError:
            pass


def _repeat_unchanged(outputs: tuple, sent: list) -> tuple:
    """In a stream, send an unchanged output's last value again instead of gr.skip().

    Gradio sends each streamed output as a diff against the previous one, so a repeated value
    costs nothing in the browser; a gr.skip() instead makes the server build a new component
    object for that output (~1 ms each, seven per update here, on the CPU training needs).
    """
    out = []
    for i, value in enumerate(outputs):
        if value == gr.skip():
            value = sent[i]
        elif isinstance(value, gr.components.Component):  # re-configured: repeat the value it was given
            args = value.constructor_args
            sent[i] = args["value"] if "value" in args else gr.skip()
        else:
            sent[i] = value
        out.append(value)
    return tuple(out)


def apply_preset(name: str):
    """Fill the controls from a preset and show what to watch for."""
    values, note = text.PRESETS.get(name, next(iter(text.PRESETS.values())))
    return (*[values.get(name) for name in TrainForm.names()], f"**Watch for:** {note}")


def build(store: SessionStore) -> None:
    """Lay out the Train tab and wire its events."""
    tab = TrainTab(store)
    first = next(iter(text.PRESETS))
    v = text.PRESETS[first][0]
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            preset = gr.Dropdown(list(text.PRESETS), value=first, label="Preset")
            preset_note = gr.Markdown(f"**Watch for:** {text.PRESETS[first][1]}")
            model = gr.Dropdown(list(REGISTRY), value=v["model"], label="Model")
            dataset = gr.Dropdown(DATASETS, value=v["dataset"], label="Dataset", allow_custom_value=True,
                                  info=DATASET_INFO[store.data_root is not None])
            upload_panel.build(store, dataset, DATASETS)
            loss = gr.Dropdown(list(LOSSES), value=v["loss"], label="Loss")
            with gr.Row():
                lr_g = gr.Number(v["lr_g"], label="G learning rate")
                lr_d = gr.Number(v["lr_d"], label="D learning rate")
            with gr.Row():
                k = gr.Number(v["k"], label="k: D steps per G step", precision=0)
                batch = gr.Number(v["batch_size"], label="Batch size", precision=0)
            with gr.Row():
                latent = gr.Number(v["latent_dim"], label="Latent size", precision=0)
                seed = gr.Number(v["seed"], label="Seed", precision=0)
            steps = gr.Number(v["steps"], label="Stop after (steps)", precision=0)
        with gr.Column(scale=3):
            with gr.Row():
                start_btn = gr.Button("▶ Start", variant="primary")
                pause_btn = gr.Button("Pause")
                step_btn = gr.Button("Step")
                d_btn = gr.Button("D-only step")
                g_btn = gr.Button("G-only step")
                reset_btn = gr.Button("Reset", variant="stop")
                save_btn = gr.Button("Save")
            plain = dict(latex_delimiters=[])  # no formula scan in the browser at every update
            status = gr.Markdown("Pick a preset or settings, then press **Start**.", elem_id="train-status", **plain)
            reading = gr.Markdown(diagnostics.reading([], LOSSES["non_saturating"]), elem_id="train-reading", **plain)
            alarms = gr.Markdown(elem_id="train-alarms", **plain)
            curves = gr.Image(label="Losses and D's verdicts (every step)", type="filepath", interactive=False,
                              buttons=[], elem_id="train-curves", format="png", height=280)
            with gr.Row():
                view = gr.Image(label="Samples / 2D view", type="filepath", interactive=False, buttons=[],
                                elem_id="train-view", format="png", height=420)
                with gr.Column():
                    quality = gr.Image(label="Quality meter", type="filepath", interactive=False, buttons=[],
                                       elem_id="train-quality", format="png", height=220)
                    quality_md = gr.Markdown(elem_id="train-quality-text", **plain)
            with gr.Accordion("How a GAN trains (with this run's numbers)", open=False):
                explain = gr.Markdown(diagnostics.objective_text(TrainForm(**v).config()),
                                      latex_delimiters=[{"left": "$$", "right": "$$", "display": True}])
            with gr.Accordion("What the pictures mean", open=False):
                gr.Markdown(text.CURVES_HELP + "\n\n" + text.TWO_D_HELP + "\n\n" + text.SAMPLES_HELP)
            with gr.Row():
                csv_btn = gr.Button("Download the full per-step record (CSV)")
                csv_file = gr.File(label="history.csv", interactive=False)
                saved_file = gr.File(label="Saved checkpoint (zip)", interactive=False)
            saved_md = gr.Markdown()
            with gr.Row():
                tb_box = gr.Checkbox(False, label="Write TensorBoard logs",
                                     info="every step's numbers, the samples every 100 steps, the settings")
                tb_btn = gr.Button("Download TensorBoard logs (zip)")
                tb_file = gr.File(label="tensorboard.zip", interactive=False)
            tb_md = gr.Markdown()

    boxes = dict(model=model, dataset=dataset, loss=loss, lr_g=lr_g, lr_d=lr_d, k=k, batch_size=batch,
                 latent_dim=latent, seed=seed, steps=steps)
    form = {name: boxes[name] for name in TrainForm.names()}  # by name, in the API's parameter order
    live = list(LiveView(curves=curves, view=view, quality=quality, status=status, reading=reading, alarms=alarms,
                         quality_text=quality_md, explain=explain, pause=pause_btn).outputs())
    watch = dict(fn=tab.watch, inputs=None, outputs=live, show_progress="hidden", api_visibility="private",
                 concurrency_limit=None)

    preset.change(apply_preset, preset, [*form.values(), preset_note], api_name="preset")
    start_btn.click(_with_form(tab.start), inputs_kwargs=form, outputs=[status, pause_btn],
                    api_name="start").then(**watch)
    pause_btn.click(tab.pause, None, pause_btn, api_name="pause").then(**watch)
    step_btn.click(_with_form(tab.step), inputs_kwargs=form, outputs=live, api_name="step")
    d_btn.click(_with_form(tab.d_step), inputs_kwargs=form, outputs=live, api_name="d_step")
    g_btn.click(_with_form(tab.g_step), inputs_kwargs=form, outputs=live, api_name="g_step")
    reset_btn.click(tab.reset, None, live, api_name="reset")
    save_btn.click(tab.save, None, [saved_file, saved_md], api_name="save")
    csv_btn.click(tab.history_csv, None, csv_file, api_name="history_csv")
    tb_box.change(tab.tensorboard, tb_box, tb_md, api_name="tensorboard")
    tb_btn.click(tab.tensorboard_zip, None, tb_file, api_name="tensorboard_zip")
    gr.api(tab.metrics, api_name="metrics")
