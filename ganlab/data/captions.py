"""Captions for MNIST made from what each image really shows: its label plus measured stroke
thickness, slant and width; the vocabulary, the sentence parser and the templates (NumPy only).

How each word is measured (on [0, 1] ink, 28×28):

- **thickness** (thin / medium / thick): ink area (sum of intensities) over skeleton length (pixels
  of the Zhang–Suen skeleton of the ink > 0.5): the mean stroke width in pixels (a little more for
  short thick strokes: the skeleton loses about half the width at each free end). Thin / medium /
  thick are the thirds of that digit's training images (per-digit terciles: a "thick one" is thick
  for a one).
- **slant** (left / upright / right): the shear of the ink from image moments, −μ11/μ02 with rows
  growing downwards (x shift per row upwards; > 0 leans right). Left / upright / right are the
  thirds of all training images (MNIST mostly leans right, so "upright" is near zero).
- **width** (narrow / wide): width of the ink's bounding box (columns with ink > 0.5). Narrow is
  at most the lower tercile edge of that digit's training images, wide at least the upper one (widths
  are whole pixels and MNIST caps them at 20, so the shares are not exactly thirds); the middle is
  not named.

A sentence is read word by word: numerals (0-9) and number words (zero … nine) name the digit,
filler words are ignored, and any other word is an error that lists the vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
THICKNESS = ("thin", "medium", "thick")
SLANT = ("left", "upright", "right")
WIDTH = ("narrow", "", "wide")  # the middle third has no word
ATTRIBUTES = ("digit", "thickness", "slant", "width")
PAD = "<pad>"
# the token table: 0 is padding, then the canonical content words
VOCAB: tuple[str, ...] = (PAD, *DIGIT_WORDS, *THICKNESS, *SLANT, "narrow", "wide")
TOKEN = {w: i for i, w in enumerate(VOCAB)}
SYNONYMS = {**{str(d): w for d, w in enumerate(DIGIT_WORDS)},
            "bold": "thick", "heavy": "thick", "fat": "thick", "fine": "thin", "light": "thin",
            "regular": "medium", "straight": "upright", "vertical": "upright", "leftward": "left",
            "rightward": "right", "slim": "narrow", "skinny": "narrow", "broad": "wide"}
FILLERS = frozenset((
    "a", "an", "the", "digit", "number", "numeral", "with", "and", "stroke", "strokes", "to", "leaning",
    "leans", "slanted", "slanting", "slant", "tilted", "written", "drawn", "handwritten", "of", "in",
    "is", "it", "that", "very", "quite", "rather", "pen", "line", "lines", "shape", "shaped", "looks",
    "please", "draw", "me", "write", "some", "towards", "toward", "side", "",
))
MAX_WORDS = 8  # content words a sentence may hold (the token length T)


class CaptionError(ValueError):
    """A sentence the model cannot read; the message lists the vocabulary."""


def vocabulary_text() -> str:
    """The words the model knows, one line per attribute, for error messages and the app."""
    syn = ", ".join(f"{k}→{v}" for k, v in SYNONYMS.items() if not k.isdigit())
    return (f"digits: 0-9 or {', '.join(DIGIT_WORDS)}; thickness: {', '.join(THICKNESS)}; "
            f"slant: {', '.join(SLANT)}; width: narrow, wide; also {syn}; "
            f"ignored: {', '.join(sorted(w for w in FILLERS if w))}")


@dataclass(frozen=True)
class Parsed:
    """A sentence read: its content words, their token ids (padded to MAX_WORDS), the digit it
    names (−1 if none) and the attribute values it names (−1 where it names none)."""

    words: tuple[str, ...]
    tokens: np.ndarray  # (MAX_WORDS,) int32
    digit: int
    attributes: tuple[int, int, int, int]  # digit, thickness, slant, width


def parse(text: str) -> Parsed:
    """Read a sentence into content words and tokens; CaptionError for unknown words or none."""
    raw = [w for w in re.split(r"[^a-z0-9']+", str(text).lower()) if w]
    words: list[str] = []
    for w in raw:
        if w in FILLERS:
            continue
        if w.isdigit() and len(w) > 1:
            raise CaptionError(f"{w!r} is not one digit: the model draws 0-9. Words it knows: {vocabulary_text()}")
        w = SYNONYMS.get(w, w)
        if w not in TOKEN or w == PAD:
            raise CaptionError(f"Unknown word {w!r}. Words the model knows: {vocabulary_text()}")
        words.append(w)
    if not words:
        raise CaptionError(f"No word the model knows in {text!r}. Words it knows: {vocabulary_text()}")
    if len(words) > MAX_WORDS:
        raise CaptionError(f"Too many words ({len(words)}): at most {MAX_WORDS} that are not filler words.")
    tokens = np.zeros(MAX_WORDS, np.int32)
    tokens[: len(words)] = [TOKEN[w] for w in words]
    attrs = [-1, -1, -1, -1]
    for w in words:  # the last word of an attribute wins
        for a, names in enumerate((DIGIT_WORDS, THICKNESS, SLANT, WIDTH)):
            if w in names:
                attrs[a] = names.index(w)
    return Parsed(tuple(words), tokens, attrs[0], (attrs[0], attrs[1], attrs[2], attrs[3]))


# -- attribute measures -------------------------------------------------------------------------
def _ink(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) ink in [0, 1] from images in [-1, 1] (N, H, W[, 1]) or uint8 (0 = background)."""
    x = np.asarray(images)
    if x.ndim == 4:
        x = x[..., 0]
    if x.ndim == 2:
        x = x[None]
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 255.0
    return np.clip((x.astype(np.float32) + 1.0) / 2.0, 0.0, 1.0)


def _zhang_suen_tables() -> tuple[np.ndarray, np.ndarray]:
    """For each of the 256 neighbourhoods (bit i = neighbour P(i+2), clockwise from north): whether
    the first / second Zhang–Suen sub-iteration deletes the centre pixel."""
    tables = np.zeros((2, 256), bool)
    for code in range(256):
        n = [(code >> i) & 1 for i in range(8)]
        b = sum(n)
        a = sum(n[i] == 0 and n[(i + 1) % 8] == 1 for i in range(8))
        ok = 2 <= b <= 6 and a == 1
        tables[0, code] = ok and n[0] * n[2] * n[4] == 0 and n[2] * n[4] * n[6] == 0
        tables[1, code] = ok and n[0] * n[2] * n[6] == 0 and n[0] * n[4] * n[6] == 0
    return tables[0], tables[1]


_ZS_TABLES = _zhang_suen_tables()


def skeleton(mask: np.ndarray) -> np.ndarray:
    """Zhang–Suen thinning of binary images (N, H, W), vectorised over the batch (lookup tables)."""
    img = np.pad(np.asarray(mask, bool), ((0, 0), (1, 1), (1, 1))).astype(np.uint8)
    h, w = img.shape[1] - 2, img.shape[2] - 2
    offsets = ((0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0), (0, 0))  # P2..P9 (row, col)
    active = np.arange(len(img))  # images that still change
    while len(active):
        changed = np.zeros(len(active), bool)
        for table in _ZS_TABLES:
            p = img[active]
            code = np.zeros((len(active), h, w), np.uint8)
            for bit, (r, c) in enumerate(offsets):
                code |= p[:, r : r + h, c : c + w] << bit
            kill = table[code] & (p[:, 1:-1, 1:-1] == 1)
            hit = kill.any(axis=(1, 2))
            changed |= hit
            p[:, 1:-1, 1:-1][kill] = 0
            img[active] = p
        active = active[changed]
    return img[:, 1:-1, 1:-1].astype(bool)


def thickness(images: np.ndarray) -> np.ndarray:
    """Mean stroke width in pixels: ink area over skeleton length (0 for an empty image)."""
    ink = _ink(images)
    length = skeleton(ink > 0.5).sum(axis=(1, 2))
    return np.where(length > 0, ink.sum(axis=(1, 2)) / np.maximum(length, 1), 0.0).astype(np.float32)


def slant(images: np.ndarray) -> np.ndarray:
    """Shear from image moments, −μ11/μ02 (columns per row upwards): > 0 leans right, < 0 left."""
    ink = _ink(images).astype(np.float64)
    h, w = ink.shape[1:]
    rows, cols = np.mgrid[:h, :w]
    mass = np.maximum(ink.sum(axis=(1, 2)), 1e-6)
    r0 = (ink * rows).sum(axis=(1, 2)) / mass
    c0 = (ink * cols).sum(axis=(1, 2)) / mass
    dr, dc = rows[None] - r0[:, None, None], cols[None] - c0[:, None, None]
    mu11 = (ink * dr * dc).sum(axis=(1, 2))
    mu02 = np.maximum((ink * dr * dr).sum(axis=(1, 2)), 1e-6)
    return (-mu11 / mu02).astype(np.float32)


def width(images: np.ndarray) -> np.ndarray:
    """Width in pixels of the bounding box of the ink (> 0.5); 0 for an empty image."""
    cols = (_ink(images) > 0.5).any(axis=1)
    first = np.argmax(cols, axis=1)
    last = cols.shape[1] - 1 - np.argmax(cols[:, ::-1], axis=1)
    return np.where(cols.any(axis=1), last - first + 1, 0).astype(np.float32)


def measure(images: np.ndarray) -> dict[str, np.ndarray]:
    """The three measures for a batch of images: thickness, slant, width (each (N,) float32)."""
    return {"thickness": thickness(images), "slant": slant(images), "width": width(images)}


@dataclass(frozen=True)
class Thresholds:
    """Where the words change: per-digit tercile edges of thickness and width, global ones of slant."""

    thickness: np.ndarray  # (10, 2)
    width: np.ndarray  # (10, 2)
    slant: np.ndarray  # (2,)

    def as_dict(self) -> dict[str, list]:
        """JSON-friendly (for the checkpoint card)."""
        return {"thickness": np.round(self.thickness, 3).tolist(), "width": np.round(self.width, 3).tolist(),
                "slant": np.round(self.slant, 4).tolist()}


def thresholds(measures: dict[str, np.ndarray], labels: np.ndarray, num_classes: int = 10) -> Thresholds:
    """Tercile edges measured on training images (a class with no image falls back to all images)."""
    def edges(v: np.ndarray) -> np.ndarray:
        return np.quantile(v, [1 / 3, 2 / 3]) if len(v) else np.zeros(2)

    per = {}
    for key in ("thickness", "width"):
        v = measures[key]
        per[key] = np.stack([edges(v[labels == c]) if (labels == c).any() else edges(v)
                             for c in range(num_classes)])
    return Thresholds(per["thickness"], per["width"], edges(measures["slant"]))


def attribute_classes(measures: dict[str, np.ndarray], labels: np.ndarray, t: Thresholds) -> np.ndarray:
    """(N, 4) int32: digit, thickness (0 thin, 1 medium, 2 thick), slant (0 left, 1 upright,
    2 right) and width (0 narrow, 1 middle, 2 wide) of each image."""
    labels = np.asarray(labels, np.int64)
    thick = (measures["thickness"] > t.thickness[labels, 0]).astype(int) + \
        (measures["thickness"] > t.thickness[labels, 1])
    wide = (measures["width"] > t.width[labels, 0]).astype(int) + (measures["width"] >= t.width[labels, 1])
    lean = (measures["slant"] > t.slant[0]).astype(int) + (measures["slant"] > t.slant[1])
    return np.stack([labels, thick, lean, wide], axis=1).astype(np.int32)


# -- sentences ----------------------------------------------------------------------------------
THICK_PHRASES = {0: ("thin", "thin stroke", "with a thin stroke", "fine"),
                 1: ("medium", "medium stroke", "with a medium stroke", "regular"),
                 2: ("thick", "thick stroke", "with a thick stroke", "bold")}
SLANT_PHRASES = {0: ("slanted left", "leaning left", "left", "leaning to the left"),
                 1: ("upright", "straight", "upright", "vertical"),
                 2: ("slanted right", "leaning right", "right", "leaning to the right")}
WIDTH_PHRASES = {0: ("narrow", "slim"), 2: ("wide", "broad")}


def sentence(attrs: tuple[int, int, int, int], rng: np.random.Generator) -> str:
    """A sentence naming the given attributes (−1: not named) in a random template."""
    digit, thick, lean, wide = attrs
    name = ""
    if digit >= 0:
        name = str(digit) if rng.random() < 0.4 else DIGIT_WORDS[digit]
    adjectives, phrases = [], []
    if thick >= 0:
        p = THICK_PHRASES[thick][rng.integers(4)]
        (adjectives if " " not in p else phrases).append(p)
    if wide >= 0 and wide != 1:
        adjectives.append(WIDTH_PHRASES[wide][rng.integers(2)])
    if lean >= 0:
        p = SLANT_PHRASES[lean][rng.integers(4)]
        (adjectives if p in ("upright", "straight", "vertical") else phrases).append(p)
    rng.shuffle(adjectives)
    rng.shuffle(phrases)
    style = rng.integers(3)
    if style == 0 or not name:  # "a thick narrow seven slanted right"
        head = " ".join([*adjectives, name or "digit"])
        article = "an" if head[:1] in "aeiou8" else "a"
        return " ".join([article, head, *phrases]).strip()
    if style == 1:  # "7, slanted right, thin stroke"
        return ", ".join([name, *adjectives, *phrases])
    return " ".join(["the", "digit" if rng.random() < 0.5 else "number", name, *adjectives, *phrases])


def training_captions(attrs: np.ndarray, seed: int = 0, digit_share: float = 0.9,
                      mention: float = 0.6) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """For each image's attributes (N, 4): a true sentence and a wrong one (one named attribute
    changed: GAN-INT-CLS's mismatched text). Returns tokens (N, T), wrong tokens (N, T), the named
    attributes (N, 4; −1 where not named) and the sentences."""
    rng = np.random.default_rng(seed)
    n = len(attrs)
    tokens = np.zeros((n, MAX_WORDS), np.int32)
    wrong = np.zeros((n, MAX_WORDS), np.int32)
    named = np.full((n, 4), -1, np.int32)
    texts: list[str] = []
    for i in range(n):
        a = attrs[i]
        pick = [rng.random() < digit_share, rng.random() < mention, rng.random() < mention,
                rng.random() < mention and a[3] != 1]
        if not any(pick):
            pick[0] = True
        right = tuple(int(a[j]) if pick[j] else -1 for j in range(4))
        text = sentence(right, rng)
        tokens[i] = parse(text).tokens
        named[i] = right
        texts.append(text)
        # the wrong sentence: one named attribute set to another value
        options = [j for j in range(4) if right[j] >= 0]
        j = 0 if right[0] >= 0 and rng.random() < 0.5 else options[rng.integers(len(options))]
        bad = list(right)
        if j == 0:
            bad[0] = (right[0] + rng.integers(1, 10)) % 10
        elif j == 3:
            bad[3] = 2 - right[3]
        else:
            bad[j] = (right[j] + rng.integers(1, 3)) % 3
        wrong[i] = parse(sentence(tuple(bad), rng)).tokens
    return tokens, wrong, named, texts


def digit_tokens(labels: np.ndarray) -> np.ndarray:
    """Tokens of the one-word sentence naming each digit (N, T): "seven" for 7."""
    out = np.zeros((len(labels), MAX_WORDS), np.int32)
    out[:, 0] = np.asarray(labels, np.int32) + TOKEN["zero"]
    return out
