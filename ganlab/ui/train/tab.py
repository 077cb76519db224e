"""Train tab: pick a model, data, loss and settings; watch every step live; save the generator.

Layout first, then the event wiring. Handlers only call the core (TrainingRun, diagnostics,
the collapse Monitor, images) and the drawing helpers; every browser session has its own run in
the SessionStore. The form travels as one TrainForm, the live outputs as one LiveView.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr

from ganlab.checkpoints import CheckpointError, write_history
from ganlab.config import ConfigError, TrainConfig
from ganlab.data import DataError
from ganlab.evaluate.quality import classifier_for, load_classifier
from ganlab.losses import LOSSES
from ganlab.models import REGISTRY
from ganlab.server.store import Job, ServerBusy, SessionStore
from ganlab.server.train_frame import TrainFrames
from ganlab.train import diagnostics, views
from ganlab.train.monitor import EXTENT, Monitor
from ganlab.train.run import TrainingDiverged, TrainingRun, TrainingStopped
from ganlab.ui.context import TabContext
from ganlab.ui.gradio_fixes.page import current_blocks
from ganlab.ui.request import session_id, signed_in, yield_cpu_to_training
from ganlab.ui.train import compare as train_compare
from ganlab.ui.train import layers, live_settings, slow_motion
from ganlab.ui.train import layout as train_layout
from ganlab.ui.train.compare import zip_folders
from ganlab.ui.train.compare_view import Partner
from ganlab.ui.train.form import TrainForm, form_class, with_form
from ganlab.ui.train.live_view import QUALITY_EVERY_S, LiveView, RunDisplay
from ganlab.ui.train.presets import PRESETS

REFRESH_S = 0.5  # the live view updates twice a second

# The tab: its title, its id (a lesson link's tab=), its docs page and what to try first (see ui/context.py)
LABEL, ID, DOCS = "Train", "train", "docs/train.md"
INTRO = ("Pick the preset **Healthy: ring of 8 Gaussians** and press **▶ Start**: within about 20 seconds the "
         "purple fakes spread over the eight green modes.\nThen try a preset that breaks on purpose (*mode collapse*, "
         "*learning rate too high*) and read the alarms; **What the pictures mean** (below) explains every view.")


class TrainTab:
    """Handlers of the Train tab, bound to one SessionStore (shared by all browser sessions)."""

    def __init__(self, store: SessionStore):
        self.store = store
        self._classifiers: dict[str, Any] = {}
        self._lazy = threading.RLock()  # one classifier per dataset, one monitor per run, across sessions
        self._warming = threading.Lock()  # one run prepared before its Start at a time (prepare)
        self.compare = train_compare.CompareControls(self)  # Fork, Save's choice, /metrics' runs
        self.frames = TrainFrames(allowed=signed_in)  # GET /train/frame: the numbers the page draws

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

    def display_of(self, job: Job) -> RunDisplay:
        """This run's display state, made on first use (a run built outside the tab has none yet)."""
        if job.display is None:
            with self._lazy:
                if job.display is None:
                    job.display = RunDisplay(board=self.frames, token=self.frames.open())
        return job.display

    def _monitor(self, job: Job) -> Monitor:
        """This run's collapse monitor (with the dataset's classifier, if there is one)."""
        display = self.display_of(job)
        if display.monitor is None or (job.other is not None and display.partner is None):
            with self._lazy:  # the watcher and /metrics may both ask first: one Monitor, not two
                if display.monitor is None:
                    display.monitor = self._new_monitor(job.run)
                self._partner(job, display)
        elif job.other is not None and display.partner.run is not job.other:
            with self._lazy:
                self._partner(job, display)
        return display.monitor

    def _new_monitor(self, s: TrainingRun) -> Monitor:
        clf = None if s.spec.data_shape == (2,) else self._classifier(s.config.dataset)
        return Monitor(s, clf.predict if clf else None, clf.class_names if clf else (), every_s=QUALITY_EVERY_S,
                       extent=EXTENT)

    def _partner(self, job: Job, display: RunDisplay) -> None:
        """Run B's display state, made when the run became a comparison (at its start or a fork)."""
        if job.other is not None and (display.partner is None or display.partner.run is not job.other):
            labels = job.labels()
            display.partner = Partner(job.other, self._new_monitor(job.other), (labels[0], labels[1]),
                                      job.differs, job.fork_step)
            display.drawn = None  # draw everything afresh, with B

    def _ensure_run(self, sid: str, form: TrainForm) -> Job:
        """This session's run for these settings: reuse it if the settings match, else build anew."""
        config = form.config()
        job = self.store.get(sid)
        if job is None or self.display_of(job).requested != config or job.run.stopped:
            job = self.store.create(sid, config)
            display = self.display_of(job)
            display.requested = config
            display.layers = self.store.choice(sid, "layers", display.layers)  # as this session ticked them
        return job

    # -- events ----------------------------------------------------------------------------
    def start(self, form: TrainForm, request: gr.Request):
        """Start or resume training in the background; then watch() streams the displays."""
        sid = session_id(request)
        try:
            with self.store.control(sid):
                job = self._ensure_run(sid, form)
                self.store.start(sid)
        except (ConfigError, DataError, ValueError) as e:
            gr.Warning(str(e))
            return f"**Cannot start:** {e}", gr.Button("Pause")
        except ServerBusy as e:
            gr.Warning(str(e))
            return f"**Busy:** {e}", gr.Button("Pause")
        c = job.run.config
        two = f": **{' and '.join(job.labels())}** in lockstep" if job.other is not None else ""
        return f"Training **{c.model}** on **{c.dataset}**{two} — {job.run.device}", gr.Button("Pause")

    def prepare(self, form: TrainForm, request: gr.Request) -> None:
        """Build this session's run for the form and compile its programs before Start is pressed
        (when the page opens and when a preset is picked), so Start trains at once. One preparation
        at a time on the server; a run already training, or paired image models, are left alone."""
        sid = session_id(request)
        try:
            config = form.config()
        except ConfigError:
            return
        if REGISTRY[config.model].paired or not self._warming.acquire(blocking=False):
            return  # pix2pix / SRGAN: too costly to prepare on spec; another preparation: skip this one
        try:
            with self.store.control(sid):
                job = self.store.get(sid)
                if job is not None and job.active:
                    return
                job = self._ensure_run(sid, form)
                display = self.display_of(job)
                if not display.warmed:
                    for s in job.runs:  # a comparison: both runs
                        s.warm_up()
                    self.refresh(request, force=True)  # the views' programs too (they only look)
                    display.warmed = True
        except (ConfigError, DataError, ValueError, ServerBusy, TrainingStopped):
            pass  # Start will say what is wrong
        finally:
            self._warming.release()

    def pause(self, request: gr.Request):
        """Pause a running training, or resume a paused one."""
        sid = session_id(request)
        with self.store.control(sid):
            job = self.store.get(sid)
            if job is None or not job.active:
                return gr.Button("Pause")
            if job.run.pause_requested:
                job.resume()
                return gr.Button("Pause")
            job.pause()
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

    def run_for_step(self, sid: str, form: TrainForm) -> Job:
        """This session's run, made from the form if there is none (or it ended), paused if it trains
        (call with the session's controls held)."""
        job = self.store.get(sid)
        if job is None or job.run.stopped:
            job = self._ensure_run(sid, form)
        if job.active:
            job.pause()
        self.display_of(job).slow = None  # a normal step leaves slow motion
        return job

    def _single_step(self, kind: str, form: TrainForm, request: gr.Request):
        """One step (train / D-only / G-only); pauses a background run first."""
        sid = session_id(request)
        try:
            with self.store.control(sid):
                for s in self.run_for_step(sid, form).runs:  # a comparison: both runs, in step
                    s.step(kind)
        except (ConfigError, DataError, ValueError) as e:
            gr.Warning(str(e))
        except (TrainingDiverged, TrainingStopped) as e:
            gr.Warning(str(e))
        return self.refresh(request, force=True).outputs()

    def reset(self, request: gr.Request):
        """Stop and discard this session's run (saved generators stay available)."""
        sid = session_id(request)
        with self.store.control(sid):  # after a Start still building its run: that run is the one reset
            self.store.release(sid, keep_saved=True)
        return LiveView(curves=None, picture=None, quality=None, status="Reset: press Start for a fresh run.",
                        reading=diagnostics.reading([], LOSSES["non_saturating"]), alarms="",
                        quality_text="", pause=gr.Button("Pause")).outputs()

    def save(self, request: gr.Request):
        """Save a checkpoint (atomic), list it in the Playground, and offer a zip download."""
        sid = session_id(request)
        job = self.store.get(sid)
        if job is None or job.run.step_count == 0:
            gr.Warning("Nothing to save yet: train a few steps first.")
            return None, "Nothing to save yet."
        paths = []
        for tag, s in self.compare.to_save(job, sid):  # a comparison: both runs, or the one chosen
            differs = f"-{tag}-{job.differs}{getattr(s.config, job.differs)}" if tag else ""
            name = safe_name(f"{s.config.model}-{Path(s.config.dataset).name}-step{s.step_count}{differs}")
            paths.append(s.save(self.store.save_dir(sid) / name))
            self.store.add_saved_model(sid, name, paths[-1])
        # beside the checkpoints, in the session's folder: deleted with the session, like the checkpoints
        if len(paths) == 1:
            archive = shutil.make_archive(str(paths[0]), "zip", paths[0])  # NAME.zip beside NAME/
        else:
            archive = str(zip_folders(paths[0].with_name(paths[0].name.replace("-A-", "-AB-") + ".zip"), paths))
        names = " and ".join(f"**{p.name}**" for p in paths)
        return archive, f"Saved {names}: now in the Playground's model list, and the zip is below."

    def history_csv(self, request: gr.Request):
        """The full per-step record as CSV."""
        job = self.store.get(session_id(request))
        if job is None or not job.run.history:
            gr.Warning("No steps recorded yet.")
            return None
        out = self.store.save_dir(session_id(request)) / "history.csv"  # deleted with the session
        out.parent.mkdir(parents=True, exist_ok=True)
        write_history(out, job.run.history_rows())  # the checkpoint's CSV format
        return str(out)

    def tensorboard(self, on: bool, request: gr.Request) -> str:
        """Write TensorBoard logs of this session's runs (scalars every step, samples, settings) or stop."""
        job = self.store.set_tensorboard(session_id(request), bool(on))
        if not on:
            return "TensorBoard logs: off (what was written stays in the zip)."
        when = "of this run, from its first step," if job is not None else "from the next run"
        return (f"TensorBoard logs {when} are being written on the server. Download the zip below, unzip it and "
                "run `tensorboard --logdir FOLDER`.")

    def tensorboard_zip(self, request: gr.Request):
        """This session's TensorBoard logs as a zip (one folder per run)."""
        archive = self.store.tensorboard_zip(session_id(request))
        if archive is None:
            gr.Warning("No TensorBoard logs yet: tick 'Write TensorBoard logs' and train a few steps.")
            return None
        return str(archive)

    def metrics(self, request: gr.Request) -> dict:
        """Current state as JSON (for scripts and tests): status, step, speed, last record, alarms
        (the same as the live view's, collapse included) and the collapse measures."""
        job = self.store.get(session_id(request))
        if job is None:
            return {"status": "none", "step": 0}
        s = job.run
        history = list(s.history)
        last = history[-1].as_dict() if history else None
        watch = self._monitor(job)
        quality = watch.measure()  # Monitor.measure holds the monitor's own lock; alarms() only reads
        return {"status": s.status, "step": s.step_count, "model": s.config.model, "dataset": s.config.dataset,
                "steps_per_sec": last["steps_per_sec"] if last else 0.0, "last": last,
                "reading": watch.reading(history, quality),
                "alarms": [a.message for a in watch.alarms(history, quality)],
                "quality": quality.as_dict(), "device": s.device, "stop_reason": s.stop_reason,
                "runs": self.compare.runs(job)}  # one entry per run (a comparison: A and B, in step)

    def monitor(self, job: Job) -> Monitor:
        """This run's collapse monitor (run A's; B's is in the display's partner)."""
        return self._monitor(job)

    # -- the live view ---------------------------------------------------------------------
    def watch(self, request: gr.Request):
        """Stream the live view while this session trains: one update every REFRESH_S seconds.

        One long-lived streaming event instead of a timer: a timer starts a new event each tick,
        which costs the browser CPU at every tick, taken from training on a 2-core laptop.
        Ends when training pauses or stops (after drawing the final state), or when a newer
        watcher for the same run takes over (it draws everything afresh first).
        """
        sid = session_id(request)
        job = self.store.get(sid)
        if job is None:
            return
        token, display = object(), self.display_of(job)
        display.watcher = token
        sent = list(LiveView().outputs())
        first = True
        while True:
            t0 = time.perf_counter()
            yield_cpu_to_training()
            going = job.active and job.run.status in ("ready", "running")
            if display.watcher is not token:
                break  # superseded (Pause, Resume, Start start a new watcher): the newer one draws
            try:
                update = self.refresh(request, force=first)
            except Exception:
                if display.closed:  # Reset (or a closed tab) freed the run's figures and frames
                    break  # while this update was drawing them: nothing left to show
                raise
            if self.store.get(sid) is not job or display.watcher is not token:
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
        job = self.store.get(session_id(request))
        if job is None:
            return LiveView()
        display = self.display_of(job)
        watch = self._monitor(job)  # (and B's display state, in a comparison)
        with display.drawing:  # one drawing at a time: two watchers meet on Pause (the new one starts
            return display.redraw(job.run, watch, force)  # while the old may still draw)


def warm_process(store: SessionStore | None = None) -> None:
    """Build, compile and look at a run of the first preset once, then drop it: the process's first
    run pays for loading TensorFlow's and Keras' machinery, so the server pays it at launch (in the
    background), not the first student who presses Start. With ``store``'s engine on, its programs for
    that preset's shape are compiled too."""
    first = next(iter(PRESETS.values()))
    session = TrainingRun(TrainForm(**first.form_values()).config())
    session.warm_up()
    views.view_2d(session)
    if store is not None:
        store.warm_engine(session)


def safe_name(text: str) -> str:
    """A file name from a run's description: letters, digits, '-', '_' and '.' only (no path parts)."""
    clean = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text).strip("._")
    return clean[:80] or "run"


def _repeat_unchanged(outputs: tuple, sent: list) -> tuple:
    """In a stream, send an unchanged output's last value again instead of gr.skip().

    Gradio sends each streamed output as a diff against the previous one, so a repeated value
    costs nothing in the browser; a gr.skip() instead makes the server build a new component
    object for that output at every update, on the CPU training needs.
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


def lay_out(store: SessionStore, config_cls: type[TrainConfig] = TrainConfig) -> tuple[TrainTab, dict[str, Any]]:
    """Lay out the Train tab and wire its events (the form has a box per form setting of ``config_cls``);
    returns its handlers and its settings boxes by name (the Class tab fills them)."""
    tab = TrainTab(store)
    form_cls = TrainForm if config_cls is TrainConfig else form_class(config_cls)
    p = train_layout.page(tab, form_cls)
    form, buttons, panels, extra = p.form, p.buttons, p.panels, p.extra
    live = list(panels.outputs())
    watch = dict(fn=tab.watch, inputs=None, outputs=live, show_progress="hidden", api_visibility="private",
                 concurrency_limit=None)

    def preset_values(name: str):
        """Fill the controls from a preset and show what to watch for."""
        return train_layout.apply_preset(name, form_cls)

    def view_kind(request: gr.Request):
        """The view's parts for this session's run (2D or images, one run or two)."""
        return train_layout.view_kind(tab, request)

    prepare = dict(fn=with_form(tab.prepare, form_cls), inputs_kwargs=form, outputs=None, show_progress="hidden",
                   api_visibility="private", trigger_mode="always_last")
    kind = dict(fn=view_kind, inputs=None, outputs=[extra["layers"], extra["main"]], show_progress="hidden",
                api_visibility="private")
    p.preset.input(preset_values, p.preset, [*form.values(), p.preset_note], api_name="preset").then(
        **prepare).then(**kind)
    demo = current_blocks()
    if demo is not None:
        p.share.on_open(demo).then(**prepare).then(**kind)  # a lesson link fills the form before the run is prepared
    started = buttons["start"].click(with_form(tab.start, form_cls), inputs_kwargs=form,
                                     outputs=[panels.status, buttons["pause"]], api_name="start")
    started.then(**watch)
    started.then(**kind)
    buttons["pause"].click(tab.pause, None, buttons["pause"], api_name="pause").then(**watch)
    for name in ("step", "d_step", "g_step"):
        buttons[name].click(with_form(getattr(tab, name), form_cls), inputs_kwargs=form, outputs=live,
                            api_name=name)
    buttons["reset"].click(tab.reset, None, live, api_name="reset")
    train_compare.wire(tab.compare, form, form_cls, buttons["fork"], p.save_which, panels.status)
    slow_motion.wire(slow_motion.SlowMotion(tab), form, form_cls, extra, extra["graph"], panels.picture)
    layers.wire(layers.Layers(tab), extra, panels.picture)
    live_settings.wire(live_settings.LiveSettings(tab), form, form_cls, panels.status)
    gr.api(tab.metrics, api_name="metrics")
    return tab, form


def build(ctx: TabContext) -> None:
    """The Train tab in the app (this server's limits under its settings); the Class tab reads its handlers
    and form."""
    ctx.shared["train"] = lay_out(ctx.store)
    ctx.routes.extend(ctx.shared["train"][0].frames.routes())  # GET /train/frame on the app's own server
