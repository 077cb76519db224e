"""Train tab: pick a model, data, loss and settings; watch every step live; save the generator.

Layout first, then the event wiring. Handlers only call the core (TrainingSession, diagnostics,
images) and the drawing helpers; every browser session has its own run in the SessionStore.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from ganlab.checkpoints import CheckpointError
from ganlab.config import ConfigError, TrainConfig
from ganlab.data import TOY_2D, DataError
from ganlab.evaluate.classifier import classifier_for, load_classifier
from ganlab.images import points_view
from ganlab.losses import LOSSES
from ganlab.models import REGISTRY
from ganlab.train import diagnostics
from ganlab.train.session import TrainingDiverged, TrainingStopped
from ganlab.ui import plots, text
from ganlab.ui.frames import LiveFrames
from ganlab.ui.sessions import Run, ServerBusy, SessionStore

DATASETS = [*TOY_2D, "mnist", "fashion", "openmoji"]
CONTROL_NAMES = ("model", "dataset", "loss", "lr_g", "lr_d", "k", "batch_size", "latent_dim", "seed", "steps")
EXTENT = 2.5
QUALITY_EVERY_S = 2.0  # the classifier's verdict and the formula panel
REFRESH_S = 0.5  # the live view updates twice a second
LIVE_OUTPUTS = 9  # curves, view, quality, status, reading, alarms, quality text, formula, pause button


def _sid(request: gr.Request | None) -> str:
    return (request.session_hash if request is not None and request.session_hash else "local") or "local"


def make_config(model, dataset, loss, lr_g, lr_d, k, batch_size, latent_dim, seed, steps) -> TrainConfig:
    """A validated TrainConfig from the form (blank boxes mean the model's default)."""
    def blank(v: Any) -> Any:
        return None if v is None or (isinstance(v, str) and not v.strip()) else v

    def default(v: Any, fallback: Any) -> Any:
        return fallback if blank(v) is None else v

    return TrainConfig(model=str(model or "vanilla"), dataset=str(dataset or "ring"), loss=blank(loss),
                       lr_g=blank(lr_g), lr_d=blank(lr_d), k=blank(k),
                       batch_size=default(batch_size, 64), latent_dim=blank(latent_dim),
                       seed=default(seed, 0), steps=default(steps, 3000))


class TrainTab:
    """Handlers of the Train tab, bound to one SessionStore (shared by all browser sessions)."""

    def __init__(self, store: SessionStore):
        self.store = store
        self._classifiers: dict[str, Any] = {}

    # -- helpers ---------------------------------------------------------------------------
    def _classifier(self, dataset: str):
        name = classifier_for(dataset)
        if name is None:
            return None
        if name not in self._classifiers:
            try:
                self._classifiers[name] = load_classifier(name)
            except (CheckpointError, OSError, ValueError):
                self._classifiers[name] = None
        return self._classifiers[name]

    def _ensure_run(self, sid: str, values: tuple) -> Run:
        """This session's run for these settings: reuse it if the settings match, else build anew."""
        config = make_config(*values)
        run = self.store.get(sid)
        if run is None or run.view.get("requested") != config or run.session.stopped:
            run = self.store.create(sid, config)
            run.view["requested"] = config
        return run

    # -- events ----------------------------------------------------------------------------
    def start(self, model, dataset, loss, lr_g, lr_d, k, batch_size, latent_dim, seed, steps,
              request: gr.Request):
        """Start or resume training in the background; then watch() streams the displays."""
        values = (model, dataset, loss, lr_g, lr_d, k, batch_size, latent_dim, seed, steps)
        sid = _sid(request)
        try:
            run = self._ensure_run(sid, tuple(values))
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
        run = self.store.get(_sid(request))
        if run is None or not run.active:
            return gr.Button("Pause")
        if run.session.status == "paused":
            run.session.resume()
            return gr.Button("Pause")
        run.session.pause()
        return gr.Button("Resume")

    def step(self, model, dataset, loss, lr_g, lr_d, k, batch_size, latent_dim, seed, steps,
             request: gr.Request):
        """One training step: k D updates then one G update."""
        values = (model, dataset, loss, lr_g, lr_d, k, batch_size, latent_dim, seed, steps)
        return self._single_step("train", values, request)

    def d_step(self, model, dataset, loss, lr_g, lr_d, k, batch_size, latent_dim, seed, steps,
               request: gr.Request):
        """One discriminator update only."""
        values = (model, dataset, loss, lr_g, lr_d, k, batch_size, latent_dim, seed, steps)
        return self._single_step("d", values, request)

    def g_step(self, model, dataset, loss, lr_g, lr_d, k, batch_size, latent_dim, seed, steps,
               request: gr.Request):
        """One generator update only."""
        values = (model, dataset, loss, lr_g, lr_d, k, batch_size, latent_dim, seed, steps)
        return self._single_step("g", values, request)

    def _single_step(self, kind: str, values: tuple, request: gr.Request):
        """One step (train / D-only / G-only); pauses a background run first."""
        sid = _sid(request)
        try:
            run = self.store.get(sid)
            if run is None or run.session.stopped:
                run = self._ensure_run(sid, tuple(values))
            if run.active:
                run.session.pause()
            run.session.step(kind)
        except (ConfigError, DataError, ValueError) as e:
            gr.Warning(str(e))
        except (TrainingDiverged, TrainingStopped) as e:
            gr.Warning(str(e))
        return self.refresh(request, force=True)

    def reset(self, request: gr.Request):
        """Stop and discard this session's run (saved generators stay available)."""
        self.store.release(_sid(request), keep_saved=True)
        empty = None
        return (empty, empty, empty, "Reset: press Start for a fresh run.", "", "", "",
                diagnostics.reading([], LOSSES["non_saturating"]), gr.Button("Pause"))

    def save(self, request: gr.Request):
        """Save a checkpoint (atomic), list it in the Playground, and offer a zip download."""
        sid = _sid(request)
        run = self.store.get(sid)
        if run is None or run.session.step_count == 0:
            gr.Warning("Nothing to save yet: train a few steps first.")
            return None, "Nothing to save yet."
        s = run.session
        name = f"{s.config.model}-{Path(s.config.dataset).name}-step{s.step_count}"
        path = s.save(self.store.save_dir(sid) / name)
        self.store.add_saved_model(sid, name, path)
        archive = shutil.make_archive(str(Path(tempfile.mkdtemp()) / name), "zip", path)
        return archive, f"Saved **{name}**: it is now in the Playground's model list, and the zip is below."

    def history_csv(self, request: gr.Request):
        """The full per-step record as CSV."""
        run = self.store.get(_sid(request))
        if run is None or not run.session.history:
            gr.Warning("No steps recorded yet.")
            return None
        rows = [r.as_dict() for r in list(run.session.history)]
        cols = list(dict.fromkeys(k for r in rows for k in r))
        out = Path(tempfile.mkdtemp()) / "history.csv"
        with open(out, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=cols)
            writer.writeheader()
            writer.writerows(rows)
        return str(out)

    def metrics(self, request: gr.Request) -> dict:
        """Current state as JSON (for scripts and tests): status, step, speed, last record, alarms."""
        run = self.store.get(_sid(request))
        if run is None:
            return {"status": "none", "step": 0}
        s = run.session
        history = list(s.history)
        last = history[-1].as_dict() if history else None
        return {"status": s.status, "step": s.step_count, "model": s.config.model, "dataset": s.config.dataset,
                "steps_per_sec": last["steps_per_sec"] if last else 0.0, "last": last,
                "reading": diagnostics.reading(history, s.gan.loss),
                "alarms": [a.message for a in diagnostics.alarms(history, s.gan.loss, s.status, s.stop_reason)],
                "device": s.device, "stop_reason": s.stop_reason}

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
        run.view["watcher"] = token
        sent: list[Any] = [gr.skip()] * LIVE_OUTPUTS
        first = True
        while True:
            t0 = time.perf_counter()
            _yield_cpu_to_training()
            going = run.active and run.session.status in ("ready", "running")
            update = self.refresh(request, force=first)
            if self.store.get(sid) is not run or run.view.get("watcher") is not token:
                break  # superseded while drawing: the newer watcher shows this state
            yield _repeat_unchanged(update, sent)
            first = False
            if not going:
                break
            time.sleep(max(0.05, REFRESH_S - (time.perf_counter() - t0)))
        # Gradio ends a stream by sending its last update once more; make that a no-op, so a watcher
        # that ends after a newer one has drawn cannot put older numbers back on the screen.
        yield tuple([gr.skip()] * LIVE_OUTPUTS)

    def refresh(self, request: gr.Request | None = None, force: bool = False):
        """Redraw what changed since the last tick (curves, samples/2D view, numbers, alarms)."""
        run = self.store.get(_sid(request))
        if run is None:
            return tuple([gr.skip()] * LIVE_OUTPUTS)
        s = run.session
        history = list(s.history)
        state = (len(history), s.status)
        if not force and run.view.get("drawn") == state:
            return tuple([gr.skip()] * LIVE_OUTPUTS)
        run.view["drawn"] = state
        c, loss = s.config, s.gan.loss
        frames = _kept(run, "frames", LiveFrames)  # the run's live pictures, deleted with the run

        curves_img = None
        if history:
            cols = _kept(run, "columns", diagnostics.HistoryColumns).update(history)
            extras = tuple(k for k in cols if k not in diagnostics.CORE_COLUMNS)
            x, series = diagnostics.downsample(cols["step"], {k: v for k, v in cols.items() if k != "step"})
            live = run.view.get("curves")
            if live is None or live.lines.keys() < {*extras[:3], "d_loss"}:
                eq = loss.equilibrium_d_loss if loss.score == "probability" and loss.name != "hinge" else None
                if live is not None:
                    live.close()
                live = run.view["curves"] = plots.LiveCurves(eq, loss.score == "probability", extras)
            curves_img = frames.write("curves", live.update(x, series), palette=True)

        samples = s.samples()  # at every update (twice a second): the fixed latent batch through G
        coverage, shares, quality_img, quality_md = None, None, gr.skip(), gr.skip()
        if s.spec.data_shape == (2,):
            real = _kept(run, "real_points", lambda: s.dataset.x[np.random.default_rng(0).choice(
                len(s.dataset.x), min(600, len(s.dataset.x)), replace=False)])
            view = frames.write("view", points_view(
                real, samples, s.decision_surface(EXTENT, 48), EXTENT, size=420,  # the box's size: no scaling
                probability=loss.score == "probability"))
            coverage = diagnostics.coverage_2d(real, samples, EXTENT)
            quality_md = f"**Coverage:** fakes reach {100 * coverage:.0f}% of the regions where real data lies."
            if run.view.get("quality_visible") is not False:  # (re)configuring a component is costly:
                run.view["quality_visible"] = False             # only when it changes
                quality_img = gr.Image(value=None, visible=False)
        else:
            now = time.time()
            tiles = s.preview(samples)
            view = frames.write("view", tiles)  # the browser scales it up, pixelated (app CSS)
            clf = self._classifier(c.dataset)
            due = force or now - run.view.get("quality_t", 0) > QUALITY_EVERY_S
            if clf is not None and due:
                run.view["quality_t"] = now
                pred = clf.predict(samples)
                shares = np.bincount(pred, minlength=len(clf.class_names)) / len(pred)
                run.view["shares"] = shares
                line = ""
                if s.gan.conditional and "label" in s.fixed_latent:
                    hit = float((pred == s.fixed_latent["label"]).mean())
                    line = f"**{100 * hit:.0f}%** of samples are read as the class they were asked for. "
                title = "samples per class (read by the classifier)"
                bars = _kept(run, "bars", lambda: plots.LiveBars(clf.class_names, title))
                quality_img = frames.write("bars", bars.update(shares), palette=True)
                if run.view.get("quality_visible") is not True:
                    run.view["quality_visible"] = True
                    quality_img = gr.Image(value=quality_img, visible=True)
                quality_md = line + text.QUALITY_HELP
            shares = run.view.get("shares")

        found = diagnostics.alarms(history, loss, s.status, s.stop_reason, class_shares=shares,
                                   coverage=coverage)
        alarms_md = "\n".join(f"**ALARM — {a.kind.replace('_', ' ')}:** {a.message}" for a in found)
        last = history[-1] if history else None
        elapsed = time.strftime("%M:%S", time.gmtime(last.time)) if last else "00:00"
        speed = f"{last.steps_per_sec:.1f}" if last else "–"
        done = last.step if last else 0  # one snapshot: the step and its timing come from the same record
        status_md = (f"**Step {done} / {c.steps}** · **{speed} steps/s** · {elapsed} elapsed · "
                     f"*{s.status}* · {s.device}")
        label = "Resume" if s.status == "paused" else "Pause"
        explain = gr.skip()  # a formula re-typeset by the browser: every 2 s is enough
        if force or s.status != "running" or time.time() - run.view.get("explain_t", 0) >= QUALITY_EVERY_S:
            run.view["explain_t"] = time.time()
            explain = diagnostics.objective_text(c, last)
        return (curves_img, view, quality_img, status_md, diagnostics.reading(history, loss), alarms_md,
                quality_md, explain, _changed(run, "pause_label", label, force))


def _kept(run: Run, key: str, make: Callable[[], Any]) -> Any:
    """What this run's view keeps under ``key``, made by ``make()`` the first time only."""
    if key not in run.view:
        run.view[key] = make()
    return run.view[key]


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


def _changed(run: Run, key: str, label: str, force: bool):
    """A new button label only when it changed (re-configuring a component on every update costs
    the browser CPU, taken from training); else gr.skip()."""
    if not force and run.view.get(key) == label:
        return gr.skip()
    run.view[key] = label
    return gr.Button(label)


def apply_preset(name: str):
    """Fill the controls from a preset and show what to watch for."""
    values, note = text.PRESETS.get(name, next(iter(text.PRESETS.values())))
    return (*[values.get(k) for k in CONTROL_NAMES], f"**Watch for:** {note}")


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
                                  info="or type a folder of images / a .csv of 2D points")
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
                explain = gr.Markdown(diagnostics.objective_text(make_config(*[v[k] for k in CONTROL_NAMES])),
                                      latex_delimiters=[{"left": "$$", "right": "$$", "display": True}])
            with gr.Accordion("What the pictures mean", open=False):
                gr.Markdown(text.CURVES_HELP + "\n\n" + text.TWO_D_HELP + "\n\n" + text.SAMPLES_HELP)
            with gr.Row():
                csv_btn = gr.Button("Download the full per-step record (CSV)")
                csv_file = gr.File(label="history.csv", interactive=False)
                saved_file = gr.File(label="Saved checkpoint (zip)", interactive=False)
            saved_md = gr.Markdown()

    controls = [model, dataset, loss, lr_g, lr_d, k, batch, latent, seed, steps]
    live = [curves, view, quality, status, reading, alarms, quality_md, explain, pause_btn]
    watch = dict(fn=tab.watch, inputs=None, outputs=live, show_progress="hidden", api_visibility="private",
                 concurrency_limit=None)

    preset.change(apply_preset, preset, [*controls, preset_note], api_name="preset")
    start_btn.click(tab.start, controls, [status, pause_btn], api_name="start").then(**watch)
    pause_btn.click(tab.pause, None, pause_btn, api_name="pause").then(**watch)
    step_btn.click(tab.step, controls, live, api_name="step")
    d_btn.click(tab.d_step, controls, live, api_name="d_step")
    g_btn.click(tab.g_step, controls, live, api_name="g_step")
    reset_btn.click(tab.reset, None, live, api_name="reset")
    save_btn.click(tab.save, None, [saved_file, saved_md], api_name="save")
    csv_btn.click(tab.history_csv, None, csv_file, api_name="history_csv")
    gr.api(tab.metrics, api_name="metrics")
