"""Text → image latency, server side: one sentence → one image, as the tab and the API do it.

    python benchmarks/text2img_latency.py [--checkpoint text2img-mnist] [--runs 50]

Times (median and 95th percentile, milliseconds, after warm-up): parse + compiled generator with its
attention maps for one image; the ``text_to_image`` handler for one image (plus the attention
figure); and for 16 images. No model.predict: the network is compiled once per batch size.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from timing import timed  # benchmarks/timing.py, beside this script


def main() -> int:
    """Print the latency table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", default="text2img-mnist")
    p.add_argument("--runs", type=int, default=50)
    args = p.parse_args()

    from ganlab import backend
    from ganlab.ui.text2img_tab import Text2ImgTab

    tab = Text2ImgTab(args.checkpoint)
    t0 = time.perf_counter()
    model = tab.loader.get()  # loaded the way the app loads it, once
    if model is None:
        raise SystemExit(tab.loader.error)
    load_s = time.perf_counter() - t0
    text = "a thick seven slanted right"
    rows = [
        ("one sentence → one image (parse + generate + attention)", lambda: model.draw(text, 0, 1)),
        ("text_to_image handler, 1 image (+ attention figure)", lambda: tab.run(text, 0, 1)),
        ("text_to_image handler, 16 images", lambda: tab.run(text, 0, 16)),
    ]
    print(f"device: {backend.device_description()}, precision {model.gan.spec.precision}, "
          f"checkpoint {model.loaded.path.name}, load {load_s:.1f} s, {args.runs} runs each")
    print(f"{'':58s} {'median ms':>10s} {'p95 ms':>8s}")
    for name, fn in rows:
        med, p95 = timed(fn, args.runs)
        print(f"{name:58s} {med:10.1f} {p95:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
