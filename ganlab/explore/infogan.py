"""Exploring a trained InfoGAN (no UI): sample with chosen codes and show what they mean.

- ``sweep`` / ``figure``: the rows × columns picture (rows = categories, columns = code values).
- card helpers: the honest labels (what each code was *measured* to do, see ganlab.evaluate.infogan).
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
from ganlab.images import to_uint8, upscale
from ganlab.models import model_of
from ganlab.models.infogan import InfoGAN
from ganlab.sampling import Sampler, latents

FIGURE_VALUES = (-2.0, -1.0, 0.0, 1.0, 2.0)  # beyond the training range [-1, 1] at both ends


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
    """True when a checkpoint card describes an InfoGAN (or a model built on it)."""
    cls = model_of(card)
    return cls is not None and issubclass(cls, InfoGAN)


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


# -- card helpers ---------------------------------------------------------------------------
def infogan_quality(card: dict[str, Any]) -> dict[str, Any]:
    """The measured InfoGAN section of a card (empty if never measured)."""
    return InfoGAN.own_quality(card.get("quality"))


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
          others: tuple[float, ...] | None = None, z: np.ndarray | None = None) -> np.ndarray:
    """Images (rows, columns, H, W, C): rows = categories, columns = values of continuous ``code``.

    One noise vector (``z``, else drawn from ``seed``) for the whole figure, so only the codes change;
    the other continuous codes stay at ``others`` (default 0).
    """
    if not 0 <= code < model.continuous:
        raise ValueError(f"code must be between 1 and {model.continuous}; got {code + 1}")
    cats = list(range(model.categories)) if categories is None else list(categories)
    vals = np.asarray(values, np.float32)
    z = latents(1, model.latent_dim, seed) if z is None else np.asarray(z, np.float32).reshape(1, -1)
    z = np.repeat(z, len(cats) * len(vals), 0)
    cont = np.zeros((len(cats), len(vals), model.continuous), np.float32)
    if others is not None:
        cont[:] = np.asarray(others, np.float32)[None, None, :]
    cont[:, :, code] = vals[None, :]
    images = model.generate(z, np.repeat(np.asarray(cats, np.int32), len(vals)),
                            cont.reshape(-1, model.continuous))
    return images.reshape(len(cats), len(vals), *images.shape[1:])


def figure(images: np.ndarray, row_labels: list[str], values: tuple[float, ...], title: str,
           highlight: float | None = None, scale: int = 3) -> np.ndarray:
    """Render a sweep as an RGB uint8 array with labelled rows and columns (PIL: cheap enough to
    redraw at every slider move).

    ``highlight``: outline the column whose value is nearest to it (the slider's position).
    """
    from PIL import Image, ImageDraw, ImageFont

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
                highlight: float | None = None, z: np.ndarray | None = None) -> np.ndarray:
    """The rows × columns figure for one continuous code, rows ordered by the digit they draw."""
    card = model.card
    order = category_order(card, model.categories)
    names = category_names(card, model.categories)
    images = sweep(model, code, values, order, seed, others, z)
    meaning = code_meanings(card, model.continuous)[code]
    title = (f"rows: categorical code · columns: continuous code {code + 1} (looks like: {meaning})\n"
             "trained with codes in [-1, 1]; the outer columns (±2) go beyond")
    return figure(images, [names[c].replace("category ", "cat ") for c in order], values, title,
                  highlight)


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
             vary: int = 0, scale: int = 8, z: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(one enlarged sample for the chosen codes, the rows × columns figure for code ``vary``);
        the noise is ``z`` (e.g. a projected picture's) or else drawn from ``seed``."""
        model = self.model(checkpoint)
        category = int(category)
        if not 0 <= category < model.categories:
            raise ValueError(f"category must be between 0 and {model.categories - 1}; got {category}")
        cont = np.zeros(model.continuous, np.float32)
        cont[:2] = [float(c1), float(c2)][: model.continuous]
        z = latents(1, model.latent_dim, int(seed)) if z is None else np.asarray(z, np.float32).reshape(1, -1)
        image = model.generate(z, np.array([category]), cont[None, :])[0]
        big = upscale(to_uint8(image[None])[0], scale)  # (H, W) grayscale
        others = tuple(float(v) for v in cont)
        fig = code_figure(model, int(vary), int(seed), others=others, highlight=others[int(vary)], z=z)
        return big, fig
