"""Upscale latency, server side: what the Upscale tab and the ``upscale`` API do for one picture.

    python benchmarks/upscale_latency.py [--checkpoint srgan-openmoji] [--runs 50]

Times (median and 95th percentile, milliseconds): the compiled generator alone for 32² → 128²
(batch 1), the ``upscale`` endpoint handler (PNG file read + checks + generate), the tab handler
(plus nearest, bicubic, zoom strip), with the realness overlay, and 128² → 512² (a larger input).
No model.predict: the networks are compiled once per input shape (tf.function / jax.jit).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from timing import timed  # benchmarks/timing.py, beside this script


def main() -> int:
    """Print the latency table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", default="srgan-openmoji")
    p.add_argument("--runs", type=int, default=50)
    args = p.parse_args()

    from PIL import Image

    from ganlab import backend
    from ganlab.ui.upscale_tab import UpscaleTab

    tab = UpscaleTab(args.checkpoint)
    t0 = time.perf_counter()
    model = tab.model()  # loaded (and compiled) the way the app loads it, once
    if model is None:
        raise SystemExit(tab.loader.error)
    load_s = time.perf_counter() - t0
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
        print(f"device: {backend.device_description()}, precision {model.gan.spec.precision}, "
              f"checkpoint {model.loaded.path.name}, load+compile {load_s:.1f} s, {args.runs} runs each")
        print(f"{'':48s} {'median ms':>10s} {'p95 ms':>8s}")
        for name, fn in rows:
            med, p95 = timed(fn, args.runs)
            print(f"{name:48s} {med:10.1f} {p95:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
