"""Text to image with a text2img generator, without any UI: a sentence and a seed → images, and
each word's attention map (which word drew where: AttnGAN's word attention at 14×14)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from keras import ops

from ganlab import backend
from ganlab.checkpoints import LoadedGenerator, load_generator
from ganlab.data.captions import CaptionError, parse, vocabulary_text
from ganlab.images import to_uint8, upscale
from ganlab.models import generating_from
from ganlab.sampling import latents

DEFAULT_CHECKPOINT = "text2img-mnist"
MAX_COUNT = 64
EXAMPLES = ("a thick seven slanted right", "a thin seven slanted left", "7, slanted right, thin stroke",
            "a narrow upright 3", "a wide zero", "a narrow zero", "the digit 4 with a thick stroke",
            "a thin upright one", "two leaning left", "a bold eight")

__all__ = ["CaptionError", "Drawn", "TextModel", "attention_figure", "vocabulary_text"]


@dataclass
class Drawn:
    """One sentence drawn across seeds: images uint8 (N, 28, 28), the content words it read, their
    attention maps (N, len(words), 14, 14; each position's weights over the words sum to 1) and the
    digit it names (−1 if none)."""

    images: np.ndarray
    words: tuple[str, ...]
    attention: np.ndarray
    digit: int


class TextModel:
    """A loaded text2img generator with compiled inference of images and attention weights."""

    def __init__(self, loaded: LoadedGenerator):
        if loaded.gan.generates_from != "text":
            raise ValueError(f"{loaded.path} is a {loaded.gan.name} checkpoint, not "
                             f"{' or '.join(generating_from('text'))}.")
        self.loaded, self.gan = loaded, loaded.gan
        self._run = backend.compile_step(lambda latent: self.gan.attention(latent),
                                         list(self.gan.generator.variables))

    @classmethod
    def load(cls, name_or_path: str | os.PathLike = DEFAULT_CHECKPOINT) -> TextModel:
        """Load a checkpoint folder or shipped name."""
        return cls(load_generator(name_or_path, generates_from="text"))

    def draw(self, text: str, seed: int = 0, count: int = 1) -> Drawn:
        """``count`` images of one sentence, noise from ``seed`` as ``generate --seed`` draws it (image i
        is the same for a given seed whatever the count); CaptionError for a sentence it cannot read."""
        count = int(count)
        if not 1 <= count <= MAX_COUNT:
            raise ValueError(f"count must be between 1 and {MAX_COUNT}; got {count}")
        parsed = parse(text)
        z = latents(count, self.gan.spec.latent_dim, int(seed))
        tokens = np.tile(parsed.tokens, (count, 1))
        images, weights = self._run({"z": z, "tokens": tokens})
        images, weights = ops.convert_to_numpy(images), ops.convert_to_numpy(weights)
        n = len(parsed.words)
        side = round(float(np.sqrt(weights.shape[1])))
        maps = np.transpose(weights[:, :, :n], (0, 2, 1)).reshape(count, n, side, side)
        return Drawn(to_uint8(images), parsed.words, maps, parsed.digit)


def heat(image: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """An RGB picture of one word's attention over the digit: the digit in grey, the weights
    (scaled to their maximum) in red-yellow on top."""
    size = image.shape[0]
    w = upscale(np.asarray(weights, np.float32), size // weights.shape[0])
    w = w / max(float(w.max()), 1e-6)
    grey = image.astype(np.float32) / 255.0 * 0.6
    rgb = np.stack([np.maximum(grey, w), np.maximum(grey, w * w), grey], axis=-1)
    return (np.clip(rgb, 0, 1) * 255).astype(np.uint8)


def attention_figure(drawn: Drawn, rows: int = 4, scale: int = 4) -> np.ndarray:
    """One RGB picture: a row per seed (at most ``rows``), the image then one attention map per word."""
    n = min(rows, len(drawn.images))
    size = drawn.images.shape[1]
    pad = 2
    cols = 1 + len(drawn.words)
    out = np.full((n * (size + pad) + pad, cols * (size + pad) + pad, 3), 40, np.uint8)
    for r in range(n):
        tiles = [np.repeat(drawn.images[r][..., None], 3, axis=-1)]
        tiles += [heat(drawn.images[r], drawn.attention[r, j]) for j in range(len(drawn.words))]
        for c, tile in enumerate(tiles):
            y, x = pad + r * (size + pad), pad + c * (size + pad)
            out[y : y + size, x : x + size] = tile
    return upscale(out, scale)
