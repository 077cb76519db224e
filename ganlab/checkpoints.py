"""Checkpoints: a folder with generator.keras, discriminator.keras, optimizer state, card.json.

Writes are atomic (a temporary folder renamed into place), so a crash never leaves a half
checkpoint and never destroys the previous one. Loading rebuilds the architecture from the card
and reads the weights from Keras files opened with ``safe_mode=True``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ganlab import backend
from ganlab.models import GAN, ModelSpec, generating_from, get_model_class, model_of

FORMAT = "ganlab-checkpoint"
VERSION = 1
ASSETS_ENV = "GANLAB_ASSETS_DIR"


class CheckpointError(ValueError):
    """A checkpoint is missing or unreadable; the message says which file."""


def assets_dir() -> Path:
    """Folder of shipped weights: $GANLAB_ASSETS_DIR or the repository's assets/."""
    return Path(os.environ.get(ASSETS_ENV) or Path(__file__).resolve().parent.parent / "assets")


def shipped_names() -> list[str]:
    """Names of the shipped checkpoints (folders in assets/ with a card.json)."""
    root = assets_dir()
    return sorted(p.parent.name for p in root.glob("*/card.json")) if root.is_dir() else []


def resolve(name_or_path: str | os.PathLike) -> Path:
    """A checkpoint folder from a path or a shipped name such as 'cgan-mnist'."""
    path = Path(name_or_path).expanduser()
    if (path / "card.json").is_file():
        return path
    shipped = assets_dir() / str(name_or_path)
    if (shipped / "card.json").is_file():
        return shipped
    names = ", ".join(shipped_names()) or "none found"
    raise CheckpointError(f"No checkpoint at {name_or_path!r} (a folder with card.json) and no "
                          f"shipped model of that name. Shipped: {names}.")


def atomic_write_dir(dest: Path, write: Any) -> Path:
    """Call ``write(tmp_dir)`` then move tmp_dir to ``dest``, replacing it only on success."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        write(tmp)
        if dest.exists():
            old = dest.parent / f".{dest.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(dest, old)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def atomic_write_text(path: Path, text: str) -> None:
    """Write a text file via a temporary file and os.replace."""
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_history(path: Path, records: list[dict[str, Any]]) -> None:
    """Per-step metrics as CSV (one row per step, union of columns; floats to 7 significant digits,
    about float32's precision, so a long run's file stays small)."""
    cols: list[str] = []
    for r in records:
        cols += [k for k in r if k not in cols]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=cols)
        writer.writeheader()
        writer.writerows({k: f"{v:.7g}" if isinstance(v, float) else v for k, v in r.items()}
                         for r in records)


def read_history(path: Path) -> list[dict[str, Any]]:
    """Inverse of write_history (numbers parsed back)."""
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    def parse(v: str) -> Any:
        try:
            return int(v)
        except ValueError:
            try:
                return float(v)
            except ValueError:
                return v
    return [{k: parse(v) for k, v in row.items() if v != ""} for row in rows]


def history_summary(rows: list[dict[str, Any]], points: int = 200) -> dict[str, Any]:
    """A downsampled loss history for the card (the full record is in history.csv)."""
    idx = np.unique(np.linspace(0, len(rows) - 1, min(points, len(rows))).astype(int)) if rows else []
    return {"file": "history.csv", "steps": len(rows),
            "step": [rows[i]["step"] for i in idx],
            "d_loss": [round(rows[i]["d_loss"], 5) for i in idx],
            "g_loss": [round(rows[i]["g_loss"], 5) for i in idx]}


def make_card(gan: GAN, config: dict, class_names: tuple[str, ...], step: int,
              command: str | None, dataset: str, quality: dict | None = None,
              credit: str = "") -> dict[str, Any]:
    """The JSON card that describes a checkpoint."""
    s = gan.spec
    return {
        "format": FORMAT, "version": VERSION, "model": gan.name, "loss": gan.loss.name,
        "dataset": dataset, "data_shape": list(s.data_shape), "latent_dim": s.latent_dim,
        "num_classes": s.num_classes, "class_names": list(class_names), "precision": s.precision,
        "options": dict(s.options), "step": step, "config": config, "command": command,
        "quality": quality or {}, "credit": credit,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "keras": keras.__version__, "backend": backend.BACKEND,
    }


def save_optimizer(opt: keras.Optimizer, path: Path) -> None:
    """An optimizer's state variables as an .npz (arr_0, arr_1, ... in variable order)."""
    np.savez(path, *[keras.ops.convert_to_numpy(v.value) for v in opt.variables])


def load_optimizer(opt: keras.Optimizer, path: Path) -> None:
    """Inverse of :func:`save_optimizer` into a built optimizer of the same model."""
    with np.load(path, allow_pickle=False) as data:
        values = [data[f"arr_{i}"] for i in range(len(data.files))]
    if len(values) != len(opt.variables):
        raise CheckpointError(f"{path.name}: optimizer state does not match the model.")
    for v, x in zip(opt.variables, values):
        v.assign(x)


def write_checkpoint(path: str | Path, gan: GAN, g_opt: keras.Optimizer, d_opt: keras.Optimizer,
                     rows: list[dict[str, Any]], card: dict[str, Any],
                     also: Callable[[Path], object] | None = None) -> Path:
    """Write networks, optimizer state, the per-step history and the card, atomically; ``also(folder)``
    writes more files into the same temporary folder (the run's snapshots)."""
    def write(tmp: Path) -> None:
        if also is not None:
            also(tmp)
        gan.generator.save(tmp / "generator.keras")
        gan.discriminator.save(tmp / "discriminator.keras")
        save_optimizer(g_opt, tmp / "g_optimizer.npz")
        save_optimizer(d_opt, tmp / "d_optimizer.npz")
        write_history(tmp / "history.csv", rows)
        full = {**card, "history": history_summary(rows)}
        (tmp / "card.json").write_text(json.dumps(full, indent=2), encoding="utf-8")

    return atomic_write_dir(Path(path), write)


SHIPPED_FILES = ("card.json", "generator.keras", "discriminator.keras", "history.csv", "samples.png", "snapshots.npz")


def export_checkpoint(src: str | os.PathLike, dest: str | os.PathLike, command: str | None = None) -> Path:
    """Copy a checkpoint for shipping: networks, card, history, samples; no optimizer state."""
    folder = resolve(src)
    card = read_card(folder)
    card["exported"] = {"from": str(src), "command": command, "optimizer_state": False}

    def write(tmp: Path) -> None:
        for name in SHIPPED_FILES[1:]:
            if (folder / name).is_file():
                shutil.copy2(folder / name, tmp / name)
        (tmp / "card.json").write_text(json.dumps(card, indent=2), encoding="utf-8")

    return atomic_write_dir(Path(dest), write)


def export_float16(src: str | os.PathLike, dest: str | os.PathLike, command: str | None = None) -> Path:
    """Copy a checkpoint for shipping with float16 hidden weights (half the size), no optimizer state."""
    folder = resolve(src)
    card = read_card(folder)
    gan = build_from_card(card, precision="float32")
    load_keras_weights(gan.generator, folder / "generator.keras")
    load_keras_weights(gan.discriminator, folder / "discriminator.keras")
    half = build_from_card(card, precision="float16")
    half.generator.set_weights(gan.generator.get_weights())
    half.discriminator.set_weights(gan.discriminator.get_weights())
    card["exported"] = {"from": str(src), "command": command, "optimizer_state": False,
                        "weights": "float16 hidden layers, float32 output layers"}

    def write(tmp: Path) -> None:
        half.generator.save(tmp / "generator.keras")
        half.discriminator.save(tmp / "discriminator.keras")
        for name in SHIPPED_FILES[3:]:
            if (folder / name).is_file():
                shutil.copy2(folder / name, tmp / name)
        (tmp / "card.json").write_text(json.dumps(card, indent=2), encoding="utf-8")

    return atomic_write_dir(Path(dest), write)


def read_card(path: str | os.PathLike) -> dict[str, Any]:
    """The card of a checkpoint folder or shipped name."""
    folder = resolve(path)
    try:
        card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{folder / 'card.json'} is unreadable: {e}") from None
    if card.get("format") != FORMAT:
        raise CheckpointError(f"{folder / 'card.json'} is not a ganlab checkpoint card.")
    return card


def load_keras_weights(model: keras.Model, file: Path) -> None:
    """Copy weights from a .keras file (opened with safe_mode=True) into ``model``."""
    if not file.is_file():
        raise CheckpointError(f"Missing file: {file}")
    try:
        saved = keras.saving.load_model(file, compile=False, safe_mode=True)
    except Exception as e:  # Keras raises many types for corrupt or unsafe files
        raise CheckpointError(f"Could not load {file} safely: {e}") from None
    weights = saved.get_weights()
    expected = [tuple(w.shape) for w in model.weights]
    if [tuple(w.shape) for w in weights] != expected:
        raise CheckpointError(f"{file.name} does not match the architecture in card.json.")
    model.set_weights(weights)


@dataclass
class LoadedGenerator:
    """A GAN rebuilt from a checkpoint, ready for inference."""

    gan: GAN
    card: dict[str, Any]
    path: Path


def build_from_card(card: dict[str, Any], precision: str | None = None) -> GAN:
    """Rebuild the (untrained) GAN a card describes."""
    cls = get_model_class(card["model"])
    spec = ModelSpec(tuple(card["data_shape"]), int(card["latent_dim"]), int(card["num_classes"]),
                     backend.resolve_precision(precision or "auto"), dict(card.get("options", {})))
    return cls(spec, card.get("loss"), seed=0)


def _check_model(card: dict[str, Any], name_or_path: str | os.PathLike, model: str | type[GAN] | None,
                 generates_from: str | None) -> None:
    """Raise CheckpointError when the card's model is not ``model`` or does not draw from ``generates_from``."""
    cls = model_of(card)
    if isinstance(model, type) and not (cls is not None and issubclass(cls, model)):
        wanted = model.name
    elif isinstance(model, str) and card.get("model") != model:
        wanted = model
    elif generates_from is not None and (cls is None or cls.generates_from != generates_from):
        wanted = " or ".join(generating_from(generates_from)) or f"a model generating from {generates_from}"
    else:
        return
    raise CheckpointError(f"{name_or_path} is a {card.get('model')} checkpoint, not {wanted}.")


def load_generator(name_or_path: str | os.PathLike, precision: str | None = None,
                   with_discriminator: bool = False, model: str | type[GAN] | None = None,
                   generates_from: str | None = None) -> LoadedGenerator:
    """Load a checkpoint's generator (and optionally its discriminator) for inference, refusing with a
    clear message a checkpoint of another ``model`` (a model class: it or a subclass) or one whose
    generator does not draw from ``generates_from`` ("sketch", "low_res", "text"; see GAN)."""
    folder = resolve(name_or_path)
    card = read_card(folder)
    _check_model(card, name_or_path, model, generates_from)
    gan = build_from_card(card, precision)
    load_keras_weights(gan.generator, folder / "generator.keras")
    if with_discriminator:
        load_keras_weights(gan.discriminator, folder / "discriminator.keras")
    return LoadedGenerator(gan, card, folder)
