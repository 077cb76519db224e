"""Upscale latency, server side: what the Upscale tab and the ``upscale`` API do for one picture.

    python benchmarks/upscale_latency.py [--checkpoint srgan-openmoji] [--runs 50]

Times (median and 95th percentile, milliseconds): the compiled generator alone for 32² → 128²
(batch 1), the ``upscale`` endpoint handler (PNG file read + checks + generate), the tab handler
(plus nearest, bicubic, zoom strip), with the realness overlay, and 128² → 512² (a larger input).
No model.predict: the networks are compiled once per input shape (tf.function / jax.jit).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from timing import arguments, load, report  # benchmarks/timing.py, beside this script


def main() -> int:
    """Print the latency table."""
    args = arguments(__doc__.splitlines()[0], "srgan-openmoji")

    from PIL import Image

    from ganlab.ui.tools.upscale import UpscaleTab

    tab = UpscaleTab(args.checkpoint)
    model, load_s = load(tab.model, tab.loader)  # the way the app loads it, once
    yy, xx = np.mgrid[:32, :32]
    emoji = np.full((32, 32, 3), 255, np.uint8)
    emoji[(yy - 16) ** 2 + (xx - 16) ** 2 < 144] = (250, 200, 30)
    big = np.asarray(Image.fromarray(emoji).resize((128, 128), Image.Resampling.NEAREST))
    with tempfile.TemporaryDirectory() as tmp:
        png = str(Path(tmp) / "emoji32.png")
        Image.fromarray(emoji).save(png)
        rows = [
            ("generator only 32² → 128² (compiled, batch 1)", lambda: model.upscale(emoji)),
            ("upscale endpoint: read PNG + checks + generate", lambda: tab.upscale_api(png)),
            ("tab handler (+ nearest, bicubic, zoom strip)", lambda: tab.render(png)),
            ("tab handler + realness overlay", lambda: tab.render(png, overlay=True)),
            ("generator only 128² → 512²", lambda: model.upscale(big)),
        ]
        report(model, f"load+compile {load_s:.1f} s", args.runs, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
