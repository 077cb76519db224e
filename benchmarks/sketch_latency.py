"""Sketch → image latency, server side: what the Sketch tab does for one stroke.

    python benchmarks/sketch_latency.py [--checkpoint pix2pix-openmoji] [--runs 50]

Times (median and 95th percentile, milliseconds) for a 512×512 RGB canvas drawing:
preprocessing alone, the compiled generator alone (128² in, 128² out), the whole handler
(preprocess + generate), and the handler with the PatchGAN realness overlay. No model.predict:
the generator and discriminator are compiled once (tf.function / jax.jit) at load.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from timing import arguments, load, report  # benchmarks/timing.py, beside this script


def main() -> int:
    """Print the latency table."""
    args = arguments(__doc__.splitlines()[0], "pix2pix-openmoji")

    from ganlab.explore.sketch import preprocess, realness_overlay, simple_drawings
    from ganlab.ui.tools.sketch import SketchTab

    tab = SketchTab(args.checkpoint)
    model, load_s = load(tab.model, tab.loader)  # the way the app loads it, once
    canvas = np.repeat(simple_drawings(512)["cat"][..., None], 3, -1)  # what the 512² Sketchpad sends
    sketch = preprocess(canvas).sketch

    def with_overlay():
        s = preprocess(canvas).sketch
        out = model.generate(s)
        return realness_overlay(out, model.realness(s, out))

    rows = [
        ("preprocess 512² canvas → 128² sketch", lambda: preprocess(canvas)),
        ("generator only (compiled, batch 1)", lambda: model.generate(sketch)),
        ("sketch endpoint: preprocess + generate", lambda: tab.sketch_api(canvas)),
        ("+ realness overlay (PatchGAN)", with_overlay),
        ("tab handler (incl. 3× display upscale)", lambda: tab.render(canvas)),
    ]
    report(model, f"load+compile {load_s:.1f} s", args.runs, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
