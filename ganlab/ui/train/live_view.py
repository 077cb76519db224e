"""The Train tab's live view of one run: what it keeps between updates (RunDisplay) and how each
panel is redrawn when something changed (curves, samples / 2D view, quality, status, formula).

The numbers come from the core (TrainingRun, diagnostics, the collapse Monitor); this module
draws them and sends only what changed, since re-configuring a component costs the browser CPU
that a 2-core laptop's training needs.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field, fields
from typing import Any

import gradio as gr
import numpy as np

from ganlab.config import TrainConfig
from ganlab.numbers import human_number
from ganlab.server.train_frame import TrainFrames
from ganlab.train import compare, diagnostics, layers_2d
from ganlab.train.diagnostics import HistoryColumns
from ganlab.train.monitor import Monitor, Quality
from ganlab.train.run import StepMetrics, TrainingRun
from ganlab.train.saliency import ImageGradientProbe
from ganlab.ui.gradio_fixes.frames import LINGER_S, LiveFrames
from ganlab.ui.train import plots, text
from ganlab.ui.train.compare_view import Partner, side_by_side, sides, status_line
from ganlab.ui.train.model_graph import model_graph
from ganlab.ui.train.saliency_picture import why_picture
from ganlab.ui.train.view_2d import DEFAULT_LAYERS, draw_view_2d, legend

QUALITY_EVERY_S = 2.0  # the classifier's verdict, the formula panel, the graph's numbers, the gradient maps
TRAIL_LENGTH = 6  # refreshes of the fakes' past positions drawn as trails
JS_LABEL = "JS (bits, 0 = same, 1 = apart)"
DIVERGENCE_POINTS = 300  # the divergence curve's points a frame carries at most (every n-th refresh's)


@dataclass
class LiveView:
    """The live outputs by name. Handlers fill it with values, build() with the components; both
    are turned into Gradio's positional outputs by ``outputs()``, so their order cannot drift."""

    curves: Any = field(default_factory=gr.skip)  # losses and D's verdicts
    picture: Any = field(default_factory=gr.skip)  # samples, or the 2D view
    quality: Any = field(default_factory=gr.skip)  # the classifier's samples-per-class bars
    status: Any = field(default_factory=gr.skip)  # step, speed, time, status, device
    reading: Any = field(default_factory=gr.skip)  # the state of the game in one line
    alarms: Any = field(default_factory=gr.skip)
    quality_text: Any = field(default_factory=gr.skip)  # coverage, or share read as the asked class
    explain: Any = field(default_factory=gr.skip)  # the objective with this run's numbers
    pause: Any = field(default_factory=gr.skip)  # the Pause / Resume button
    legend: Any = field(default_factory=gr.skip)  # what the 2D view's colours and arrows are
    graph: Any = field(default_factory=gr.skip)  # the model overview graph with this run's numbers
    why: Any = field(default_factory=gr.skip)  # image GANs: G's push and D's saliency maps
    canvas: Any = field(default_factory=gr.skip)  # the token of the run's numbers (/train/frame) for the page

    def outputs(self) -> tuple:
        """The fields in Gradio's output order."""
        return tuple(getattr(self, f.name) for f in fields(self))


@dataclass(eq=False)
class RunDisplay:
    """What the Train tab keeps for one run between updates, to redraw only what changed.

    The pictures (frames, curves, bars) and the monitor are made on first use and live as long
    as the run; ``close`` frees the figures' matplotlib memory and deletes the frame files.
    """

    requested: TrainConfig | None = None  # the form's settings the run was built from
    watcher: object | None = None  # token of the live stream drawing this run (a newer one takes over)
    drawn: tuple[int, str, bool] | None = None  # (records, status, compiling) at the last update
    frames: LiveFrames | None = None  # the run's live pictures as PNG files
    columns: HistoryColumns = field(default_factory=HistoryColumns)  # the history, column by column
    curves: plots.LiveCurves | None = None  # the loss / verdict figure
    bars: plots.LiveBars | None = None  # the classifier's samples-per-class figure
    js_plot: plots.LiveSeries | None = None  # a 2D run's divergence figure
    monitor: Monitor | None = None  # collapse measures (coverage, class shares); also read by /metrics
    quality_reads: int = 0  # the classifier reading last drawn (Quality.reads)
    quality_visible: bool | None = None  # whether the quality image is shown (None: not yet set)
    explain_t: float = 0.0  # when the formula panel was last sent
    pause_label: str | None = None  # the pause button's label last sent
    closed: bool = False  # set by close(): an update that fails while drawing this run ends quietly
    drawing: threading.Lock = field(default_factory=threading.Lock)  # held by a refresh drawing this run
    layers: tuple[str, ...] = DEFAULT_LAYERS  # the 2D view's layers the student ticked
    trails: deque = field(default_factory=lambda: deque(maxlen=TRAIL_LENGTH))  # the fakes at past refreshes
    divergence: list[tuple[int, float, float]] = field(default_factory=list)  # (step, JS, KL) per refresh
    arrow_ref: float | None = None  # the arrows' scale, fixed at the run's first view with a push (B shares it)
    slow: Any = None  # the slow-motion step being shown (ui/train/slow_motion.py), or None
    phase: int = 0  # the phase of ``slow`` on the screen
    warmed: bool = False  # its programs were compiled before Start (TrainTab.prepare)
    probe: ImageGradientProbe | None = None  # image GANs: the compiled gradient maps (made on first use)
    why_t: float = 0.0  # when the graph and the gradient maps were last sent
    partner: Partner | None = None  # run B of a comparison or a fork, drawn beside A (ui/compare_view.py)
    board: TrainFrames | None = None  # where the numbers the browser draws are published (/train/frame)
    token: str | None = None  # this run's slot on ``board`` (the page's secret)
    mode: str | None = None  # what the board last said the page shows: "canvas" or "picture"

    def close(self) -> None:
        """Free the live figures and delete the frame files. They stay referenced, closed: an update
        still drawing the released run then fails, instead of making new ones that nobody closes."""
        self.closed = True
        for drawn in (self.curves, self.bars, self.js_plot):
            if drawn is not None:
                drawn.close()
        if self.frames is not None:
            self.frames.close(linger=LINGER_S)  # the page may still be fetching the last frames
        if self.board is not None:
            self.board.close(self.token)

    # -- drawing ---------------------------------------------------------------------------
    def redraw(self, s: TrainingRun, watch: Monitor, force: bool) -> LiveView:
        """The panels that changed since the last update (call with ``drawing`` held); what is left
        unset stays as it is on the screen (gr.skip()). In a comparison (``partner``) B is drawn too."""
        out = LiveView()
        history = list(s.history)
        b = self.partner
        state = (len(history), s.status, s.compiling, *((len(b.run.history), b.run.status) if b else ()))
        if not force and self.drawn == state:
            return out
        self.drawn = state
        if self.frames is None:
            self.frames = LiveFrames()  # the run's live pictures, deleted with the run
        # a 2D run's view and curves (A and B in a comparison) are drawn by the page from numbers (/train/frame)
        browser = self.board is not None and self.slow is None and watch.points_2d
        here = not (browser and self.board.watched(self.token))
        out.canvas = self.token if self.board is not None else gr.skip()
        out.curves = self._curves(s, history) if here else gr.skip()
        slow_due = force or s.status != "running" or time.time() - self.why_t >= QUALITY_EVERY_S
        if not browser:
            self.show_pictures()
        if watch.points_2d:
            self._points(out, s, watch, force, slow_due, history, browser, here)
        else:
            samples = s.samples()  # at every update (twice a second): the fixed latent batch through G
            quality = watch.measure(samples, force=force)  # the classifier: every QUALITY_EVERY_S only
            grid = s.preview(samples)
            if b is not None:
                b_samples = b.run.samples()
                b.monitor.measure(b_samples, force=force)
                grid = side_by_side([grid, b.run.preview(b_samples)], list(b.labels))
            out.picture = self.frames.write("view", grid)  # scaled up by the browser, pixelated
            if quality.scores is not None:
                self._scores(out, s, watch, quality)
            elif quality.class_shares is not None:
                self._class_bars(out, watch, quality)
            if slow_due:
                out.why = self._why(s)
        quality = watch.quality
        found = [("", a) for a in watch.alarms(history, quality)]
        if b is not None:
            found = [(f"{b.labels[0]}: ", a) for _, a in found] + [
                (f"{b.labels[1]}: ", a) for a in b.monitor.alarms(list(b.run.history), b.monitor.quality)]
        out.alarms = "\n".join(f"**ALARM — {who}{a.kind.replace('_', ' ')}:** {a.message}" for who, a in found)
        last = history[-1] if history else None
        out.status = self._status(s, last) + (f"  \n{status_line(b)}" if b is not None else "")
        out.reading = (watch.reading(history, quality) if b is None else
                       "**A vs B:** " + compare.reading(*sides(s, b, quality, b.monitor.quality), b.setting))
        # a formula re-typeset by the browser: every 2 s is enough
        if force or s.status != "running" or time.time() - self.explain_t >= QUALITY_EVERY_S:
            self.explain_t = time.time()
            out.explain = diagnostics.objective_text(s.config, last)
        self._pause_button(out, s, force)
        if slow_due:
            self.why_t = time.time()
            out.graph = model_graph(last.as_dict() if last else None)
        if self.slow is not None:  # a slow-motion phase is on the screen: leave it there
            out.picture = out.graph = gr.skip()
        return out

    def _curves(self, s: TrainingRun, history: list[StepMetrics]) -> Any:
        """The losses / verdicts figure (a new one when the run shows a new term), or None."""
        if not history:
            return None
        loss = s.gan.loss
        cols = self.columns.update(history)
        extras = tuple(k for k in cols if k not in diagnostics.CORE_COLUMNS)
        x, series = diagnostics.downsample(cols["step"], {k: v for k, v in cols.items() if k != "step"})
        b = self.partner
        pair = b.labels if b is not None else None
        if self.curves is None or not set(extras[:3]) <= self.curves.lines.keys() or self.curves.pair != pair:
            eq = loss.equilibrium_d_loss if loss.score == "probability" and loss.name != "hinge" else None
            if self.curves is not None:
                self.curves.close()
            self.curves = plots.LiveCurves(eq, loss.score == "probability", extras, pair)
        marks = [(c.step, f"{c.name} → {c.new:g}" if isinstance(c.new, float) else f"{c.name} → {c.new}")
                 for c in s.changes]
        x_b = series_b = None
        if b is not None:
            if b.fork_step is not None:
                marks.append((b.fork_step, f"fork: B's {b.setting} → {getattr(b.run.config, b.setting)}"))
            b_cols = b.columns.update(list(b.run.history))
            if len(b_cols.get("step", ())):
                x_b, series_b = diagnostics.downsample(b_cols["step"], {k: b_cols[k] for k in diagnostics.CORE_FIELDS})
        self.curves.set_marks(marks)
        return self.frames.write("curves", self.curves.update(x, series, x_b, series_b), palette=True)

    def _points(self, out: LiveView, s: TrainingRun, watch: Monitor, force: bool, slow_due: bool,
                history: list[StepMetrics], browser: bool = False, here: bool = True) -> None:
        """The 2D view with the ticked layers (A beside B in a comparison), its legend, coverage and the
        divergence curve; ``browser``: its numbers published for the page, ``here``: drawn on the server."""
        b = self.partner
        views = [self._numbers_2d(s, watch, force, self.trails, self.divergence)]
        if b is not None:
            views.append(self._numbers_2d(b.run, b.monitor, force, b.trails, b.divergence))
        out.quality_text = views[0][1] if b is None else "  \n".join(
            f"**{label}:** {line}" for label, (_, line) in zip(b.labels, views))
        out.legend = legend(views[0][0], self.layers)
        if browser:
            self._publish(s, watch, [v for v, _ in views], history)
        if here:
            self._draw_2d(out, [v for v, _ in views])
        if slow_due and self.divergence and here:
            self._divergence(out, s)

    def _draw_2d(self, out: LiveView, views: list[dict]) -> None:
        """The 2D view as a picture (A beside B in a comparison)."""
        b = self.partner
        image = draw_view_2d(views[0], self.layers, trails=list(self.trails))
        if b is not None:
            image = side_by_side([image, draw_view_2d(views[1], self.layers, trails=list(b.trails))], list(b.labels))
        out.picture = self.frames.write("view", image)

    def _divergence(self, out: LiveView, s: TrainingRun) -> None:
        """The divergence curve (JS per refresh; A and B in a comparison) in the quality box."""
        b = self.partner
        series = {JS_LABEL: self.divergence}
        if b is not None:
            series = {f"JS {b.labels[0][0]}": self.divergence, f"JS {b.labels[1][0]}": b.divergence}
        if self.js_plot is None or tuple(self.js_plot.lines) != tuple(series):
            self.js_plot = plots.LiveSeries(tuple(series), "real vs fake, on the heatmap's grid (JS, bits)")
        values = {k: [js for _, js, _ in v] for k, v in series.items()}
        steps = {k: [step for step, _, _ in v] for k, v in series.items()}
        picture = self.js_plot.update(steps[next(iter(steps))], values, steps, last=s.config.steps)
        self._show_quality(out, self.frames.write("divergence", picture, palette=True))

    def _numbers_2d(self, s: TrainingRun, watch: Monitor, force: bool, trails: deque,
                    divergence: list) -> tuple[dict, str]:
        """One run's 2D view as numbers (the ticked layers only, from ganlab.train.layers_2d) and its
        coverage / divergence line; the fakes join the trails, the divergence its curve."""
        layers = set(self.layers)
        fakes, push = layers_2d.arrows(s) if "arrows" in layers else (s.samples(), None)
        quality = watch.measure(fakes, force=force)  # the 2D measures: at every update, from these fakes
        view = {"extent": layers_2d.extent_box(), "real": watch.real_points,
                "fakes": fakes, "arrows": push, "heatmap_kind": layers_2d.heatmap_kind(s),
                "heatmap": layers_2d.heatmap(s) if "heatmap" in layers else None,
                "manifold": layers_2d.manifold_mesh(s) if "manifold" in layers else None}
        if not trails or not np.array_equal(trails[-1], fakes):
            trails.append(fakes)
        if quality.js is not None and (not divergence or divergence[-1][0] != s.step_count):
            divergence.append((s.step_count, quality.js, quality.kl))
        if push is not None and self.arrow_ref is None:  # fixed from here on: arrows shrink and grow honestly
            self.arrow_ref = diagnostics.push_reference(push)
        view["arrow_ref"] = self.arrow_ref
        return view, diagnostics.where_fakes_are(quality)

    def _publish(self, s: TrainingRun, watch: Monitor, views: list[dict], history: list[StepMetrics]) -> None:
        """The numbers the page draws, on the board: the 2D layers (A and B in a comparison), the curves'
        settings and columns, the divergence per refresh, and the real points with the first frame."""
        loss, columns, b = s.gan.loss, self.columns.update(history), self.partner
        extras = [k for k in columns if k not in diagnostics.CORE_COLUMNS][:3]  # as the server's curves
        marks = [[c.step, f"{c.name} → {c.new:g}" if isinstance(c.new, float) else f"{c.name} → {c.new}"]
                 for c in s.changes]
        if b is not None and b.fork_step is not None:
            marks.append([b.fork_step, f"fork: B's {b.setting} → {getattr(b.run.config, b.setting)}"])
        divergences = [self.divergence] + ([b.divergence] if b is not None else [])
        frame = {"mode": "canvas", "step": s.step_count, "status": s.status, "layers": list(self.layers),
                 "trail_length": TRAIL_LENGTH, "labels": list(b.labels) if b is not None else None,
                 "views": [layers_2d.browser_frame(v, self.arrow_ref) for v in views],
                 "divergence": [_thinned(d) for d in divergences],
                 "ruler": [human_number(self.arrow_ref * 10**i) for i in range(3)] if self.arrow_ref else None,
                 "curves": {"probability": loss.score == "probability", "marks": marks, "extras": extras,
                            "equilibrium": loss.equilibrium_d_loss
                            if loss.score == "probability" and loss.name != "hinge" else None}}
        first = self.mode != "canvas"
        self.mode = "canvas"
        assert self.board is not None
        drawn = {k: columns[k] for k in (*diagnostics.CORE_COLUMNS, *extras) if k in columns}
        drawn_b = None
        if b is not None:
            b_cols = b.columns.update(list(b.run.history))
            drawn_b = {k: b_cols[k] for k in diagnostics.CORE_COLUMNS if k in b_cols}
        self.board.publish(self.token, frame, drawn, watch.real_points if first else None, drawn_b)

    def show_pictures(self) -> None:
        """Tell the page to show the server's pictures (an image run, a slow-motion phase)."""
        if self.board is not None and self.mode != "picture":
            self.mode = "picture"
            self.board.publish(self.token, {"mode": "picture"})

    def _why(self, s: TrainingRun) -> Any:
        """Image GANs: G's push on fixed fakes and D's saliency (None when the model cannot show them)."""
        try:
            if self.probe is None:
                self.probe = ImageGradientProbe(s)
            return self.frames.write("why", why_picture(self.probe.measure()))
        except (ValueError, KeyError, TypeError):
            return None

    def _scores(self, out: LiveView, s: TrainingRun, watch: Monitor, quality: Quality) -> None:
        """The model's own held-out scores (SGAN: test accuracy beside its baseline), when new."""
        if quality.reads == self.quality_reads:
            return
        self.quality_reads = quality.reads
        self._show_quality(out, self.frames.write("accuracy", accuracy_figure(watch.score_history), palette=True))
        labelled = s.dataset.x_labelled
        out.quality_text = accuracy_text(quality.scores, len(labelled) if labelled is not None else 0)

    def _class_bars(self, out: LiveView, watch: Monitor, quality: Quality) -> None:
        """The independent classifier's samples per class, and the share read as the asked class."""
        if quality.reads == self.quality_reads:
            return
        self.quality_reads = quality.reads
        if self.bars is None:
            self.bars = plots.LiveBars(watch.class_names, "samples per class (read by the classifier)")
        self._show_quality(out, self.frames.write("bars", self.bars.update(quality.class_shares), palette=True))
        line = ""
        if quality.asked_hit is not None:
            line = f"**{100 * quality.asked_hit:.0f}%** of samples are read as the class they were asked for. "
        out.quality_text = line + text.QUALITY_HELP

    def _show_quality(self, out: LiveView, picture: Any) -> None:
        """Put ``picture`` in the quality box (None hides it); (re)configure the box only on a change."""
        visible = picture is not None
        out.quality = picture if visible else gr.skip()
        if self.quality_visible is not visible:
            self.quality_visible = visible
            out.quality = gr.Image(value=picture, visible=visible)

    @staticmethod
    def _status(s: TrainingRun, last: StepMetrics | None) -> str:
        """Step, speed, time, what the run is doing and on which device."""
        elapsed = time.strftime("%M:%S", time.gmtime(last.time)) if last else "00:00"
        speed = text.speed_text(last)
        done = last.step if last else 0  # one snapshot: the step and its timing come from the same record
        doing = text.COMPILING if s.compiling else s.status
        return f"**Step {done} / {s.config.steps}** · **{speed} steps/s** · {elapsed} elapsed · *{doing}* · {s.device}"

    def _pause_button(self, out: LiveView, s: TrainingRun, force: bool) -> None:
        """The Pause / Resume label, sent only when it changed."""
        label = "Resume" if s.status == "paused" or (s.pause_requested and s.status == "running") else "Pause"
        if force or self.pause_label != label:
            self.pause_label = label
            out.pause = gr.Button(label)


def _thinned(divergence: list[tuple[int, float, float]]) -> dict[str, list]:
    """A run's divergence per refresh as the page draws it: at most about DIVERGENCE_POINTS (every n-th, and
    the last), steps and JS (bits)."""
    kept = divergence[::max(1, -(-len(divergence) // DIVERGENCE_POINTS))]
    if divergence and kept[-1] is not divergence[-1]:
        kept = kept + divergence[-1:]
    return {"step": [int(n) for n, _, _ in kept], "js": [round(float(v), 4) for _, v, _ in kept]}


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
