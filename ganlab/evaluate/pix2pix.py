"""Held-out quality of a pix2pix generator, and the comparison figure (sketch | models... | target).

Numbers, all on the never-trained-on split: L1 (mean |output - target| with images in [-1, 1],
the same scale as the training L1 term), how often an output is nearer (L1) to its own target
than to every other held-out target, colourfulness (Hasler & Süsstrunk 2003) and edge
sharpness (mean gradient magnitude) of outputs beside the targets' values.
"""

from __future__ import annotations

import numpy as np

from ganlab.data import load_dataset
from ganlab.data.paired import held_out
from ganlab.images import grid, to_uint8
from ganlab.sampling import Sampler


def translate(sampler: Sampler, cond: np.ndarray, chunk: int = 32) -> np.ndarray:
    """Generator outputs (float32 in [-1, 1]) for inputs ``cond`` (N, H, W, C)."""
    outs = [sampler({"cond": cond[i : i + chunk]}) for i in range(0, len(cond), chunk)]
    return np.concatenate(outs)


def colourfulness(images: np.ndarray) -> float:
    """Mean Hasler-Süsstrunk colourfulness of uint8 RGB images (0 = gray; ~50+ = vivid)."""
    x = images.astype(np.float32)
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    axes = (1, 2)
    std = np.sqrt(rg.std(axes) ** 2 + yb.std(axes) ** 2)
    mean = np.sqrt(rg.mean(axes) ** 2 + yb.mean(axes) ** 2)
    return float(np.mean(std + 0.3 * mean))


def sharpness(images: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels (0-255 scale): higher = crisper edges."""
    x = images.astype(np.float32)
    return float((np.abs(np.diff(x, axis=1)).mean() + np.abs(np.diff(x, axis=2)).mean()) / 2)


def nearest_own_target(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Share of outputs whose L1-nearest held-out target is their own."""
    o = outputs.reshape(len(outputs), -1)
    t = targets.reshape(len(targets), -1)
    hits = [int(np.argmin(np.abs(t - o[i]).mean(1)) == i) for i in range(len(o))]
    return float(np.mean(hits))


def evaluate_pix2pix(sampler: Sampler, cond: np.ndarray, targets: np.ndarray) -> dict:
    """Held-out metrics of a generator (see the module docstring)."""
    outputs = translate(sampler, cond)
    out8, tgt8 = to_uint8(outputs), to_uint8(targets)
    return {
        "heldout_pairs": len(cond),
        "heldout_l1": round(float(np.abs(outputs - targets).mean()), 4),
        "nearest_own_target": round(nearest_own_target(outputs, targets), 4),
        "colourfulness": round(colourfulness(out8), 2),
        "target_colourfulness": round(colourfulness(tgt8), 2),
        "sharpness": round(sharpness(out8), 2),
        "target_sharpness": round(sharpness(tgt8), 2),
    }


def comparison_figure(cond: np.ndarray, columns: list[np.ndarray], targets: np.ndarray,
                      scale: int = 1) -> np.ndarray:
    """Rows of (input | each model's output | target), uint8 RGB; inputs shown in gray."""
    sketch = to_uint8(cond)
    sketch = np.repeat(sketch[..., None], 3, -1) if sketch.ndim == 3 else sketch
    rows = [sketch, *[to_uint8(c) for c in columns], to_uint8(targets)]
    tiles = np.stack(rows, 1).reshape(-1, *rows[1].shape[1:])
    out = grid(tiles, cols=len(rows), pad=4, pad_value=255)
    return np.repeat(np.repeat(out, scale, 0), scale, 1) if scale > 1 else out


# ----------------------------------------------------------------------------- the held-out split

def held_out_split(card: dict, data_dir=None, limit: int | None = None) -> tuple[np.ndarray, np.ndarray, list]:
    """The held-out (inputs, targets, names) of the dataset a checkpoint was trained on."""
    size = int(card["data_shape"][0])
    config = card.get("config") or {}
    dataset = load_dataset(card["dataset"], data_dir or config.get("data_dir"), size)
    cond, targets, names = held_out(dataset)
    return (cond[:limit], targets[:limit], names[:limit]) if limit else (cond, targets, names)
