"""Screenshots of the Train tab's GAN Lab views (issue #25) in headless Chromium (Debian's, via Playwright).

Usage: python scripts/screenshot_views.py [--url http://127.0.0.1:7860] [--out docs/screenshots] SHOT...
SHOT: train (the whole tab, ring preset), ring (heatmap + mesh + arrows after the preset's 3,000
steps), collapse (the collapse preset's mesh), drawn (points drawn on the canvas, with their arrows),
slow (the three phases of a slow step on the ring preset), cgan (the MNIST cGAN preset's gradient
maps), or all. Each shot opens its own page (its own session and run) on a running app, 1400 px wide;
start one first, e.g. ``GANLAB_DATA_DIR=/path/to/data GRADIO_SERVER_PORT=7862 python app.py &``.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
RING, COLLAPSE, CGAN = ("Healthy: ring of 8 Gaussians", "Broken: mode collapse on the ring",
                        "Healthy: MNIST digits (conditional GAN)")
# the 2D view and its column: the server's picture or the browser's canvas (a single 2D run), whichever is shown
VIEW_PARTS = ("#train-view", "#train-canvas", "#train-graph", "#train-layers", "#train-legend")


def wait_until(condition, timeout: float, what: str, every: float = 0.5):
    """Poll ``condition()`` until truthy (returned), else fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise TimeoutError(f"waited {timeout:g} s for {what}")
        time.sleep(every)


def step_shown(page) -> int:
    """The step the status line shows (0 before the first)."""
    text = page.locator("#train-status").inner_text()
    return int(text.split("Step ")[1].split(" /")[0].replace(",", "")) if "Step " in text else 0


def pick_preset(page, name: str) -> None:
    page.get_by_label("Preset").click()
    page.get_by_role("option", name=name).click()
    time.sleep(1.5)  # the form fills, the run is prepared


def train_until(page, steps: int, timeout: float, every: float = 0.5, off: tuple[str, ...] = ()) -> None:
    """Press Start, untick the layers ``off`` as soon as the run shows its status line, and wait until
    the page shows ``steps`` steps (or the run's end). The ticks belong to the run: before Start they
    may reach a run that Start replaces, and a finished run's view is not redrawn; the legend tells."""
    page.get_by_role("button", name="▶ Start").click()
    if off:
        wait_until(lambda: "Step " in page.locator("#train-status").inner_text(), timeout, "the run", 0.05)
        for name in off:
            page.locator("#train-layers").get_by_label(name, exact=True).uncheck()
    wait_until(lambda: step_shown(page) >= steps, timeout, f"step {steps}", every)
    time.sleep(1.5)
    legend = page.locator("#train-legend").inner_text()
    if ("gradient arrows" in off and "arrows" in legend) or ("trails" in off and "faint lines" in legend):
        raise RuntimeError(f"the layers {off} are still drawn: {legend!r}")


def pause(page) -> None:
    page.get_by_role("button", name="Pause").click()
    wait_until(lambda: "paused" in page.locator("#train-status").inner_text(), 60, "the pause")
    time.sleep(1.5)  # the last frame arrives


def _clip(page, selectors: tuple[str, ...], pad: int) -> dict[str, float] | None:
    """The page-coordinate box around ``selectors``' elements."""
    boxes = [b for s in selectors if page.locator(s).count() and (b := page.locator(s).first.bounding_box())
             and b["height"] > 1]
    if not boxes:
        return None
    x0, y0 = min(b["x"] for b in boxes) - pad, min(b["y"] for b in boxes) - pad
    x1 = max(b["x"] + b["width"] for b in boxes) + pad
    y1 = max(b["y"] + b["height"] for b in boxes) + pad
    sx, sy = page.evaluate("() => [window.scrollX, window.scrollY]")
    return {"x": max(0, x0 + sx), "y": max(0, y0 + sy), "width": x1 - x0, "height": y1 - y0}


def shot(page, path: Path, *groups: tuple[str, ...] | str, pad: int = 8) -> None:
    """Screenshot the whole page (no groups), or each group's box (a selector or a tuple of them),
    stacked top to bottom in one PNG (parts of the page between the groups are left out)."""
    import io

    from PIL import Image

    page.wait_for_timeout(500)
    if not groups:
        page.screenshot(path=str(path), full_page=True)
    else:
        clips = [c for g in groups if (c := _clip(page, (g,) if isinstance(g, str) else g, pad))]
        parts = [Image.open(io.BytesIO(page.screenshot(full_page=True, clip=c))).convert("RGB") for c in clips]
        out = Image.new("RGB", (max(p.width for p in parts), sum(p.height for p in parts)), "white")
        y = 0
        for part in parts:
            out.paste(part, (0, y))
            y += part.height
        out.save(path, optimize=True)
    print(f"wrote {path}  (step {step_shown(page)})", flush=True)


# -- the shots ---------------------------------------------------------------------------------
def train_tab(page, out: Path) -> None:
    """The whole Train tab on the ring preset, after a few seconds of training."""
    pick_preset(page, RING)
    train_until(page, 300, 240)
    time.sleep(4)
    shot(page, out / "train.png")


def ring(page, out: Path) -> None:
    """The healthy ring after its 3,000 steps: heatmap, mesh, arrows, the graph and the legend (the
    trails off: their lines between refreshes hundreds of steps apart hide the mesh)."""
    pick_preset(page, RING)
    train_until(page, 3000, 900, off=("trails",))
    wait_until(lambda: "Step 3000 / 3000" in page.locator("#train-status").inner_text(), 60, "the run's end")
    time.sleep(3)
    shot(page, out / "train_ring_views.png", (*VIEW_PARTS, "#train-quality", "#train-js-box"))


def collapse(page, out: Path, steps: int = 3000) -> None:
    """The collapse preset's run after ``steps`` steps: where the mesh went (fakes, arrows and trails
    off: the collapsed fakes lie right on the folded mesh and hide it, their arrows are one orange blot)."""
    pick_preset(page, COLLAPSE)
    train_until(page, steps, 900, off=("fakes", "gradient arrows", "trails"))
    time.sleep(3)
    shot(page, out / "train_collapse_mesh.png", "#train-alarms", (*VIEW_PARTS, "#train-quality", "#train-js-box"))


def _stroke(page, points) -> None:
    page.mouse.move(*points[0])
    page.mouse.down()
    for p in points[1:]:
        page.mouse.move(*p)
    page.mouse.up()


def drawn(page, out: Path, steps: int = 1500) -> None:
    """Draw a circle and a bar on the canvas, train the ring preset's vanilla GAN on it (trails off)."""
    pick_preset(page, RING)
    page.get_by_text("Your own data (upload or draw)").click()
    page.get_by_text("…or draw 2D points").click()
    canvas = page.locator("#upload-draw canvas").first
    canvas.wait_for(state="visible", timeout=30_000)
    canvas.scroll_into_view_if_needed()
    page.locator("#upload-draw button[aria-label='Brush']").click()  # this canvas starts with no tool chosen
    time.sleep(2)
    box = canvas.bounding_box()
    cx, cy, r = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, min(box["width"], box["height"]) * 0.3
    # a circle (a ring of ink) and a short bar through its middle: two shapes G must learn at once
    circle = [(cx + r * math.cos(t), cy + r * math.sin(t)) for t in [2 * math.pi * i / 24 for i in range(25)]]
    _stroke(page, circle)
    _stroke(page, [(cx - r * 0.5, cy), (cx, cy), (cx + r * 0.5, cy)])
    time.sleep(1)
    page.locator("#upload-draw-use").click()
    msg = page.locator("#upload-message")
    wait_until(lambda: "Drawn" in msg.inner_text() or "refused" in msg.inner_text(), 60, "the drawing's message")
    print(msg.inner_text(), flush=True)
    time.sleep(1.5)
    page.get_by_label("Stop after (steps)").fill(str(steps))
    train_until(page, steps, 900, off=("trails",))
    time.sleep(3)
    shot(page, out / "train_drawn_points.png", (*VIEW_PARTS, "#train-quality", "#train-js-box"))


def slow(page, out: Path, steps: int = 300) -> None:
    """The ring preset paused after a few hundred steps (at least ``steps``), then one step in slow
    motion, phase by phase. Pause is pressed as soon as Start has answered: the prepared run trains
    at hundreds of steps/s and the page's step count lags it by a refresh or two."""
    pick_preset(page, RING)
    page.get_by_label("Stop after (steps)").fill("1000000")
    time.sleep(10)  # the run for these settings is prepared meanwhile
    page.get_by_role("button", name="▶ Start").click()
    wait_until(lambda: "Training" in page.locator("#train-status").inner_text()
               or "Step " in page.locator("#train-status").inner_text(), 300, "Start's answer", 0.02)
    pause(page)
    while step_shown(page) < steps:  # too few: a little more
        page.get_by_role("button", name="Resume").click()
        time.sleep(0.2)
        pause(page)
    page.get_by_role("button", name="Step in slow motion").click()
    phase = page.locator("#train-phase")
    for i in (1, 2, 3):
        wait_until(lambda i=i: f"phase {i} of 3" in phase.inner_text(), 60, f"phase {i}")
        time.sleep(2)
        shot(page, out / f"slow_motion_{i}.png", "#train-phase", (*VIEW_PARTS, "#train-quality", "#train-js-box"))
        page.get_by_role("button", name="Back to the live view" if i == 3 else "Next phase ▶").click()
    wait_until(lambda: "phase" not in phase.inner_text(), 60, "the live view")  # before the page closes


def cgan(page, out: Path, seconds: float = 120) -> None:
    """The MNIST cGAN preset after a minute or two, the gradient-maps accordion open."""
    pick_preset(page, CGAN)
    page.get_by_role("button", name="▶ Start").click()
    wait_until(lambda: step_shown(page) > 0, 300, "the first step")
    time.sleep(seconds)
    page.get_by_text("Where G is pushed, what D looks at (image models)").click()
    # the accordion: the nearest element around the maps that holds its title button
    page.evaluate("""() => { let e = document.querySelector('#train-why');
        const titled = (el) => [...el.querySelectorAll('button')].some(b => b.innerText.includes('Where G is pushed'));
        while (e && !titled(e)) e = e.parentElement;
        e.id = 'shot-why-accordion'; }""")
    time.sleep(5)  # the maps are refreshed every 2 s
    page.locator("#train-why").scroll_into_view_if_needed()
    shot(page, out / "train_cgan_gradients.png", ("#train-view", "#train-quality", "#train-quality-text"),
         "#shot-why-accordion")


SHOTS = {"train": train_tab, "ring": ring, "collapse": collapse, "drawn": drawn, "slow": slow, "cgan": cgan}


def main() -> None:
    from playwright.sync_api import sync_playwright

    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:7860")
    p.add_argument("--out", default="docs/screenshots")
    p.add_argument("shots", nargs="+", choices=[*SHOTS, "all"])
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = list(SHOTS) if "all" in args.shots else args.shots
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for name in names:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(args.url)
            page.get_by_role("button", name="▶ Start").wait_for()
            try:
                SHOTS[name](page, out)
            finally:
                page.close()
        browser.close()


if __name__ == "__main__":
    main()
