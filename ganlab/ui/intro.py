"""The two lines each tab opens with (what to try first) and its "?" link to the docs page, in one place.

``ui/app.py`` renders ``markdown(tab)`` at the top of every tab. The link points at the docs page in the
repository: set ``GANLAB_DOCS_URL`` to where the repository's files are browsable (e.g. its GitHub
``.../blob/main`` address) to make it a link; without it the tab names the file.
"""

from __future__ import annotations

import os

DOCS_URL_ENV = "GANLAB_DOCS_URL"

# tab label -> (two lines of what to try first, its docs page in the repository)
INTROS: dict[str, tuple[str, str]] = {
    "Train": ("Pick the preset **Healthy: ring of 8 Gaussians** and press **▶ Start**: in a few seconds the purple "
              "fakes spread over the eight green modes.\nThen try a preset that breaks on purpose (*mode collapse*, "
              "*learning rate too high*) and read the alarms; **What the pictures mean** (below) explains every view.",
              "docs/train.md"),
    "Class": ("The teacher's run, live: its curves, samples and 2D view, read-only.\nPress **Copy the teacher's "
              "settings** to train the same run yourself in the Train tab.",
              "docs/teaching.md"),
    "Playground": ("Pick **cgan-mnist**, choose a digit and move the sliders: each one walks G's latent space.\nThen "
                   "draw your own digit under *Start from a picture* (**Project my drawing**) and ask: can G draw "
                   "this, or is it copying?",
                   "docs/playground.md"),
    "Text → image": ("Type *a thick seven slanted right* and press **Draw**: 16 seeds of that sentence appear.\n"
                     "Below, each word's attention map shows where G looked at that word.",
                     "docs/models/text2img.md"),
    "Sketch": ("Draw a few black strokes (a face, a sun) on the canvas: when a stroke ends, pix2pix paints it.\n"
               "Click an example to see a held-out emoji's line art, and tick *realness* to see D's verdict per patch.",
               "docs/models/pix2pix.md"),
    "Upscale": ("Pick an example emoji (or **Use my last Sketch-tab picture**): low-res | bicubic | SRGAN, "
                "side by side.\n"
                "Compare the zoomed crops, and tick the realness overlay to see where D thinks it looks made up.",
                "docs/models/srgan.md"),
    "Classify": ("Draw a digit and read what the semi-supervised GAN's discriminator says: ten digits **and fake**.\n"
                 "Switch to the baseline or the independent CNN to compare readers trained with and without GAN fakes.",
                 "docs/models/sgan.md"),
}


def link(page: str) -> str:
    """The "?" link to a docs page: a Markdown link when GANLAB_DOCS_URL is set, else the page's path."""
    base = os.environ.get(DOCS_URL_ENV, "").strip().rstrip("/")
    return f"[**?** {page}]({base}/{page})" if base else f"**?** `{page}` in the ganlab repository"


def markdown(tab: str) -> str:
    """The opening of a tab: its two lines and its "?" link (Markdown); empty for a tab without an intro."""
    if tab not in INTROS:
        return ""
    lines, page = INTROS[tab]
    first, second = lines.split("\n", 1)
    return f"{first}  \n{second} · {link(page)}"
