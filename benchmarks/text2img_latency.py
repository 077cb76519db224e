"""Text → image latency, server side: one sentence → one image, as the tab and the API do it.

    python benchmarks/text2img_latency.py [--checkpoint text2img-mnist] [--runs 50]

Times (median and 95th percentile, milliseconds, after warm-up): parse + compiled generator with its
attention maps for one image; the ``text_to_image`` handler for one image (plus the attention
figure); and for 16 images. No model.predict: the network is compiled once per batch size.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from timing import arguments, load, report  # benchmarks/timing.py, beside this script


def main() -> int:
    """Print the latency table."""
    args = arguments(__doc__.splitlines()[0], "text2img-mnist")

    from ganlab.ui.tools.text2img import Text2ImgTab

    tab = Text2ImgTab(args.checkpoint)
    model, load_s = load(tab.loader.get, tab.loader)  # the way the app loads it, once
    text = "a thick seven slanted right"
    rows = [
        ("one sentence → one image (parse + generate + attention)", lambda: model.draw(text, 0, 1)),
        ("text_to_image handler, 1 image (+ attention figure)", lambda: tab.run(text, 0, 1)),
        ("text_to_image handler, 16 images", lambda: tab.run(text, 0, 16)),
    ]
    report(model, f"load {load_s:.1f} s", args.runs, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
