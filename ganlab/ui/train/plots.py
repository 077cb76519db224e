"""Drawing only: matplotlib figures rendered to RGB arrays (no training math here).

Figures are made with ``matplotlib.figure.Figure`` and an Agg canvas, never through pyplot: pyplot
keeps one global registry of figures that is not thread-safe, and on a shared server many sessions'
live views draw and close figures at the same time (matplotlib's advice for web servers).
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ganlab.numbers import BLOWN_UP, human_number

FAKE, REAL, D_COLOR, G_COLOR = "#7b2cbf", "#2d8f4e", "#d62828", "#1d4ed8"
ALARM = "#b91c1c"  # the title of a panel whose numbers blew up
PEOPLE = FuncFormatter(lambda v, _: human_number(v))  # tick labels as people write numbers: 4.0e9, 0.5


def _figure(figsize: tuple[float, float], dpi: int) -> Figure:
    """A figure with its own Agg canvas, outside pyplot's global registry."""
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _rgb(canvas) -> np.ndarray:
    """The Agg canvas as an RGB array (no PNG round trip)."""
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def _nice_ceiling(v: float) -> float:
    """The next round number (1, 2, 3, 5 × 10^k) at or above v."""
    if v <= 0:
        return 1.0
    exp = 10 ** np.floor(np.log10(v))
    for m in (1, 2, 3, 5, 10):
        if m * exp >= v:
            return float(m * exp)
    return float(10 * exp)


class LiveCurves:
    """The two-panel loss / D-verdict figure, built once per run and updated in place.

    Redrawing the whole figure (axes, ticks, text) is costly, re-fitting the margins more so; this
    class redraws it only when the axis limits must change (the step axis grows in round steps of
    1, 2, 3, 5 × 10^k: four redraws per tenfold) and re-fits the margins only when the tick labels
    can change width (new y-limits, or one more digit in the step axis). Otherwise it blits:
    restores the cached background and draws just the lines, a small fraction of a full redraw.
    The legends sit below the axes, in the background, so no text is drawn per frame. That CPU time
    would otherwise be taken from training on a 2-core laptop.
    """

    def __init__(self, equilibrium: float | None, probability_scores: bool, extras: tuple[str, ...] = (),
                 pair: tuple[str, str] | None = None):
        self.fig = _figure((9.6, 3.6), 80)
        self.ax1, self.ax2 = self.fig.subplots(1, 2)
        ax1, ax2 = self.ax1, self.ax2
        self.lines = {"d_loss": ax1.plot([], [], color=D_COLOR, lw=1.4, label="D loss", animated=True)[0],
                      "g_loss": ax1.plot([], [], color=G_COLOR, lw=1.4, label="G loss", animated=True)[0]}
        self.pair = pair  # a comparison: run B's lines dashed over A's (solid), keys "B:d_loss" ...
        for name, style in zip(extras, (":", "-.", "--")):
            self.lines[name] = ax1.plot([], [], color="#555", lw=1.1, ls=style, label=name, animated=True)[0]
        if equilibrium is not None:
            ax1.axhline(equilibrium, color=D_COLOR, lw=0.9, ls=":", alpha=0.8,
                        label=f"D at equilibrium ({equilibrium:.3g})")
        ax1.set_xlabel("step")
        ax1.set_title("losses, every step", fontsize=10)
        below = dict(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
        ax1.legend(ncol=3, **below)
        ax1.grid(alpha=0.25)
        self.lines["d_real"] = ax2.plot([], [], color=REAL, lw=1.4, label="D(x): real", animated=True)[0]
        self.lines["d_fake"] = ax2.plot([], [], color=FAKE, lw=1.4, label="D(G(z)): fake", animated=True)[0]
        if probability_scores:
            ax2.axhline(0.5, color="#888", lw=0.9, ls=":")
            ax2.set_ylim(-0.02, 1.02)
            ax2.set_title("D's verdict (1 = real, 0 = fake)", fontsize=10)
        else:
            ax2.set_title("D's raw scores (critic)", fontsize=10)
        self.probability = probability_scores
        ax2.set_xlabel("step")
        ax2.legend(ncol=2, **below)
        ax2.grid(alpha=0.25)
        if pair is not None:
            for name in ("d_loss", "g_loss", "d_real", "d_fake"):
                line = self.lines[name]
                self.lines["B:" + name] = line.axes.plot([], [], color=line.get_color(), lw=1.2, ls=(0, (4, 2)),
                                                         alpha=0.85, animated=True)[0]
            self.fig.suptitle(f"solid: {pair[0]}      dashed: {pair[1]}", fontsize=9)
        self.fig.tight_layout()
        self.background = None
        self.blown: dict[object, float] = {}  # panels on a log scale since their numbers blew up: the top value
        for ax in (ax1, ax2):
            ax.yaxis.set_major_formatter(PEOPLE)
        self.marks: tuple[tuple[int, str], ...] = ()
        self._mark_artists: list = []

    def set_marks(self, marks: list[tuple[int, str]]) -> None:
        """Vertical lines at these steps, each with a short label (settings changed while training,
        a fork); drawn into the background, so the figure is laid out anew when they change."""
        marks = tuple(marks)
        if marks == self.marks:
            return
        for artist in self._mark_artists:
            artist.remove()
        self._mark_artists = []
        for step, label in marks:
            for ax in (self.ax1, self.ax2):
                self._mark_artists.append(ax.axvline(step, color="#b45309", lw=1.0, ls="--", alpha=0.9))
            self._mark_artists.append(self.ax1.annotate(
                label, (step, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -2), textcoords="offset points",
                fontsize=7, color="#b45309", va="top", rotation=90))
        self.marks = marks
        self.background = None  # the marks live in the background: draw it again

    @staticmethod
    def _y_limits(current: tuple[float, float], values: list[np.ndarray]) -> tuple[float, float] | None:
        """New y-limits when the data left the current ones or fills less than a third of them."""
        finite = [v[np.isfinite(v)] for v in values if len(v)]
        finite = [v for v in finite if len(v)]
        if not finite:
            return None
        lo, hi = min(float(v.min()) for v in finite), max(float(v.max()) for v in finite)
        span = max(hi - lo, 1e-3)
        cur_lo, cur_hi = current
        if lo >= cur_lo and hi <= cur_hi and (cur_hi - cur_lo) <= 3 * span:
            return None
        return lo - 0.1 * span, hi + 0.1 * span

    def _blow_up(self, ax, values: list[np.ndarray]) -> bool:
        """Put ``ax`` on a log scale with a red title once its numbers pass BLOWN_UP (it stays so: a blow-up
        is part of the run's story); True when the title or scale changed (redraw the background)."""
        top = max((float(np.abs(v[np.isfinite(v)]).max()) for v in values if np.isfinite(v).any()), default=0.0)
        if top <= BLOWN_UP or top <= 10 * self.blown.get(ax, 0.0):  # a new title only for a 10× larger top
            return False
        if ax not in self.blown:
            ax.set_yscale("symlog", linthresh=1.0)
            ax.yaxis.set_major_formatter(PEOPLE)
        self.blown[ax] = top
        ax.set_title(f"they blew up (up to {human_number(top)}): log scale", fontsize=10, color=ALARM)
        return True

    @staticmethod
    def _log_limits(current: tuple[float, float], values: list[np.ndarray]) -> tuple[float, float] | None:
        """Limits on a log scale: new ones only when the data leaves the current ones (3× headroom)."""
        finite = [v[np.isfinite(v)] for v in values if np.isfinite(v).any()]
        if not finite:
            return None
        lo, hi = min(float(v.min()) for v in finite), max(float(v.max()) for v in finite)
        if current[0] <= lo and hi <= current[1]:
            return None
        return (3 * lo if lo < -1 else min(lo, 0.0) - 0.5), (3 * hi if hi > 1 else 1.5)

    def update(self, x: np.ndarray, series: dict[str, np.ndarray], x_b: np.ndarray | None = None,
               series_b: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """New data in (and run B's, in a comparison), RGB array out."""
        for name, line in self.lines.items():
            if name in series:
                line.set_data(x, series[name])
            elif series_b is not None and name.startswith("B:") and name[2:] in series_b:
                line.set_data(x_b, series_b[name[2:]])
        if series_b is not None:  # B's values count for the axes' limits too
            series = {**series, **{"B:" + k: v for k, v in series_b.items()}}
            x = x_b if x_b is not None and len(x_b) and (not len(x) or x_b[-1] > x[-1]) else x
        relayout = refit = self.background is None
        top = float(x[-1]) if len(x) else 1.0
        if top > self.ax1.get_xlim()[1] or self.background is None:
            old_digits = len(f"{self.ax1.get_xlim()[1]:.0f}")
            xmax = _nice_ceiling(max(top * 1.1, 10.0))
            for ax in (self.ax1, self.ax2):
                ax.set_xlim(0, xmax)
            relayout = True
            refit = refit or len(f"{xmax:.0f}") != old_digits
        verdicts = ("d_real", "d_fake", "B:d_real", "B:d_fake")
        axes = [(self.ax1, tuple(n for n in self.lines if n not in verdicts))]
        if not self.probability:
            axes.append((self.ax2, verdicts))
        for ax, names in axes:
            values = [series[n] for n in names if n in series]
            if self._blow_up(ax, values):
                relayout = refit = True
            current = ax.get_ylim() if self.background is not None else (np.inf, -np.inf)
            limits = self._log_limits(current, values) if ax in self.blown else self._y_limits(current, values)
            if limits is not None:
                ax.set_ylim(*limits)
                relayout = refit = True
        canvas = self.fig.canvas
        if relayout:
            if refit:
                self.fig.tight_layout()  # wider tick labels (e.g. "10000", "-0.25") must fit inside the figure
            canvas.draw()  # axes, ticks, text, grid, legends; the animated lines are left out
            self.background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self.background)
        for line in self.lines.values():
            line.axes.draw_artist(line)
        return _rgb(canvas)

    def close(self) -> None:
        """Free the figure's artists (nothing is registered globally, so nothing else to release)."""
        self.fig.clear()


class LiveBars:
    """The quality meter's bar chart (share of samples per class), built once and blitted."""

    def __init__(self, names: tuple[str, ...], title: str):
        self.fig = _figure((4.8, 2.4), 80)
        self.ax = self.fig.subplots()
        self.bars = self.ax.bar(range(len(names)), np.zeros(len(names)), color=G_COLOR, animated=True)
        self.even = self.ax.axhline(1 / max(len(names), 1), color="#888", ls=":", lw=0.9, animated=True)
        self.ax.set_xticks(range(len(names)), [n[:7] for n in names], fontsize=7, rotation=30)
        self.ax.set_ylim(0, 1)
        self.ax.set_title(title, fontsize=9)
        self.fig.tight_layout()
        self.fig.canvas.draw()  # axes and text once; the bars are drawn over a copy at each update
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    def update(self, shares: np.ndarray) -> np.ndarray:
        """New shares in, RGB array out."""
        self.fig.canvas.restore_region(self.background)
        for bar, h in zip(self.bars, shares):
            bar.set_height(float(h))
            self.ax.draw_artist(bar)
        self.ax.draw_artist(self.even)  # "every class equally often", over the bars
        return _rgb(self.fig.canvas)

    def close(self) -> None:
        """Free the figure's artists (nothing is registered globally, so nothing else to release)."""
        self.fig.clear()


class LiveSeries:
    """A small live line plot on a fixed y range (the 2D run's divergence), built once and blitted;
    laid out again only when the step axis must grow (in round steps, as LiveCurves)."""

    def __init__(self, names: tuple[str, ...], title: str, ylim: tuple[float, float] = (0.0, 1.0)):
        self.fig = _figure((4.8, 2.6), 80)
        self.ax = self.fig.subplots()
        self.lines = {n: self.ax.plot([], [], color=c, lw=1.6, label=n, animated=True)[0]
                      for n, c in zip(names, (G_COLOR, "#888", D_COLOR, REAL))}
        self.ax.set_ylim(*ylim)
        self.ax.set_xlabel("step", fontsize=8)
        self.ax.set_title(title, fontsize=9)
        self.ax.grid(alpha=0.25)
        self.ax.legend(fontsize=7, loc="upper right")
        self.background = None

    def update(self, steps: list[int], series: dict[str, list[float]],
               steps_by: dict[str, list[int]] | None = None, last: int | None = None) -> np.ndarray:
        """New data in (``steps_by``: a series' own steps, else ``steps``), RGB array out; the step axis
        never runs past ``last`` (the run's final step) when given."""
        steps_by = steps_by or {}
        top = max((max(v, default=1) for v in (steps, *steps_by.values())), default=1)
        if self.background is None or top > self.ax.get_xlim()[1]:
            end = _nice_ceiling(max(top * 1.1, 10.0))
            self.ax.set_xlim(0, min(end, last) if last and last >= top else end)
            self.fig.tight_layout()
            self.fig.canvas.draw()
            self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.fig.canvas.restore_region(self.background)
        for name, line in self.lines.items():
            line.set_data(steps_by.get(name, steps), series.get(name, []))
            self.ax.draw_artist(line)
        return _rgb(self.fig.canvas)

    def close(self) -> None:
        """Free the figure's artists (nothing is registered globally, so nothing else to release)."""
        self.fig.clear()


def accuracy_plot(steps: list[int], series: dict[str, list[float]], title: str) -> np.ndarray:
    """Accuracy (0..1) against step, one line per named series (drawn anew: it changes every few seconds)."""
    return series_plot(steps, series, title, (0.0, 1.0), "lower right")


def series_plot(steps: list[int], series: dict[str, list[float]], title: str,
                ylim: tuple[float, float] | None = None, legend: str = "best") -> np.ndarray:
    """Named series against step in a small figure (drawn anew: it changes every few seconds)."""
    fig = _figure((4.8, 2.6), 80)
    ax = fig.subplots()
    for (name, values), color in zip(series.items(), (G_COLOR, "#888", D_COLOR, REAL)):
        ax.plot(steps, values, color=color, lw=1.6, marker="o" if len(steps) < 3 else None, label=name)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlim(0, max(_nice_ceiling(max(steps, default=1) * 1.1), 10.0))
    ax.set_xlabel("step", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.25)
    ax.legend(fontsize=7, loc=legend)
    fig.tight_layout()
    fig.canvas.draw()
    image = _rgb(fig.canvas)
    fig.clear()
    return image
