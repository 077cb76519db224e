"""What a trained InfoGAN's codes mean, measured with the independent classifier and image moments.

- ``category_mapping``: which categorical code draws which digit, read by the independent
  classifier; the best one-to-one code→digit assignment (Hungarian) and its accuracy.
- ``measure_codes``: what each continuous code does, measured with image moments on the same
  noise while one code moves: slant angle, stroke thickness, ink area, digit width.
- ``evaluate_infogan``: both, as the card's InfoGAN section.
"""

from __future__ import annotations

from typing import Any

import numpy as np

InfoGANModel = Any  # a loaded InfoGAN (ganlab.explore.infogan.InfoGANModel): measured here, loaded there


MEASURE_VALUES = (-1.0, -0.5, 0.0, 0.5, 1.0)  # the training range: where meanings are measured
# What a continuous code can "look like", and the image measurement that tells it.
MEANINGS = {"rotation": "slant_deg", "thickness": "stroke_px", "width": "width_px"}
CLEAR_FIT = 0.2  # share of the pixel change an edit family must explain to name a code


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


# -- evaluation for the card ----------------------------------------------------------------
def evaluate_infogan(model: InfoGANModel, classifier, per_category: int = 500, samples: int = 300,
                     seed: int = 0) -> dict[str, Any]:
    """The card's InfoGAN section: category→digit mapping and accuracy, and each code's meaning."""
    result = category_mapping(model, classifier, per_category, seed)
    result["paper_accuracy"] = 0.95  # Chen et al. 2016, Table/section 5.1 (MNIST, ~5% error)
    result["codes"] = measure_codes(model, samples, seed=seed)
    result["code_meanings"] = [c["looks_like"] for c in result["codes"]]
    return result
