"""The Train tab's live view drawn in the browser: two canvases (the 2D view; the losses and D's verdicts)
and the small script (canvas.js, no library, nothing fetched from outside the app) that long-polls
``/train/frame`` (ganlab.server.train_frame) with the run's token and draws its numbers. The token reaches
the page as the view's value (LiveView.canvas); the page shows the canvases while the frames say "canvas"
(a 2D run, or a comparison's A | B) and the server's pictures otherwise (image runs, slow motion).
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

SCRIPT = (Path(__file__).with_name("canvas.js")).read_text(encoding="utf-8")
VIEW = '<canvas id="train-canvas-view" role="img" aria-label="2D view (drawn in the browser)"></canvas>'
CURVES = ('<canvas id="train-curves-canvas" role="img" '
          'aria-label="Losses and D\'s verdicts (drawn in the browser)"></canvas>')
VIEW_CSS = ("canvas { width: min(100%, max(300px, calc(100vh - 290px))); aspect-ratio: 1; display: block; "
            "margin: 0 auto; }")
CURVES_CSS = "canvas { width: 100%; height: clamp(150px, 28vh, 300px); display: block; }"
DIVERGENCE = ('<canvas id="train-js-canvas" role="img" '
              'aria-label="JS divergence between real and fake (drawn in the browser)"></canvas>')
DIVERGENCE_CSS = "canvas { width: 100%; height: 200px; display: block; }"
# The page's CSS (ganlab.ui.app.CSS): which of the two is shown follows the script's data-drawn on #train-main.
SERVER_DRAWN = tuple(f"#train-main[data-drawn=browser] #{box}" for box in ("train-view", "train-curves",
                                                                           "train-quality"))
BROWSER_DRAWN = tuple(f"#train-main:not([data-drawn=browser]) #{box}" for box in ("train-canvas", "train-curves-box",
                                                                                "train-js-box"))
PAGE_CSS = "".join(f"{rule} {{ display: none !important; }}\n" for rule in (*SERVER_DRAWN, *BROWSER_DRAWN))


def view_canvas() -> gr.HTML:
    """The 2D view's canvas and the script that fetches and draws the frames (its value: the run's token)."""
    return gr.HTML("", html_template=VIEW, css_template=VIEW_CSS, js_on_load=SCRIPT, elem_id="train-canvas",
                   padding=False)


def curves_canvas() -> gr.HTML:
    """The curves' canvas (drawn by the view's script)."""
    return gr.HTML("", html_template=CURVES, css_template=CURVES_CSS, js_on_load=None, elem_id="train-curves-box",
                   padding=False)


def divergence_canvas() -> gr.HTML:
    """The 2D quality meter's canvas: the JS divergence per refresh (drawn by the view's script)."""
    return gr.HTML("", html_template=DIVERGENCE, css_template=DIVERGENCE_CSS, js_on_load=None,
                   elem_id="train-js-box", padding=False)
