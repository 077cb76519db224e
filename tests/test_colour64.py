"""Colour image folders at 64×64: the DCGAN scaled to 64×64 trains on a tiny generated folder through the
CLI, and its checkpoint generates 64×64 RGB pictures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from ganlab.cli import main


def colour_folder(root: Path, count: int = 16, size: int = 80) -> Path:
    """Pictures of another size than 64 (they are resized): a coloured disc on a coloured background."""
    rng = np.random.default_rng(0)
    root.mkdir(parents=True)
    yy, xx = np.mgrid[:size, :size]
    for i in range(count):
        im = np.empty((size, size, 3), np.uint8)
        im[:] = rng.integers(0, 255, 3, dtype=np.uint8)
        cy, cx, r = rng.integers(20, 60, 2).tolist() + [int(rng.integers(8, 20))]
        im[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.integers(0, 255, 3, dtype=np.uint8)
        Image.fromarray(im).save(root / f"face_{i:03d}.jpg")
    return root


def test_dcgan_trains_on_a_colour_folder_at_64(tmp_path):
    folder = colour_folder(tmp_path / "my_faces")
    out = tmp_path / "dcgan64"
    assert main(["train", "--model", "dcgan", "--dataset", str(folder), "--image-size", "64", "--steps", "2",
                 "--batch-size", "8", "--option", "width=0.125", "--quiet", "--out", str(out)]) == 0
    card = json.loads((out / "card.json").read_text())
    assert card["data_shape"] == [64, 64, 3] and card["model"] == "dcgan"
    with Image.open(out / "samples.png") as samples:
        assert samples.mode == "RGB"
    assert main(["generate", "--checkpoint", str(out), "--count", "3", "--out", str(tmp_path / "g.npz")]) == 0
    with np.load(tmp_path / "g.npz") as g:
        assert g["images"].shape == (3, 64, 64, 3) and g["images"].dtype == np.uint8
