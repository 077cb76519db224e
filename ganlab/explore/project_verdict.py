"""How close is a projection, honestly (no UI): the difference map, its patches, and the verdict set
against real-vs-real yardsticks stored beside the model (``projection.json``, written by
``benchmarks/projection.py``).

A small distance alone does not mean G learned a picture: a generator's output space reaches beyond
its training data, and the search can steer it to paint a filled disk that no training digit looks
like. So the verdict asks four things, each against what *real* pictures of the data do:

- pixel distance and feature distance (the shipped classifier's features) no farther than the
  projections of 9 in 10 held-out real test images get;
- no patch of the difference map (connected pixels of ink missing or added) larger than any of
  those real projections left;
- the picture's ink share (pixels brighter than half) inside the range of 999 in 1,000 training images.

Only a picture that passes all four is "G can draw this"; one that fails only the distances, by
less than ``NEARLY`` times, "G almost draws this"; otherwise "G cannot draw this", naming what failed
and where the ink differs.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

INK = 0.5  # grey level (0..1) above which a pixel counts as ink in the difference map
REFERENCE_FILE = "projection.json"  # beside a model: how its projections of real test images fare
REGIONS = (("at the top left", "at the top", "at the top right"), ("on the left", "in the middle", "on the right"),
           ("at the bottom left", "at the bottom", "at the bottom right"))
NEARLY = 1.25  # distances up to this many times the real images' 90th percentile: "G almost draws this"


def luma(image: np.ndarray) -> np.ndarray:
    """Grey levels of a grey (H, W) or colour (H, W, C) picture."""
    return image.mean(-1) if image.ndim == 3 else image


def difference_map(target: np.ndarray, projection: np.ndarray) -> np.ndarray:
    """RGB uint8: red = the target's ink the projection lacks, blue = ink G added, white = both."""
    t = luma(target).astype(np.float32)
    p = luma(projection).astype(np.float32)
    return np.stack([t, np.minimum(t, p), p], -1).astype(np.uint8)


def ink_share(image: np.ndarray) -> float:
    """The share of a uint8 picture's pixels that are ink (brighter than half)."""
    return float((luma(np.asarray(image)) / 255.0 > INK).mean())


def largest_patch(mask: np.ndarray) -> np.ndarray:
    """The largest 8-connected patch of a boolean mask (all False when the mask is empty)."""
    labels, count = ndimage.label(mask, structure=np.ones((3, 3), bool))
    if count == 0:
        return np.zeros_like(mask, bool)
    sizes = np.bincount(labels.ravel())[1:]
    return labels == (int(np.argmax(sizes)) + 1)


def patches(target: np.ndarray, projection: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(largest patch of the target's ink G lacks, largest patch of ink G added), boolean masks."""
    t, q = luma(target) / 255.0 > INK, luma(projection) / 255.0 > INK
    return largest_patch(t & ~q), largest_patch(q & ~t)


def where(mask: np.ndarray) -> str:
    """Which ninth of the picture holds most of a mask ('at the top', 'bottom left', ...)."""
    h, w = mask.shape
    counts = [[mask[r * h // 3:(r + 1) * h // 3, q * w // 3:(q + 1) * w // 3].sum() for q in range(3)]
              for r in range(3)]
    r, q = np.unravel_index(int(np.argmax(counts)), (3, 3))
    return REGIONS[r][q]


@dataclass
class Reference:
    """Real-vs-real yardsticks for the distances (None where not measured)."""

    projected_pixel: tuple[float, float] | None = None  # median, 90th percentile of held-out real images projected
    projected_feature: tuple[float, float] | None = None
    projected_images: int = 0
    patch: float | None = None  # the largest difference patch (pixels) any of those projections left
    ink: tuple[float, float] | None = None  # 0.1th and 99.9th percentile of the training images' ink share
    nearest_pixel: float | None = None  # median distance of a held-out real image to its nearest training image
    nearest_feature: float | None = None


def read_reference(folder: str | os.PathLike | None) -> Reference:
    """The projection yardstick stored beside a model (``projection.json``), or an empty Reference."""
    file = Path(folder) / REFERENCE_FILE if folder is not None else None
    if file is None or not file.is_file():
        return Reference()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        pair = (lambda key: tuple(float(v) for v in data[key][:2]) if data.get(key) else None)
        return Reference(pair("pixel"), pair("feature"), int(data.get("images", 0)),
                         float(data["patch"][-1]) if data.get("patch") else None, pair("ink_share"))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return Reference()


def _failures(p: Any, ref: Reference, missing: np.ndarray, extra: np.ndarray) -> list[str]:
    """What keeps a projection from counting as close, each as a clause (empty: it is close)."""
    out = []
    share = ink_share(p.target)
    if ref.ink and share > ref.ink[1]:
        out.append(f"your picture is {share:.0%} ink, where 999 in 1,000 training images have at most "
                   f"{ref.ink[1]:.0%} (a filled shape, not a stroke)")
    elif ref.ink and share < ref.ink[0]:
        out.append(f"your picture is only {share:.1%} ink, where 999 in 1,000 training images have at least "
                   f"{ref.ink[0]:.1%}")
    limit = ref.patch if ref.patch is not None else 6.0
    if missing.sum() > limit:
        out.append(f"a patch of {int(missing.sum())} pixels of your ink {where(missing)} is missing from its picture "
                   f"(real test images' projections miss at most {limit:.0f})")
    if extra.sum() > limit:
        out.append(f"it adds a patch of {int(extra.sum())} pixels of its own {where(extra)}")
    if ref.projected_pixel and p.pixel_distance > ref.projected_pixel[1]:
        out.append(f"its closest picture is {p.pixel_distance:.3f} away in pixels, farther than 9 in 10 real test "
                   f"images get ({ref.projected_pixel[1]:.3f})")
    if ref.projected_feature and p.feature_distance is not None and p.feature_distance > ref.projected_feature[1]:
        out.append(f"in the classifier's features it is {p.feature_distance:.2f} away, farther than 9 in 10 real "
                   f"test images get ({ref.projected_feature[1]:.2f})")
    return out


def _nearly(p: Any, ref: Reference, failures: list[str]) -> bool:
    """True when only the distances fail, each by less than NEARLY times the real images' 90th percentile."""
    far = [f for f in failures if " away" in f]
    close_pixel = not ref.projected_pixel or p.pixel_distance <= NEARLY * ref.projected_pixel[1]
    return (len(far) == len(failures) and close_pixel
            and (not ref.projected_feature or p.feature_distance is None
                 or p.feature_distance <= NEARLY * ref.projected_feature[1]))


def _what_differs(target: np.ndarray, image: np.ndarray) -> str:
    """Where the ink differs in all, e.g. '15 pixels of your ink are missing (mostly in the middle)'."""
    t, q = luma(target) / 255.0 > INK, luma(image) / 255.0 > INK
    bits = [f"{int(m.sum())} pixels of your ink are missing (mostly {where(m)})" if k == 0 else
            f"it adds {int(m.sum())} of its own (mostly {where(m)})" for k, m in enumerate((t & ~q, q & ~t)) if m.sum()]
    return " and ".join(bits)


def verdict(p: Any) -> str:
    """One sentence on a Projection: can G draw it, and if not, what it cannot draw and why we say so."""
    ref = p.reference
    missing, extra = patches(p.target, p.image)
    length, usual = p.z_length, 1 + 3 / math.sqrt(2 * len(p.z))  # ||z||/sqrt(D) of N(0, I): 1 ± 1/sqrt(2D)
    odd = f"{length:.2f}× the typical length; random z stay below {usual:.2f}×"
    failures = _failures(p, ref, missing, extra)
    if not failures:
        unusual = f", but only from an unusual z ({odd})" if length > usual else ""
        if ref.projected_pixel is None:
            most = int(max(missing.sum(), extra.sum()))
            return f"G can draw this{unusual}: no patch of more than {most} pixels differs."
        feature = ("" if not ref.projected_feature or p.feature_distance is None else
                   f" and in the classifier's features ({p.feature_distance:.2f}; 9 in 10 below "
                   f"{ref.projected_feature[1]:.2f})")
        return (f"G can draw this{unusual}: its picture is as close as the projections of 9 in 10 real test "
                f"images get, in pixels ({p.pixel_distance:.3f}; 9 in 10 below {ref.projected_pixel[1]:.3f})"
                f"{feature}, with no large patch missing.")
    if _nearly(p, ref, failures):
        return (f"G almost draws this: {' and '.join(failures)}, though not by much (no large patch is missing)."
                + (f" It needs an unusual z ({odd})." if length > usual else ""))
    if not any("patch" in f or f.startswith("your picture") for f in failures) and _what_differs(p.target, p.image):
        failures.append(_what_differs(p.target, p.image))
    ink_t, ink_q = ink_share(p.target), ink_share(p.image)
    kind = "thick " if ink_t > 1.3 * max(ink_q, 1e-3) else ("thin " if ink_q > 1.3 * max(ink_t, 1e-3) else "")
    what = f"{kind}{p.label_name}s" if p.label_name else f"{kind}pictures"
    even = f"; and even that needs an unusual z ({odd})" if length > usual else ""
    copied = (f"; its search still found a look-alike ({p.pixel_distance:.3f} in pixels), which shows that G's "
              "space reaches beyond its training data, not that G learned such pictures"
              if failures[0].startswith("your picture is") and len(failures) == 1 else "")
    return f"G cannot draw this — it never learned {what} like this one: {'; '.join(failures)}{copied}{even}."
