"""Drawing only: matplotlib figures rendered to RGB arrays (no training math here)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

FAKE, REAL, D_COLOR, G_COLOR = "#7b2cbf", "#2d8f4e", "#d62828", "#1d4ed8"


def _to_array(fig, close: bool = True) -> np.ndarray:
    """Render straight from the Agg buffer (no PNG round trip)."""
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    if close:
        plt.close(fig)
    return rgb


class LiveCurves:
    """The two-panel loss / D-verdict figure, built once per run and updated in place.

    Rebuilding a figure every tick cost ~140 ms; updating line data and redrawing costs a
    fraction of that, which matters because the app shares the CPU with training.
    """

    def __init__(self, equilibrium: float | None, probability_scores: bool, extras: tuple[str, ...] = ()):
        self.fig, (self.ax1, self.ax2) = plt.subplots(1, 2, figsize=(9.6, 3.3), dpi=80)
        ax1, ax2 = self.ax1, self.ax2
        self.lines = {"d_loss": ax1.plot([], [], color=D_COLOR, lw=1.4, label="D loss")[0],
                      "g_loss": ax1.plot([], [], color=G_COLOR, lw=1.4, label="G loss")[0]}
        for name, style in zip(extras, (":", "-.", "--")):
            self.lines[name] = ax1.plot([], [], color="#555", lw=1.1, ls=style, label=name)[0]
        if equilibrium is not None:
            ax1.axhline(equilibrium, color=D_COLOR, lw=0.9, ls=":", alpha=0.8,
                        label=f"D at equilibrium ({equilibrium:.3g})")
        ax1.set_xlabel("step")
        ax1.set_title("losses, every step", fontsize=10)
        ax1.legend(fontsize=8, loc="upper right")
        ax1.grid(alpha=0.25)
        self.lines["d_real"] = ax2.plot([], [], color=REAL, lw=1.4, label="D(x): real")[0]
        self.lines["d_fake"] = ax2.plot([], [], color=FAKE, lw=1.4, label="D(G(z)): fake")[0]
        if probability_scores:
            ax2.axhline(0.5, color="#888", lw=0.9, ls=":")
            ax2.set_ylim(-0.02, 1.02)
            ax2.set_title("D's verdict (1 = real, 0 = fake)", fontsize=10)
        else:
            ax2.set_title("D's raw scores (critic)", fontsize=10)
        self.probability = probability_scores
        ax2.set_xlabel("step")
        ax2.legend(fontsize=8, loc="center right")
        ax2.grid(alpha=0.25)
        self.fig.tight_layout()

    def update(self, x: np.ndarray, series: dict[str, np.ndarray]) -> np.ndarray:
        """New data in, RGB array out."""
        for name, line in self.lines.items():
            if name in series:
                line.set_data(x, series[name])
        for ax in (self.ax1, self.ax2):
            ax.relim()
            ax.autoscale_view(scaley=ax is self.ax1 or not self.probability)
        return _to_array(self.fig, close=False)

    def close(self) -> None:
        """Free the figure."""
        plt.close(self.fig)


def curves(x: np.ndarray, series: dict[str, np.ndarray], equilibrium: float | None,
           probability_scores: bool, extras: tuple[str, ...] = ()) -> np.ndarray:
    """Two panels: losses per step (with extra terms like gp/MI/L1) and D(x), D(G(z))."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.6, 3.3), dpi=80)
    ax1.plot(x, series["d_loss"], color=D_COLOR, lw=1.4, label="D loss")
    ax1.plot(x, series["g_loss"], color=G_COLOR, lw=1.4, label="G loss")
    for name, style in zip(extras, (":", "-.", "--")):
        if name in series:
            ax1.plot(x, series[name], color="#555", lw=1.1, ls=style, label=name)
    if equilibrium is not None:
        ax1.axhline(equilibrium, color=D_COLOR, lw=0.9, ls=":", alpha=0.8)
        ax1.text(x[0] if len(x) else 0, equilibrium, f" D at equilibrium ({equilibrium:.3g})",
                 color=D_COLOR, fontsize=8, va="bottom")
    ax1.set_xlabel("step")
    ax1.set_title("losses, every step", fontsize=10)
    ax1.legend(fontsize=8, loc="upper right")
    ax1.grid(alpha=0.25)
    ax2.plot(x, series["d_real"], color=REAL, lw=1.4, label="D(x): real")
    ax2.plot(x, series["d_fake"], color=FAKE, lw=1.4, label="D(G(z)): fake")
    if probability_scores:
        ax2.axhline(0.5, color="#888", lw=0.9, ls=":")
        ax2.set_ylim(-0.02, 1.02)
        ax2.set_title("D's verdict (1 = real, 0 = fake)", fontsize=10)
    else:
        ax2.set_title("D's raw scores (critic)", fontsize=10)
    ax2.set_xlabel("step")
    ax2.legend(fontsize=8, loc="center right")
    ax2.grid(alpha=0.25)
    fig.tight_layout()
    return _to_array(fig)


def class_bars(shares: np.ndarray, names: tuple[str, ...], title: str) -> np.ndarray:
    """A small bar chart of the share of samples per class."""
    fig, ax = plt.subplots(figsize=(4.8, 2.4), dpi=80)
    ax.bar(range(len(shares)), shares, color=G_COLOR)
    ax.axhline(1 / max(len(shares), 1), color="#888", ls=":", lw=0.9)
    ax.set_xticks(range(len(shares)), [n[:7] for n in names], fontsize=7, rotation=30)
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return _to_array(fig)
