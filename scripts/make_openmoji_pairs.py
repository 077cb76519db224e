#!/usr/bin/env python3
"""Build a paired sketch -> colour image dataset from the OpenMoji npm package.

OpenMoji (https://openmoji.org/) ships every emoji twice: as a black line-art
SVG (``package/black/svg/<HEXCODE>.svg``) and as a colour SVG
(``package/color/svg/<HEXCODE>.svg``) drawn on the same 72x72 grid, so the two
renderings line up pixel for pixel. That makes them a small, freely licensed
pix2pix-style data set: the line art is the input "sketch", the colour emoji
is the target "photo".

Usage (the tarball is what ``npm pack openmoji@17.0.0`` produces)::

    python scripts/make_openmoji_pairs.py --tgz openmoji-17.0.0.tgz --size 128 --out openmoji_pairs_128.npz
    python scripts/make_openmoji_pairs.py --tgz openmoji-17.0.0.tgz --size 64  --out openmoji_pairs_64.npz

Requirements: numpy, pillow, cairosvg (which needs the system cairo library).

Which emojis are kept (see ``keep()``):

* skin-tone variants (non-empty ``skintone`` field) are dropped, so every
  design appears once;
* the groups ``flags``, ``symbols`` (letters, keycaps, arrows, geometric
  shapes, zodiac and religious signs...) and ``component`` (skin-tone swatches,
  hair-style parts) are dropped, because they are not pictures;
* from ``extras-unicode`` only the ``food-drink`` subgroup is kept (the rest is
  symbols, regional-indicator letters and subdivision flags);
* from ``extras-openmoji`` the pictorial subgroups are kept (animals, food,
  objects, people, healthcare, technology, gardening, ...); brand logos, flags,
  UI elements, gesture diagrams, sign-style emergency pictograms and other
  symbols are dropped, and so are the two caricatures of real, named people.

Every SVG is rendered with cairosvg at ``--size`` x ``--size`` pixels and
composited onto a white background. The line art is stored as single-channel
grayscale, the colour emoji as RGB.

Output: one ``np.savez_compressed`` file with

* ``sketch``     (N, size, size)    uint8  grayscale line art, white background
* ``photo``      (N, size, size, 3) uint8  colour emoji, white background
* ``hexcode``    (N,) str  OpenMoji hexcode, e.g. ``1F600``
* ``annotation`` (N,) str  short English name, e.g. ``grinning face``
* ``group``      (N,) str  OpenMoji group, e.g. ``smileys-emotion``

String arrays are plain numpy unicode arrays, so ``np.load(path)`` works
without ``allow_pickle``. The order is OpenMoji's own order (``data/openmoji.json``).

Licence of the images: CC BY-SA 4.0. Attribution: "All emojis designed by
OpenMoji - the open-source emoji and icon project. License: CC BY-SA 4.0".
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile

import cairosvg
import numpy as np
from PIL import Image

PREFIX = "package/"

DROP_GROUPS = {"flags", "symbols", "component"}
KEEP_EXTRAS_UNICODE = {"food-drink"}
KEEP_EXTRAS_OPENMOJI = {
    "animals-nature",
    "climate-environment",
    "food-drink",
    "gardening",
    "healthcare",
    "objects",
    "people",
    "smileys-emotion",
    "technology",
    "travel-places",
}
# Caricatures of real, named people: left out of a teaching data set.
DROP_ANNOTATIONS = {"trump", "greta thunberg"}


def keep(entry: dict) -> bool:
    """Return True when an openmoji.json entry belongs in the data set."""
    if entry.get("skintone"):
        return False
    group = entry["group"]
    sub = entry.get("subgroups", "")
    if group in DROP_GROUPS:
        return False
    if group == "extras-unicode" and sub not in KEEP_EXTRAS_UNICODE:
        return False
    if group == "extras-openmoji" and sub not in KEEP_EXTRAS_OPENMOJI:
        return False
    return entry.get("annotation", "").strip().lower() not in DROP_ANNOTATIONS


def render(svg_bytes: bytes, size: int) -> Image.Image:
    """Render an SVG to a size x size RGB PIL image on a white background."""
    png = cairosvg.svg2png(bytestring=svg_bytes, output_width=size, output_height=size)
    rgba = Image.open(io.BytesIO(png)).convert("RGBA")
    if rgba.size != (size, size):
        rgba = rgba.resize((size, size), Image.LANCZOS)
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def build(tgz_path: str, size: int, verbose: bool = True) -> dict:
    """The arrays of the data set (sketch, photo, hexcode, annotation, group) read from the tarball."""
    with tarfile.open(tgz_path, "r:gz") as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}

        def read(name):
            return tar.extractfile(members[PREFIX + name]).read()

        entries = json.loads(read("data/openmoji.json").decode("utf-8"))
        sketches, photos, hexcodes, annotations, groups = [], [], [], [], []
        skipped_missing = 0
        selected = [e for e in entries if keep(e)]
        for i, e in enumerate(selected):
            hx = e["hexcode"]
            black = PREFIX + f"black/svg/{hx}.svg"
            color = PREFIX + f"color/svg/{hx}.svg"
            if black not in members or color not in members:
                skipped_missing += 1
                continue
            sketch = render(read(f"black/svg/{hx}.svg"), size).convert("L")
            photo = render(read(f"color/svg/{hx}.svg"), size)
            sketches.append(np.asarray(sketch, dtype=np.uint8))
            photos.append(np.asarray(photo, dtype=np.uint8))
            hexcodes.append(hx)
            annotations.append(e.get("annotation", ""))
            groups.append(e["group"])
            if verbose and (i + 1) % 250 == 0:
                print(f"  rendered {i + 1}/{len(selected)}", file=sys.stderr)
    if verbose:
        print(f"selected {len(selected)} of {len(entries)} entries, "
              f"{skipped_missing} without both SVGs", file=sys.stderr)
    return {
        "sketch": np.stack(sketches),
        "photo": np.stack(photos),
        "hexcode": np.array(hexcodes, dtype=str),
        "annotation": np.array(annotations, dtype=str),
        "group": np.array(groups, dtype=str),
    }


def contact_sheet(data: dict, path: str, n: int = 16, seed: int = 0) -> list[tuple[str, str]]:
    """Save a PNG of n random pairs (sketch left, colour right), 4 pairs a row."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(data["hexcode"]), size=min(n, len(data["hexcode"])), replace=False)
    size = data["sketch"].shape[1]
    cols = 4
    rows = (len(idx) + cols - 1) // cols
    pad = 4
    sheet = Image.new("RGB", (cols * (2 * size + 3 * pad), rows * (size + 2 * pad)), (128, 128, 128))
    for k, j in enumerate(idx):
        r, c = divmod(k, cols)
        x = c * (2 * size + 3 * pad) + pad
        y = r * (size + 2 * pad) + pad
        sheet.paste(Image.fromarray(data["sketch"][j], "L").convert("RGB"), (x, y))
        sheet.paste(Image.fromarray(data["photo"][j], "RGB"), (x + size + pad, y))
    sheet.save(path)
    return [(str(data["hexcode"][j]), str(data["annotation"][j])) for j in idx]


def main(argv: list[str] | None = None) -> int:
    """Build the .npz file named by --out."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tgz", required=True, help="openmoji-<version>.tgz from `npm pack openmoji@<version>`")
    ap.add_argument("--size", type=int, default=128, help="output width and height in pixels (default 128)")
    ap.add_argument("--out", required=True, help="output .npz path")
    ap.add_argument("--contact-sheet", help="optional PNG path for a sheet of 16 random pairs")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    data = build(args.tgz, args.size, verbose=not args.quiet)
    np.savez_compressed(args.out, **data)
    n = len(data["hexcode"])
    print(f"wrote {args.out}: N={n}, sketch {data['sketch'].shape} {data['sketch'].dtype}, "
          f"photo {data['photo'].shape} {data['photo'].dtype}")
    if args.contact_sheet:
        picked = contact_sheet(data, args.contact_sheet)
        print(f"wrote {args.contact_sheet}: " + ", ".join(f"{h} {a}" for h, a in picked))
    return 0


if __name__ == "__main__":
    sys.exit(main())
