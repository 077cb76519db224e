"""Playground latency: server-side ms per slider update, and the browser round trip.

    python benchmarks/playground_latency.py [--model cgan-mnist] [--runs 100] [--browser-moves 15]

Server side: the tab's render handler for one 28×28 image (latent + compiled generator + 12×
nearest-neighbour upscale), with raw offsets and with PCA directions, plus PNG encoding (what gradio
adds). Browser: Debian chromium drags a direction slider; time from mouse release to the new image
decoded on the page (includes the queue, the PNG file and its download).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def timed(fn, runs: int) -> tuple[float, float]:
    """Median and 95th-percentile wall time of ``fn(i)`` in ms, after 3 warm-up calls."""
    for i in range(3):
        fn(i)
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times)), float(np.percentile(times, 95))


def server_side(model: str, runs: int) -> None:
    """Print the server-side table."""
    from ganlab.explore.playground import Playground, png_bytes

    pg = Playground()
    t0 = time.perf_counter()
    loaded = pg.load(model, model)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pg.directions(loaded)
    pca_s = time.perf_counter() - t0
    cls = 7 if loaded.conditional else None
    rows = [
        ("image, raw offsets", lambda i: pg.image(loaded, i, cls, 1.0, [0.1 * (i % 20)])),
        ("image, PCA directions", lambda i: pg.image(loaded, i, cls, 0.8, [], [0.1 * (i % 20), 0.5])),
        ("image + PNG encode", lambda i: png_bytes(pg.image(loaded, i, cls, 1.0, [], [0.1 * (i % 20)]).image)),
    ]
    print(f"model {model}: load+compile {load_s:.1f} s, PCA directions {pca_s:.1f} s (once per model), {runs} runs")
    print(f"{'server side':28s} {'median ms':>10s} {'p95 ms':>8s}")
    for name, fn in rows:
        med, p95 = timed(fn, runs)
        print(f"{name:28s} {med:10.1f} {p95:8.1f}")


def browser(moves: int) -> None:
    """Print the browser round trip (release → new image shown) over ``moves`` slider drags."""
    import gradio as gr
    from playwright.sync_api import sync_playwright

    from ganlab.ui.app import launch
    from ganlab.ui.playground import tab as playground_tab

    with gr.Blocks() as demo, gr.Tab("Playground"):
        playground_tab.lay_out(None)
    demo.queue(default_concurrency_limit=8)
    _, url, _ = launch(demo, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    times = []
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.locator("#pg-image img").wait_for(state="visible", timeout=60_000)
            page.wait_for_function("() => !document.querySelector('#pg-dir-0 label, #pg-dir-0')"
                                   ".innerText.includes('(PCA)')", timeout=60_000)  # directions ready
            box = page.locator("#pg-dir-0 input[type=range]").bounding_box()
            y = box["y"] + box["height"] / 2
            for k in range(moves + 2):
                src = page.locator("#pg-image img").get_attribute("src")
                x = box["x"] + box["width"] * (0.15 + 0.7 * ((k * 0.37) % 1))
                page.mouse.move(x - 10, y)
                page.mouse.down()
                page.mouse.move(x, y, steps=3)
                page.evaluate("""(s) => { window.__t0 = performance.now(); window.__dt = null;
                    const img = document.querySelector('#pg-image img');
                    const obs = new MutationObserver(() => { const im = document.querySelector('#pg-image img');
                        if (im && im.src !== s) { obs.disconnect();
                            im.decode().then(() => { window.__dt = performance.now() - window.__t0; }); } });
                    obs.observe(document.querySelector('#pg-image'), {subtree: true, attributes: true,
                        childList: true}); }""", src)
                page.mouse.up()
                dt = page.wait_for_function("() => window.__dt", timeout=30_000).json_value()
                if k >= 2:  # two warm-up moves
                    times.append(dt)
                page.wait_for_timeout(150)
            b.close()
    finally:
        demo.close()
    t = np.array(times)
    print(f"{'browser round trip':28s} {np.median(t):10.1f} {np.percentile(t, 95):8.1f}   ({len(t)} slider releases)")


def main() -> int:
    """Print the latency tables."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="cgan-mnist")
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--browser-moves", type=int, default=15, help="0 to skip the browser measurement")
    args = p.parse_args()
    server_side(args.model, args.runs)
    if args.browser_moves and Path(CHROMIUM).is_file():
        browser(args.browser_moves)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
