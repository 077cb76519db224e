"""Reading a training run for people: plain-language state, failure alarms, display downsampling.

Pure functions of the per-step history (no gradio), so the app, the CLI and tests share them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ganlab.losses import LossPair
from ganlab.train.history import CORE_FIELDS

LN4, LN2 = math.log(4.0), math.log(2.0)


def downsample(steps: np.ndarray, values: dict[str, np.ndarray], points: int = 300) -> tuple[np.ndarray, dict]:
    """Bucket means to at most ``points`` per series, for display only (the full record is kept).

    The last bucket always ends at the newest step so the plot reaches "now".
    """
    n = len(steps)
    if n <= points:
        return steps, values
    edges = np.linspace(0, n, points + 1).astype(int)
    starts, ends = edges[:-1], edges[1:]
    x = steps[ends - 1]
    out = {k: np.add.reduceat(v, starts) / (ends - starts) for k, v in values.items()}
    return x, out


CORE_COLUMNS = ("step", *CORE_FIELDS)  # the columns every record has, in display order


class HistoryColumns:
    """The columns of a growing StepMetrics list, updated with only the records added since the
    last call (a live view redraws twice a second; re-reading every record each time would cost
    more the longer the run).
    """

    def __init__(self) -> None:
        self._n = 0
        self._data: dict[str, np.ndarray] = {}

    def update(self, history: list) -> dict[str, np.ndarray]:
        """Columns as float64 arrays: the core fields, then extras sorted (NaN where a step lacks one)."""
        new = history[self._n:]
        if new:
            end = self._n + len(new)
            capacity = len(next(iter(self._data.values()))) if self._data else 0
            if end > capacity:  # grow geometrically, so appending stays cheap on average
                capacity = max(end, 2 * capacity, 1024)
                for k, arr in self._data.items():
                    grown = np.full(capacity, np.nan)
                    grown[: self._n] = arr[: self._n]
                    self._data[k] = grown
            for k in {*CORE_COLUMNS, *(k for r in new for k in r.extras)} - self._data.keys():
                self._data[k] = np.full(capacity, np.nan)
            for k, arr in self._data.items():
                if k in CORE_COLUMNS:
                    arr[self._n:end] = [getattr(r, k) for r in new]
                else:
                    arr[self._n:end] = [r.extras.get(k, np.nan) for r in new]
            self._n = end
        extras = sorted(k for k in self._data if k not in CORE_COLUMNS)
        return {k: self._data[k][: self._n] for k in (*CORE_COLUMNS, *extras) if k in self._data}


@dataclass(frozen=True)
class Alarm:
    """A warning for the class: what is wrong, in one sentence, and what to try."""

    kind: str  # d_wins, diverged, collapse, no_progress
    message: str


def reading(history: list, loss: LossPair, window: int = 50) -> str:
    """One plain-language line about the current state of the game."""
    if not history:
        return "Press Start (or Step) to begin: D and G take turns."
    recent = history[-window:]
    d_loss = float(np.mean([r.d_loss for r in recent]))
    d_real = float(np.mean([r.d_real for r in recent]))
    d_fake = float(np.mean([r.d_fake for r in recent]))
    if loss.name == "wasserstein":
        gap = d_real - d_fake
        return (f"Critic gap D(x) − D(G(z)) = {gap:.3f}: an estimate of the Wasserstein distance between "
                "real and generated data; it shrinks as G gets closer.")
    if loss.score == "probability":
        if d_real > 0.85 and d_fake < 0.15:
            extra = " (with the minimax loss they all but vanish)" if loss.name == "minimax" else ""
            return (f"D is winning: D(x) = {d_real:.2f}, D(G(z)) = {d_fake:.2f}. "
                    f"G gets weak gradients{extra}.")
        if d_fake > d_real + 0.05:
            return (f"G is fooling D: fakes score {d_fake:.2f}, real data {d_real:.2f}. "
                    "D will adapt on its next steps.")
        if abs(d_real - 0.5) < 0.1 and abs(d_fake - 0.5) < 0.1:
            return (f"Close to equilibrium: D can barely tell real from fake (D(x) = {d_real:.2f}, "
                    f"D(G(z)) = {d_fake:.2f}, D loss {d_loss:.2f} vs ln 4 ≈ 1.386).")
        return (f"Tug of war: D is ahead (D(x) = {d_real:.2f} > D(G(z)) = {d_fake:.2f}) and G is "
                "chasing it.")
    # least squares: D's outputs aim at 1 (real) and 0 (fake)
    if d_real > 0.85 and d_fake < 0.15:
        return f"D is winning: it outputs {d_real:.2f} for real and {d_fake:.2f} for fake data."
    return f"D outputs {d_real:.2f} for real and {d_fake:.2f} for fake data (targets 1 and 0; equilibrium 0.5)."


COLLAPSE_AFTER = 200  # steps before collapse alarms: an untrained G's samples all look alike (it has not
# learned yet, it has not collapsed); the healthy ring preset covers ≥ 90 % of the blobs by step 200


def alarms(history: list, loss: LossPair, status: str = "", stop_reason: str = "",
           class_shares: np.ndarray | None = None, coverage: float | None = None) -> list[Alarm]:
    """Alarms: D wins for many steps, divergence, collapse (after COLLAPSE_AFTER steps), no progress."""
    out: list[Alarm] = []
    if status == "diverged":
        out.append(Alarm("diverged", stop_reason or "A loss became NaN/Inf: training stopped."))
    window = 100
    if len(history) >= window:
        recent = history[-window:]
        d_loss = np.array([r.d_loss for r in recent])
        if loss.score == "probability" and loss.name != "hinge" and np.all(d_loss < 0.05):
            out.append(Alarm("d_wins", f"D loss has been near 0 for {window} steps: D wins outright and G "
                                       "learns little. Lower D's learning rate, use fewer D steps (k), or "
                                       "switch to the non-saturating loss."))
        elif loss.name == "hinge" and np.all(d_loss < 0.05):
            out.append(Alarm("d_wins", "D's hinge loss is ~0: D wins outright. Lower D's learning rate."))
    if len(history) >= 400:
        g = np.array([r.g_loss for r in history[-400:]])
        fake = np.array([r.d_fake for r in history[-400:]])
        flat = abs(g[:200].mean() - g[200:].mean()) < 0.01 * (abs(g).mean() + 1e-3)
        if flat and (loss.score != "probability" or fake.mean() < 0.05):
            out.append(Alarm("no_progress", "No progress: G's loss has not moved for 400 steps. "
                                            "Try Reset with other learning rates or another loss."))
    if len(history) < COLLAPSE_AFTER:
        class_shares = coverage = None
    if class_shares is not None and len(class_shares) and float(np.max(class_shares)) > 0.5:
        top = int(np.argmax(class_shares))
        out.append(Alarm("collapse", f"Mode collapse: {100 * float(np.max(class_shares)):.0f}% of samples "
                                     f"look like class {top}. G found one output that fools D and stays there."))
    if coverage is not None and coverage < 0.5:
        out.append(Alarm("collapse", f"Mode collapse: generated points cover only {100 * coverage:.0f}% of "
                                     "the regions where real data lies."))
    return out


def coverage_2d(real: np.ndarray, fake: np.ndarray, extent: float = 2.5, bins: int = 12,
                min_share: float = 0.01) -> tuple[float, float]:
    """Coverage and its other half, from one 2D histogram: the share of well-populated real-data cells
    that also hold generated points, and the share of generated points that land in those cells (a wide
    cloud of fakes reaches every region but mostly falls where there is no data)."""
    return _coverage(histogram_2d(real, extent, bins), histogram_2d(fake, extent, bins), len(real), len(fake),
                     min_share)


def histogram_2d(points: np.ndarray, extent: float, bins: int) -> np.ndarray:
    """Counts of ``points`` (N, 2) in bins×bins equal cells over [-extent, extent]², indexed [x, y]."""
    edges = np.linspace(-extent, extent, bins + 1)
    return np.histogram2d(points[:, 0], points[:, 1], bins=(edges, edges))[0]


def _coverage(h_real: np.ndarray, h_fake: np.ndarray, n_real: int, n_fake: int,
              min_share: float) -> tuple[float, float]:
    occupied = h_real > min_share * n_real
    on_data = float(h_fake[occupied].sum() / max(n_fake, 1))  # fakes outside the grid count as off the data
    if not occupied.any():
        return 1.0, on_data
    return float((h_fake[occupied] > 0).mean()), on_data


DIVERGENCE_EPS = 1e-6  # probability floor of a cell, so KL stays finite where G puts nothing


def _smoothed(h: np.ndarray, sigma: float, eps: float) -> np.ndarray:
    """A histogram blurred by a Gaussian of ``sigma`` cells, floored at ``eps`` and normalised."""
    n = h.shape[0]
    offsets = np.arange(n)[:, None] - np.arange(n)[None, :]
    blur = np.exp(-0.5 * (offsets / sigma) ** 2) if sigma > 0 else (offsets == 0).astype(float)
    p = blur @ h @ blur.T
    p = p / max(p.sum(), 1e-12) + eps
    return p / p.sum()


def _divergences(h_real: np.ndarray, h_fake: np.ndarray, sigma: float, eps: float) -> tuple[float, float]:
    p, q = _smoothed(h_real, sigma, eps), _smoothed(h_fake, sigma, eps)
    m = 0.5 * (p + q)
    kl = float(np.sum(p * np.log2(p / q)))
    js = float(0.5 * np.sum(p * np.log2(p / m)) + 0.5 * np.sum(q * np.log2(q / m)))
    return max(kl, 0.0), min(max(js, 0.0), 1.0)


def divergence_2d(real: np.ndarray, fake: np.ndarray, extent: float = 2.5, bins: int = 36,
                  sigma: float = 1.0, eps: float = DIVERGENCE_EPS) -> tuple[float, float]:
    """KL(real ‖ fake) and the Jensen-Shannon divergence between real and generated points, in bits
    (JS in [0, 1]: 0 = the same distribution, 1 = no overlap), estimated as GAN Lab does on a grid:
    2D histograms over [-extent, extent]² (bins×bins cells), blurred by a Gaussian of ``sigma`` cells,
    each cell floored at ``eps``. With a few hundred points a side even identical distributions give
    a small JS (sampling noise: ~0.01 bits for 600 vs 512 ring points)."""
    return _divergences(histogram_2d(real, extent, bins), histogram_2d(fake, extent, bins), sigma, eps)


def quality_2d(real: np.ndarray, fake: np.ndarray, extent: float = 2.5, bins: int = 12, fine: int = 3,
               min_share: float = 0.01) -> dict[str, float]:
    """Coverage and on-data share (``coverage_2d`` on bins×bins cells) and KL / JS (``divergence_2d`` on
    cells ``fine`` times smaller), from one pair of fine histograms: a coarse cell is fine×fine fine ones."""
    h_real, h_fake = histogram_2d(real, extent, bins * fine), histogram_2d(fake, extent, bins * fine)
    coarse = lambda h: h.reshape(bins, fine, bins, fine).sum(axis=(1, 3))
    coverage, on_data = _coverage(coarse(h_real), coarse(h_fake), len(real), len(fake), min_share)
    kl, js = _divergences(h_real, h_fake, 1.0, DIVERGENCE_EPS)
    return {"coverage": coverage, "on_data": on_data, "kl": kl, "js": js}


def objective_text(config, last=None) -> str:
    """The minimax objective and the k-step recipe, with this run's values plugged in (Markdown)."""
    k, lr_d, lr_g, b = config.k, config.lr_d, config.lr_g, config.batch_size
    lines = [
        "**The game.** D tries to tell real data from G's fakes; G tries to fool D:",
        "",
        "$$\\min_G \\max_D \\; V(D,G) = \\mathbb{E}_{x}[\\log D(x)] + \\mathbb{E}_{z}[\\log(1 - D(G(z)))]$$",
        "",
        f"**One training step here** (loss *{config.loss.replace('_', '-')}*):",
        f"1. **{k}×** (k = {k}): take {b} real examples and {b} fakes G(z); nudge D (learning rate {lr_d:g}) "
        "to score real ones high and fakes low.",
        f"2. **1×**: make {b} new fakes; nudge G (learning rate {lr_g:g}) so D scores them higher.",
    ]
    if last is not None and config.loss in ("minimax", "non_saturating"):
        dx, dgz = min(max(last.d_real, 1e-6), 1 - 1e-6), min(max(last.d_fake, 1e-6), 1 - 1e-6)
        v = math.log(dx) + math.log(1 - dgz)
        lines += [
            "",
            f"**Now:** D(x) = {last.d_real:.2f}, D(G(z)) = {last.d_fake:.2f}, so V ≈ log {dx:.2f} + "
            f"log(1 − {dgz:.2f}) = {v:.2f}. At the equilibrium D(x) = D(G(z)) = ½ and V = −ln 4 ≈ −1.386 "
            "(D loss = ln 4).",
        ]
    return "\n".join(lines)
