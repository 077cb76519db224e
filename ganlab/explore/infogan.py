"""Exploring a trained InfoGAN (no UI): sample with chosen codes, find what the codes mean.

- ``category_mapping``: which categorical code draws which digit, read by the independent
  classifier; the best one-to-one code→digit assignment (Hungarian) and its accuracy.
- ``measure_codes``: what each continuous code does, measured with image moments on the same
  noise while one code moves: slant angle, stroke thickness, ink area, digit width.
- ``sweep`` / ``figure``: the rows × columns picture (rows = categories, columns = code values).
- ``Explorer``: the Playground panel's logic (cached models, one call per slider move).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ganlab.checkpoints import LoadedGenerator, load_generator, read_card, shipped_names
from ganlab.sampling import Sampler, latents

FIGURE_VALUES = (-2.0, -1.0, 0.0, 1.0, 2.0)  # beyond the training range [-1, 1] at both ends
MEASURE_VALUES = (-1.0, -0.5, 0.0, 0.5, 1.0)  # the training range: where meanings are measured
# What a continuous code can "look like", and the image measurement that tells it.
MEANINGS = {"rotation": "slant_deg", "thickness": "stroke_px", "width": "width_px"}
CLEAR_FIT = 0.2  # share of the pixel change an edit family must explain to name a code


@dataclass
class InfoGANModel:
    """A loaded InfoGAN generator with compiled inference."""

    loaded: LoadedGenerator
    sampler: Sampler

    @property
    def card(self) -> dict[str, Any]:
        """The checkpoint card."""
        return self.loaded.card

    @property
    def categories(self) -> int:
        """Number of values of the categorical code."""
        return self.loaded.gan.categories

    @property
    def continuous(self) -> int:
        """Number of continuous codes."""
        return self.loaded.gan.continuous

    @property
    def latent_dim(self) -> int:
        """Size of the noise vector z."""
        return self.loaded.gan.spec.latent_dim

    def generate(self, z: np.ndarray, categories: np.ndarray, cont: np.ndarray) -> np.ndarray:
        """Images (N, H, W, C) in [-1, 1] for noise, category ints and continuous codes."""
        n = len(z)
        latent = {"z": np.asarray(z, np.float32),
                  "c_cat": np.broadcast_to(np.asarray(categories, np.int32), (n,)).copy(),
                  "c_cont": np.broadcast_to(np.asarray(cont, np.float32), (n, self.continuous)).copy()}
        return self.sampler(latent)


def is_infogan(card: dict[str, Any]) -> bool:
    """True when a checkpoint card describes an InfoGAN."""
    return card.get("model") == "infogan"


def load_infogan(name_or_path: str | os.PathLike) -> InfoGANModel:
    """Load an InfoGAN checkpoint (folder or shipped name), refusing other models clearly."""
    loaded = load_generator(name_or_path)
    if not is_infogan(loaded.card):
        raise ValueError(f"{name_or_path!r} is a {loaded.card.get('model')!r} model, not an InfoGAN: "
                         "its latent space has no codes to explore.")
    return InfoGANModel(loaded, Sampler(loaded.gan))


def infogan_checkpoints(extra: dict[str, Path] | None = None) -> dict[str, str]:
    """InfoGAN checkpoints to offer: shipped ones by name, then ``extra`` (name -> folder)."""
    found: dict[str, str] = {}
    for name in shipped_names():
        try:
            if is_infogan(read_card(name)):
                found[name] = name
        except ValueError:
            continue
    for name, path in (extra or {}).items():
        try:
            if is_infogan(read_card(path)):
                found[name] = str(path)
        except ValueError:
            continue
    return found


# -- what the categorical code means --------------------------------------------------------
def category_mapping(model: InfoGANModel, classifier, per_category: int = 500,
                     seed: int = 0) -> dict[str, Any]:
    """Best one-to-one category→digit assignment (Hungarian) on classifier readings, and its accuracy.

    For each category, ``per_category`` samples with fresh noise and continuous codes uniform in
    [-1, 1] (as in training). Accuracy = share of all samples read as their category's digit.
    """
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(seed)
    k = model.categories
    n_cls = len(classifier.class_names)
    cats = np.repeat(np.arange(k, dtype=np.int32), per_category)
    z = rng.standard_normal((len(cats), model.latent_dim)).astype(np.float32)
    cont = rng.uniform(-1, 1, (len(cats), model.continuous)).astype(np.float32)
    pred = classifier.predict(model.generate(z, cats, cont))
    confusion = np.zeros((k, n_cls), np.int64)
    np.add.at(confusion, (cats, pred), 1)
    rows, cols = linear_sum_assignment(-confusion)
    mapping = {int(r): int(c) for r, c in zip(rows, cols)}
    hits = sum(int(confusion[r, c]) for r, c in mapping.items())
    purity = confusion.max(1).sum() / confusion.sum()
    return {
        "mapping": {str(r): mapping.get(r) for r in range(k)},  # category -> digit (None if unmatched)
        "accuracy": round(hits / len(cats), 4),
        "per_category_accuracy": [round(float(confusion[r, mapping[r]] / per_category), 4)
                                  if r in mapping else 0.0 for r in range(k)],
        "majority_purity": round(float(purity), 4),  # each category's most common digit, not one-to-one
        "confusion": confusion.tolist(),
        "samples": len(cats),
        "classifier_names": list(classifier.class_names),
    }


# -- what the continuous codes mean ---------------------------------------------------------
def image_stats(images: np.ndarray) -> dict[str, np.ndarray]:
    """Per-image shape measurements from moments of the ink (images in [-1, 1]).

    slant_deg: angle of the ink's vertical axis from upright, from second moments
    (atan(mu11 / mu02), positive = top leans right). stroke_px: stroke thickness = ink area /
    half the ink outline (a stroke of width w and length L has area wL and outline ~2L).
    ink_px: ink area in pixels. width_px: horizontal spread (2 × standard deviation of x).
    """
    x = np.asarray(images, np.float64)
    if x.ndim == 4:
        x = x[..., 0]
    ink = np.clip((x + 1.0) / 2.0, 0.0, 1.0)
    _, h, w = ink.shape
    cols = np.arange(w, dtype=np.float64)[None, None, :]
    rows_up = (h - 1 - np.arange(h, dtype=np.float64))[None, :, None]  # y points up
    mass = ink.sum((1, 2)) + 1e-9
    mx = (ink * cols).sum((1, 2)) / mass
    my = (ink * rows_up).sum((1, 2)) / mass
    dx = cols - mx[:, None, None]
    dy = rows_up - my[:, None, None]
    mu11 = (ink * dx * dy).sum((1, 2)) / mass
    mu02 = (ink * dy * dy).sum((1, 2)) / mass
    mu20 = (ink * dx * dx).sum((1, 2)) / mass
    mask = ink > 0.5
    area = mask.sum((1, 2)).astype(np.float64)
    padded = np.pad(mask, ((0, 0), (1, 1), (1, 1)))
    outline = (np.abs(np.diff(padded.astype(np.int8), axis=1)).sum((1, 2))
               + np.abs(np.diff(padded.astype(np.int8), axis=2)).sum((1, 2))).astype(np.float64)
    return {
        "slant_deg": np.degrees(np.arctan2(mu11, mu02 + 1e-9)),
        "stroke_px": 2.0 * area / np.maximum(outline, 1.0),
        "ink_px": area,
        "width_px": 2.0 * np.sqrt(np.maximum(mu20, 0.0)),
    }


def _transforms(image: np.ndarray) -> dict[str, list[tuple[float, np.ndarray]]]:
    """Candidate edits of one image (H, W) in [-1, 1]: (parameter, edited image) per family.

    rotation: degrees counter-clockwise about the ink's centre; width: horizontal stretch factor
    about the ink's centre; thickness: blend toward a 3×3 dilation (+) or erosion (−) of the ink.
    """
    from scipy import ndimage

    ink = np.clip((image + 1.0) / 2.0, 0.0, 1.0)
    h, w = ink.shape
    mass = ink.sum() + 1e-9
    cy = float((ink * np.arange(h)[:, None]).sum() / mass)
    cx = float((ink * np.arange(w)[None, :]).sum() / mass)
    centre = np.array([cy, cx])
    out: dict[str, list[tuple[float, np.ndarray]]] = {"rotation": [], "width": [], "thickness": []}
    for deg in np.arange(-40.0, 41.0, 4.0):
        t = np.radians(deg)
        m = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])  # output -> input coords
        out["rotation"].append((float(deg), ndimage.affine_transform(
            ink, m, offset=centre - m @ centre, order=1, cval=0.0)))
    for factor in np.linspace(0.6, 1.6, 21):
        m = np.diag([1.0, 1.0 / factor])
        out["width"].append((float(factor), ndimage.affine_transform(
            ink, m, offset=centre - m @ centre, order=1, cval=0.0)))
    grown, thinned = ndimage.grey_dilation(ink, size=(3, 3)), ndimage.grey_erosion(ink, size=(3, 3))
    for level in np.linspace(-1.0, 1.0, 21):
        target = grown if level > 0 else thinned
        out["thickness"].append((float(level), (1 - abs(level)) * ink + abs(level) * target))
    return out


def fit_change(before: np.ndarray, after: np.ndarray) -> dict[str, dict[str, float]]:
    """How well each edit family (rotation, width, thickness) turns ``before`` into ``after``.

    Per sample: the best parameter of each family and the share of the pixel difference it
    explains (1 − MSE(edit(before), after) / MSE(before, after)). Returns means and medians.
    """
    a = np.asarray(before, np.float64)[..., 0]
    b = np.clip((np.asarray(after, np.float64)[..., 0] + 1.0) / 2.0, 0.0, 1.0)
    explained: dict[str, list[float]] = {k: [] for k in MEANINGS}
    params: dict[str, list[float]] = {k: [] for k in MEANINGS}
    for img, target in zip(a, b):
        base = float(((np.clip((img + 1.0) / 2.0, 0, 1) - target) ** 2).mean()) + 1e-9
        for family, candidates in _transforms(img).items():
            errs = [float(((edit - target) ** 2).mean()) for _, edit in candidates]
            i = int(np.argmin(errs))
            explained[family].append(1.0 - errs[i] / base)
            params[family].append(candidates[i][0])
    return {f: {"explained": round(float(np.mean(explained[f])), 3),
                "parameter_median": round(float(np.median(params[f])), 3)} for f in MEANINGS}


def measure_codes(model: InfoGANModel, samples: int = 300, values: tuple[float, ...] = MEASURE_VALUES,
                  seed: int = 0, fit_samples: int = 100) -> list[dict[str, Any]]:
    """For each continuous code: how the image measurements change as only that code moves.

    Each of ``samples`` (noise, category, other codes) is drawn once and rendered at every value
    of the code. Per measurement: the mean change from the lowest to the highest value, the
    share of samples that change in the same direction, and the effect = mean change divided by
    the measurement's spread across samples (how big the change is next to natural variety).

    The name comes from ``fit_change`` between the images at the lowest and highest value: the
    edit family (rotation, width, thickness) that explains most of the pixel change, if it
    explains at least ``CLEAR_FIT`` of it (joined by " & " with any family explaining at least
    3/4 as much, e.g. "width & thickness"); else "unclear". (Moments alone confuse a tilt with a
    change of width, since a tilted digit is also wider.)
    """
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((samples, model.latent_dim)).astype(np.float32)
    cats = rng.integers(0, model.categories, samples).astype(np.int32)
    base = rng.uniform(-1, 1, (samples, model.continuous)).astype(np.float32)
    vals = np.asarray(values, np.float32)
    results = []
    for j in range(model.continuous):
        cont = np.repeat(base[:, None, :], len(vals), axis=1)
        cont[:, :, j] = vals[None, :]
        images = model.generate(np.repeat(z, len(vals), 0), np.repeat(cats, len(vals)),
                                cont.reshape(-1, model.continuous))
        stats = {k: v.reshape(samples, len(vals)) for k, v in image_stats(images).items()}
        measures = {}
        for name, s in stats.items():
            change = s[:, -1] - s[:, 0]
            spread = float(s.std(axis=0).mean()) + 1e-9
            slope = np.polyfit(vals, s.T, 1)[0]  # per-sample least-squares slope
            measures[name] = {
                "change": round(float(change.mean()), 3),  # from values[0] to values[-1]
                "same_direction": round(float(max((change > 0).mean(), (change < 0).mean())), 3),
                "slope_per_unit": round(float(slope.mean()), 3),
                "spread": round(spread, 3),
                "effect": round(float(change.mean()) / spread, 3),
            }
        ends = images.reshape(samples, len(vals), *images.shape[1:])
        fits = fit_change(ends[:fit_samples, 0], ends[:fit_samples, -1])
        ranked = sorted(fits, key=lambda f: -fits[f]["explained"])
        top = fits[ranked[0]]["explained"]
        name = " & ".join(f for f in ranked if fits[f]["explained"] >= max(CLEAR_FIT, 0.75 * top))
        results.append({"code": j + 1, "looks_like": name or "unclear",
                        "values": [float(v) for v in vals], "samples": samples,
                        "measures": measures, "fit": fits, "fit_samples": min(fit_samples, samples)})
    return results


def describe_code(code: dict[str, Any]) -> str:
    """One line with the numbers behind a code's name (edit fits, then moment changes)."""
    m, fit = code["measures"], code.get("fit") or {}
    lo, hi = code["values"][0], code["values"][-1]
    fits = []
    if fit:
        fits = [f"rotation explains {fit['rotation']['explained']:.0%} of the pixel change "
                f"(median {fit['rotation']['parameter_median']:+.0f}° counter-clockwise)",
                f"thickness {fit['thickness']['explained']:.0%} "
                f"(median {'thicker' if fit['thickness']['parameter_median'] > 0 else 'thinner'})",
                f"width {fit['width']['explained']:.0%} (median ×{fit['width']['parameter_median']:.2f})"]
    moments = [f"slant {m['slant_deg']['change']:+.1f}° ({m['slant_deg']['same_direction']:.0%} same way)",
               f"stroke {m['stroke_px']['change']:+.2f} px ({m['stroke_px']['same_direction']:.0%})",
               f"ink {m['ink_px']['change']:+.0f} px", f"width {m['width_px']['change']:+.2f} px"]
    return (f"code {code['code']} (looks like: {code['looks_like']}), from {lo:g} to {hi:g}: "
            + "; ".join(fits + moments))


# -- card helpers ---------------------------------------------------------------------------
def infogan_quality(card: dict[str, Any]) -> dict[str, Any]:
    """The measured InfoGAN section of a card (empty if never measured)."""
    return dict((card.get("quality") or {}).get("infogan") or {})


def code_meanings(card: dict[str, Any], continuous: int = 2) -> list[str]:
    """What each continuous code looks like, from the card ('not measured' when absent)."""
    codes = infogan_quality(card).get("codes") or []
    found = {int(c["code"]): str(c["looks_like"]) for c in codes}
    return [found.get(j + 1, "not measured") for j in range(continuous)]


def slider_label(card: dict[str, Any], index: int, continuous: int = 2) -> str:
    """Honest slider label, e.g. 'code 1 (looks like: rotation)'."""
    return f"code {index + 1} (looks like: {code_meanings(card, continuous)[index]})"


def category_names(card: dict[str, Any], categories: int = 10) -> list[str]:
    """Label per category: "category 3: reads as 7 (96%)" where measured, else "category 3"."""
    q = infogan_quality(card)
    mapping, acc = q.get("mapping") or {}, q.get("per_category_accuracy") or []
    names = list(card.get("class_names") or [])
    labels = []
    for c in range(categories):
        digit = mapping.get(str(c))
        if digit is None:
            labels.append(f"category {c}")
            continue
        shown = names[digit] if digit < len(names) else str(digit)
        share = f" ({acc[c]:.0%})" if c < len(acc) else ""
        labels.append(f"category {c}: reads as {shown}{share}")
    return labels


def category_order(card: dict[str, Any], categories: int = 10) -> list[int]:
    """Categories sorted by the digit they map to (unmapped last), so figures read 0..9."""
    mapping = infogan_quality(card).get("mapping") or {}
    return sorted(range(categories), key=lambda c: (mapping.get(str(c)) is None,
                                                    mapping.get(str(c)) or 0, c))


# -- the rows × columns figure --------------------------------------------------------------
def sweep(model: InfoGANModel, code: int, values: tuple[float, ...] = FIGURE_VALUES,
          categories: list[int] | None = None, seed: int = 0,
          others: tuple[float, ...] | None = None) -> np.ndarray:
    """Images (rows, columns, H, W, C): rows = categories, columns = values of continuous ``code``.

    One noise vector (from ``seed``) for the whole figure, so only the codes change; the other
    continuous codes stay at ``others`` (default 0).
    """
    if not 0 <= code < model.continuous:
        raise ValueError(f"code must be between 1 and {model.continuous}; got {code + 1}")
    cats = list(range(model.categories)) if categories is None else list(categories)
    vals = np.asarray(values, np.float32)
    z = np.repeat(latents(1, model.latent_dim, seed), len(cats) * len(vals), 0)
    cont = np.zeros((len(cats), len(vals), model.continuous), np.float32)
    if others is not None:
        cont[:] = np.asarray(others, np.float32)[None, None, :]
    cont[:, :, code] = vals[None, :]
    images = model.generate(z, np.repeat(np.asarray(cats, np.int32), len(vals)),
                            cont.reshape(-1, model.continuous))
    return images.reshape(len(cats), len(vals), *images.shape[1:])


def figure(images: np.ndarray, row_labels: list[str], values: tuple[float, ...], title: str,
           highlight: float | None = None, scale: int = 3) -> np.ndarray:
    """Render a sweep as an RGB uint8 array with labelled rows and columns (PIL, ~10 ms).

    ``highlight``: outline the column whose value is nearest to it (the slider's position).
    """
    from PIL import Image, ImageDraw, ImageFont

    from ganlab.images import to_uint8, upscale

    rows, cols = images.shape[:2]
    h, w = images.shape[2] * scale, images.shape[3] * scale
    pad, left, font = 4, 190, ImageFont.load_default(size=14)
    title_lines = title.split("\n")
    top = 10 + 18 * len(title_lines) + 30
    canvas = Image.new("RGB", (left + cols * (w + pad) + pad, top + rows * (h + pad) + pad), "white")
    draw = ImageDraw.Draw(canvas)
    for k, line in enumerate(title_lines):
        draw.text((canvas.width // 2, 8 + 18 * k), line, fill="black", font=font, anchor="ma")
    marked = None if highlight is None else int(np.argmin(np.abs(np.asarray(values) - highlight)))
    tiles = to_uint8(images.reshape(rows * cols, *images.shape[2:]))
    for c in range(cols):
        x = left + pad + c * (w + pad)
        draw.text((x + w // 2, top - 6), f"{values[c]:+g}", fill="black", font=font, anchor="md")
    for r in range(rows):
        y = top + pad + r * (h + pad)
        draw.text((left - 8, y + h // 2), row_labels[r], fill="black", font=font, anchor="rm")
        for c in range(cols):
            x = left + pad + c * (w + pad)
            canvas.paste(Image.fromarray(upscale(tiles[r * cols + c], scale)).convert("RGB"), (x, y))
            if c == marked:
                draw.rectangle((x - 2, y - 2, x + w + 1, y + h + 1), outline="#e4572e", width=2)
    return np.asarray(canvas)


def code_figure(model: InfoGANModel, code: int, seed: int = 0,
                values: tuple[float, ...] = FIGURE_VALUES, others: tuple[float, ...] | None = None,
                highlight: float | None = None) -> np.ndarray:
    """The rows × columns figure for one continuous code, rows ordered by the digit they draw."""
    card = model.card
    order = category_order(card, model.categories)
    names = category_names(card, model.categories)
    images = sweep(model, code, values, order, seed, others)
    meaning = code_meanings(card, model.continuous)[code]
    title = (f"rows: categorical code · columns: continuous code {code + 1} (looks like: {meaning})\n"
             "trained with codes in [-1, 1]; the outer columns (±2) go beyond")
    return figure(images, [names[c].replace("category ", "cat ") for c in order], values, title,
                  highlight)


# -- evaluation for the card ----------------------------------------------------------------
def evaluate_infogan(model: InfoGANModel, classifier, per_category: int = 500, samples: int = 300,
                     seed: int = 0) -> dict[str, Any]:
    """The card's InfoGAN section: category→digit mapping and accuracy, and each code's meaning."""
    result = category_mapping(model, classifier, per_category, seed)
    result["paper_accuracy"] = 0.95  # Chen et al. 2016, Table/section 5.1 (MNIST, ~5% error)
    result["codes"] = measure_codes(model, samples, seed=seed)
    result["code_meanings"] = [c["looks_like"] for c in result["codes"]]
    return result


# -- the Playground panel's logic ------------------------------------------------------------
class Explorer:
    """Loaded InfoGANs (a few, least recently used dropped) and the views the panel shows."""

    def __init__(self, max_models: int = 3):
        self.max_models = max_models
        self._models: OrderedDict[str, InfoGANModel] = OrderedDict()

    def model(self, checkpoint: str) -> InfoGANModel:
        """The loaded model for a checkpoint name or folder (cached)."""
        if not checkpoint:
            raise ValueError("Pick an InfoGAN model first.")
        key = str(checkpoint)
        if key in self._models:
            self._models.move_to_end(key)
            return self._models[key]
        model = load_infogan(checkpoint)
        self._models[key] = model
        while len(self._models) > self.max_models:
            self._models.popitem(last=False)
        return model

    def controls(self, checkpoint: str) -> dict[str, Any]:
        """Labels for the panel: category choices (label, index) and the two slider names."""
        model = self.model(checkpoint)
        names = category_names(model.card, model.categories)
        order = category_order(model.card, model.categories)
        q = infogan_quality(model.card)
        return {
            "categories": [(names[c], c) for c in order],
            "sliders": [slider_label(model.card, j, model.continuous) for j in range(model.continuous)],
            "accuracy": q.get("accuracy"),
            "codes": q.get("codes") or [],
        }

    def view(self, checkpoint: str, category: int, c1: float, c2: float, seed: int = 0,
             vary: int = 0, scale: int = 8) -> tuple[np.ndarray, np.ndarray]:
        """(one enlarged sample for the chosen codes, the rows × columns figure for code ``vary``)."""
        from ganlab.images import upscale

        model = self.model(checkpoint)
        category = int(category)
        if not 0 <= category < model.categories:
            raise ValueError(f"category must be between 0 and {model.categories - 1}; got {category}")
        cont = np.zeros(model.continuous, np.float32)
        cont[:2] = [float(c1), float(c2)][: model.continuous]
        z = latents(1, model.latent_dim, int(seed))
        image = model.generate(z, np.array([category]), cont[None, :])[0]
        from ganlab.images import to_uint8

        big = upscale(to_uint8(image[None])[0], scale)  # (H, W) grayscale
        others = tuple(float(v) for v in cont)
        fig = code_figure(model, int(vary), int(seed), others=others, highlight=others[int(vary)])
        return big, fig
