"""Reading a training run for people: plain-language state, failure alarms, display downsampling.

Pure functions of the per-step history (no gradio), so the app, the CLI and tests share them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ganlab.losses import LossPair
from ganlab.numbers import BLOWN_UP, human_number
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


@dataclass(frozen=True)
class Spread:
    """Where G's fakes are (the collapse Monitor's measures; None where they do not apply)."""

    coverage: float | None = None  # 2D: share of the real data's places that fakes reach
    on_data: float | None = None  # 2D: share of fakes that land on those places
    off_map: float | None = None  # 2D: share of fakes outside the picture
    class_shares: np.ndarray | None = None  # images: share of samples read as each class


@dataclass(frozen=True)
class GameState:
    """The one state a run is in, from which both the reading and the alarms are written."""

    kind: str  # start, diverged, collapse, d_wins, g_fools, equilibrium, not_on_data, tug, critic, scores
    d_real: float = math.nan  # D's mean verdict on real data over the last steps
    d_fake: float = math.nan  # ... and on G's fakes
    why: str = ""  # diverged: what blew up; collapse: how few places / which class


COLLAPSE_AFTER = 200  # steps before collapse alarms: an untrained G's samples all look alike (it has not
# learned yet, it has not collapsed); the healthy ring preset covers ≥ 90 % of the blobs by step 200
DIVERGE_WINDOW = 100  # a loss beyond BLOWN_UP (or NaN / Inf) in these last steps: training blew up
OFF_MAP_DIVERGED = 0.5  # more than half the fakes off the picture: blew up
OFF_MAP_COLLAPSE = 0.2  # collapse is read only while at most this share of fakes is off the picture
COVERED, ON_DATA = 0.75, 0.5  # "close to equilibrium" needs the fakes to reach and sit on the data


def _spread(quality) -> Spread:
    """A Spread from anything with its attributes (monitor.Quality), or an empty one."""
    if quality is None:
        return Spread()
    return Spread(*(getattr(quality, k, None) for k in ("coverage", "on_data", "off_map", "class_shares")))


def _blew_up(history: list, status: str, stop_reason: str, spread: Spread) -> str:
    """What blew up, in words ("" when nothing did): a NaN / Inf, huge losses, or fakes off the map."""
    if status == "diverged":
        return stop_reason or "a loss became NaN (not a number): training stopped"
    recent = history[-DIVERGE_WINDOW:]
    losses = np.array([[r.d_loss, r.g_loss] for r in recent], dtype=float).reshape(-1, 2)
    if not np.isfinite(losses).all():
        return "a loss became NaN or infinite"
    worst = float(np.abs(losses).max()) if len(losses) else 0.0
    if worst > BLOWN_UP:
        return f"the losses reached {human_number(worst)} (normal: about 0.5-2)"
    if history and spread.off_map is not None and spread.off_map > OFF_MAP_DIVERGED:
        return f"{100 * spread.off_map:.0f}% of the fakes were flung off the picture"
    return ""


def _collapsed(history: list, spread: Spread) -> str:
    """How G collapsed, in words ("" when it did not or it is too early to tell)."""
    if len(history) < COLLAPSE_AFTER:
        return ""
    shares = spread.class_shares
    if shares is not None and len(shares) and float(np.max(shares)) > 0.5:
        return f"{100 * float(np.max(shares)):.0f}% of samples look like class {int(np.argmax(shares))}"
    on_map = spread.off_map is None or spread.off_map <= OFF_MAP_COLLAPSE
    if spread.coverage is not None and spread.coverage < 0.5 and on_map:
        return f"generated points cover only {100 * spread.coverage:.0f}% of the regions where real data lies"
    return ""


def assess(history: list, loss: LossPair, quality=None, status: str = "", stop_reason: str = "",
           window: int = 50) -> GameState:
    """The state of the game: blown up first, then collapse, then who is winning (from D's verdicts)."""
    if not history:
        return GameState("start")
    spread = _spread(quality)
    recent = history[-window:]
    d_real = float(np.mean([r.d_real for r in recent]))
    d_fake = float(np.mean([r.d_fake for r in recent]))
    if why := _blew_up(history, status, stop_reason, spread):
        return GameState("diverged", d_real, d_fake, why)
    if why := _collapsed(history, spread):
        return GameState("collapse", d_real, d_fake, why)
    if loss.name == "wasserstein":
        return GameState("critic", d_real, d_fake)
    if d_real > 0.85 and d_fake < 0.15:
        return GameState("d_wins", d_real, d_fake)
    if loss.score != "probability":
        return GameState("scores", d_real, d_fake)
    if d_fake > d_real + 0.05:
        return GameState("g_fools", d_real, d_fake)
    if abs(d_real - 0.5) < 0.1 and abs(d_fake - 0.5) < 0.1:
        on_data = spread.coverage is None or (spread.coverage >= COVERED and (spread.on_data or 0) >= ON_DATA)
        return GameState("equilibrium" if on_data else "not_on_data", d_real, d_fake)
    return GameState("tug", d_real, d_fake)


def reading(history: list, loss: LossPair, window: int = 50, quality=None, status: str = "",
            stop_reason: str = "") -> str:
    """One plain-language line about the current state of the game (``quality``: where the fakes are)."""
    st = assess(history, loss, quality, status, stop_reason, window)
    real, fake = human_number(st.d_real, 2), human_number(st.d_fake, 2)
    scores = f"D scores real data {real} and fakes {fake}, where 1 = surely real and 0 = surely fake"
    weak = " (with the minimax loss they all but vanish)" if loss.name == "minimax" else ""
    spread = _spread(quality)
    texts = {
        "start": "Press Start (or Step) to begin: D and G take turns.",
        "diverged": f"Training blew up: {st.why}. The steps are far too big, so nothing useful is learned; "
                    "press Reset and try smaller learning rates.",
        "collapse": f"Mode collapse: {st.why}. G found a few outputs that fool D and stays on them"
                    + (f". D is winning: {scores}." if st.d_real > 0.85 and st.d_fake < 0.15 else "."),
        "critic": f"The critic scores real data {human_number(st.d_real - st.d_fake)} higher than fakes: this gap "
                  "estimates how far the fakes are from the data, and shrinks as G gets closer.",
        "d_wins": f"D is winning: {scores}. G gets weak gradients{weak}.",
        "scores": f"D outputs {real} for real and {fake} for fake data (it aims at 1 and 0; a draw is 0.5).",
        "g_fools": f"G is fooling D: D scores the fakes {fake}, higher than real data ({real}). "
                   "D will adapt on its next steps.",
        "equilibrium": f"Close to equilibrium: D can barely tell real from fake and the fakes sit on the data. "
                       f"{scores}.",
        "not_on_data": f"D cannot tell real from fake yet, but the fakes are not on the data: "
                       f"{_where_words(spread)}. G is still learning where the data lies. {scores}.",
        "tug": f"Tug of war: D is ahead and G is chasing it. {scores}.",
    }
    return texts[st.kind]


def _where_words(spread: Spread) -> str:
    """Where the fakes are, in words: how much of the data they reach and how many land on it."""
    reach = f"they reach {100 * (spread.coverage or 0):.0f}% of the places where real data lies"
    if spread.on_data is None:
        return reach
    return reach + f" and {'only ' if spread.on_data < ON_DATA else ''}{100 * spread.on_data:.0f}% of them land there"


def alarms(history: list, loss: LossPair, status: str = "", stop_reason: str = "",
           class_shares: np.ndarray | None = None, coverage: float | None = None,
           off_map: float | None = None, on_data: float | None = None) -> list[Alarm]:
    """Alarms, agreeing with ``reading``: a blow-up alone (it explains everything else), else D wins for
    many steps, no progress, and collapse (after COLLAPSE_AFTER steps, fakes on the picture)."""
    spread = Spread(coverage, on_data, off_map, class_shares)
    if why := _blew_up(history, status, stop_reason, spread):
        return [Alarm("diverged", f"Training blew up: {why}. Press Reset and try smaller learning rates "
                                  "(typical: 0.0001-0.001).")]
    out: list[Alarm] = []
    window = 100
    if len(history) >= window:
        d_loss = np.array([r.d_loss for r in history[-window:]])
        if loss.score == "probability" and loss.name != "hinge" and np.all(d_loss < 0.05):
            out.append(Alarm("d_wins", f"D's loss has been near 0 for {window} steps: D wins outright and G "
                                       "learns little. Lower D's learning rate, use fewer D steps (k), or "
                                       "switch to the non-saturating loss."))
        elif loss.name == "hinge" and np.all(d_loss < 0.05):
            out.append(Alarm("d_wins", "D's hinge loss is about 0: D wins outright. Lower D's learning rate."))
    if len(history) >= 400:
        g = np.array([r.g_loss for r in history[-400:]])
        fake = np.array([r.d_fake for r in history[-400:]])
        flat = abs(g[:200].mean() - g[200:].mean()) < 0.01 * (abs(g).mean() + 1e-3)
        if flat and (loss.score != "probability" or fake.mean() < 0.05):
            out.append(Alarm("no_progress", "No progress: G's loss has not moved for 400 steps. "
                                            "Try Reset with other learning rates or another loss."))
    if why := _collapsed(history, spread):
        out.append(Alarm("collapse", f"Mode collapse: {why}. G found a few outputs that fool D and stays there."))
    return out


def where_fakes_are(quality) -> str:
    """The 2D run's measures in plain words: how much of the data the fakes reach, how many land on it,
    how much fakes and real data overlap (the exact measures follow in brackets)."""
    spread = _spread(quality)
    if spread.coverage is None:
        return ""
    text = f"**Where the fakes are:** {_where_words(spread)}"
    if spread.off_map:
        text += f"; {100 * spread.off_map:.0f}% are off the picture"
    js, kl = getattr(quality, "js", None), getattr(quality, "kl", None)
    if js is not None:
        words = next(w for limit, w in OVERLAP if js < limit)
        text += (f". **Fakes and real data overlap:** {words} (Jensen-Shannon divergence {js:.2f} bits: "
                 f"0 = spread alike, 1 = apart; KL {human_number(kl)} bits)")
    return text + "."


OVERLAP = ((0.15, "a lot"), (0.4, "partly"), (0.75, "a little"), (math.inf, "hardly at all"))  # by JS, bits


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
    off = float(off_map(fake, extent).mean()) if len(fake) else 0.0
    return {"coverage": coverage, "on_data": on_data, "kl": kl, "js": js, "off_map": off}


def off_map(points: np.ndarray, extent: float) -> np.ndarray:
    """Which of ``points`` (N, 2) lie outside [-extent, extent]² (NaN ones count as outside)."""
    p = np.asarray(points, np.float64).reshape(-1, 2)
    with np.errstate(invalid="ignore"):
        return ~(np.abs(p) <= extent).all(1)


def push_lengths(arrows: np.ndarray) -> np.ndarray:
    """The length of each of G's pushes (N, 2) -> (N,), NaN ones as 0."""
    a = np.nan_to_num(np.asarray(arrows, np.float64).reshape(-1, 2), nan=0.0, posinf=0.0, neginf=0.0)
    return np.sqrt((a**2).sum(1))


def push_reference(arrows: np.ndarray, floor: float = 1e-6) -> float | None:
    """An arrow scale: the 95th-percentile push rounded to a power of ten (0.1, 1, 10 ...); None when
    the pushes are all about 0 (under ``floor``), so a later picture sets it."""
    lengths = push_lengths(arrows)
    ref = float(np.percentile(lengths, 95)) if len(lengths) else 0.0
    return float(10.0 ** round(math.log10(ref))) if ref > floor else None


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
