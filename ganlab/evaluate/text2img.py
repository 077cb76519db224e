"""How well a text2img generator follows its sentences, read by the project's own classifier and the
same attribute measures that made the training captions (``ganlab.data.captions``).

- **digit**: for each digit word, the share of images of "a <word>" ("an eight") the classifier reads as
  that digit;
- **thick vs thin**, **right vs left**, **wide vs narrow**: for each digit, the same seeds drawn with
  both words ("a thick seven" / "a thin seven"); the share of pairs the measure orders the right way
  (strictly: a tie counts as wrong);
- **diversity**: mean pairwise pixel distance between images of one sentence across seeds, over the
  same distance between real test images of that digit (1 = as varied as the data, 0 = one image).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ganlab.data import Dataset
from ganlab.data.captions import DIGIT_WORDS, measure, parse
from ganlab.evaluate.quality import Classifier
from ganlab.sampling import Sampler, latents

PAIRS = (("thickness", "thick", "thin", "thick vs thin"), ("slant", "right", "left", "right vs left"),
         ("width", "wide", "narrow", "wide vs narrow"))
TEMPLATES = {"thick": "a thick {}", "thin": "a thin {}", "right": "a {} slanted right", "left": "a {} slanted left",
             "wide": "a wide {}", "narrow": "a narrow {}", "": "{}"}


def plain(word: str) -> str:
    """The plain sentence for a digit word: "a seven", "an eight"."""
    return f"{'an' if word == 'eight' else 'a'} {word}"


def draw(sampler: Sampler, text: str, z: np.ndarray) -> np.ndarray:
    """Images (float, [-1, 1]) of one sentence for each noise vector."""
    tokens = np.tile(parse(text).tokens, (len(z), 1))
    return sampler({"z": z, "tokens": tokens})


def mean_pairwise_distance(images: np.ndarray, limit: int = 200) -> float:
    """Mean Euclidean distance between all pairs of (the first ``limit``) images, pixels in [0, 1]."""
    x = (np.asarray(images[:limit], np.float64).reshape(min(len(images), limit), -1) + 1.0) / 2.0
    sq = (x * x).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0)
    n = len(x)
    return float(np.sqrt(d2)[np.triu_indices(n, 1)].mean()) if n > 1 else 0.0


def evaluate_text2img(gan, classifier: Classifier, real: Dataset | None = None, per_class: int = 100,
                      seed: int = 0) -> dict[str, Any]:
    """The issue's table for one text2img generator (see the module docstring)."""
    sampler = Sampler(gan)
    z = latents(per_class, gan.spec.latent_dim, seed)
    digit_acc, diversity, real_diversity = [], [], []
    ordered: dict[str, list[float]] = {name: [] for _, _, _, name in PAIRS}
    for d, word in enumerate(DIGIT_WORDS):
        images = draw(sampler, plain(word), z)
        digit_acc.append(float((classifier.predict(images) == d).mean()))
        diversity.append(mean_pairwise_distance(images))
        if real is not None and real.y is not None and (real.y == d).sum() > 1:
            real_diversity.append(mean_pairwise_distance(real.x[real.y == d][:per_class]))
        for key, high, low, name in PAIRS:
            a = measure(draw(sampler, TEMPLATES[high].format(word), z))[key]
            b = measure(draw(sampler, TEMPLATES[low].format(word), z))[key]
            ordered[name].append(float((a > b).mean()))
    result: dict[str, Any] = {
        "seeds_per_sentence": per_class,
        "digit_accuracy": round(float(np.mean(digit_acc)), 4),
        "per_digit_accuracy": {w: round(a, 4) for w, a in zip(DIGIT_WORDS, digit_acc)},
        "pairs_ordered": {name: round(float(np.mean(v)), 4) for name, v in ordered.items()},
        "per_digit_pairs_ordered": {name: [round(x, 3) for x in v] for name, v in ordered.items()},
        "diversity": round(float(np.mean(diversity)), 3),
        "per_digit_diversity": [round(x, 3) for x in diversity],
    }
    if len(real_diversity) == len(DIGIT_WORDS):
        result["real_diversity"] = round(float(np.mean(real_diversity)), 3)
        result["diversity_ratio"] = round(float(np.mean(np.array(diversity) / np.array(real_diversity))), 3)
        result["per_digit_diversity_ratio"] = [round(a / b, 3) for a, b in zip(diversity, real_diversity)]
    return result


def table(result: dict[str, Any]) -> str:
    """The result as a Markdown table: one row per digit word, a last row for all."""
    names = list(result["pairs_ordered"])
    ratio = "per_digit_diversity_ratio" in result
    head = ["sentence", "read as the digit", *names, "diversity" + (" (vs real)" if ratio else "")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for d, word in enumerate(DIGIT_WORDS):
        div = result["per_digit_diversity"][d]
        div_text = f"{div:.2f}" + (f" ({result['per_digit_diversity_ratio'][d]:.2f})" if ratio else "")
        cells = [f'"{plain(word)}"', f"{result['per_digit_accuracy'][word]:.0%}",
                 *[f"{result['per_digit_pairs_ordered'][n][d]:.0%}" for n in names], div_text]
        lines.append("| " + " | ".join(cells) + " |")
    div_all = f"{result['diversity']:.2f}" + (f" ({result['diversity_ratio']:.2f})" if ratio else "")
    cells = ["**all**", f"**{result['digit_accuracy']:.1%}**",
             *[f"**{result['pairs_ordered'][n]:.1%}**" for n in names], f"**{div_all}**"]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
