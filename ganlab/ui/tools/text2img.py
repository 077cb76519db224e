"""Text → image tab: type "a thick seven slanted right", see it drawn across seeds, and where each
word was looked at while drawing (AttnGAN's word attention). Logic in ganlab.explore.text2img.

The named endpoint ``text_to_image`` takes (text, seed, count ≤ 64) and returns the images (a gallery of
28×28 PNGs, one per seed), the attention figure and a line saying what was read.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import numpy as np
from gradio.context import Context

from ganlab.explore.text2img import (
    DEFAULT_CHECKPOINT,
    EXAMPLES,
    MAX_COUNT,
    CaptionError,
    Drawn,
    TextModel,
    attention_figure,
    vocabulary_text,
)
from ganlab.ui.context import TabContext
from ganlab.ui.gradio_fixes.outputs import shown_image
from ganlab.ui.lazy import LazyModel

# The tab: its title, its id (a lesson link's tab=), its docs page and what to try first (see ui/context.py)
LABEL, ID, DOCS = "Text → image", "text2img", "docs/models/text2img.md"
INTRO = ("Type *a thick seven slanted right* and press **Draw**: 16 seeds of that sentence appear.\n"
         "Below, each word's attention map shows where G looked at that word.")
HELP = ("**Text → image.** Type a sentence about a digit: *a thick seven slanted right*, *7, thin stroke*, "
         "*a wide upright zero*. A small text-to-image GAN (the AttnGAN idea, trained on MNIST with captions "
         "made from what each image really shows) draws it for several seeds. Below, **which word drew "
         "where**: while drawing, every spot of the 14×14 picture inside the generator looks at the "
         "words; the brighter a spot in a word's map, the more that spot read that word.")


class Text2ImgTab:
    """The tab's handlers; the model is loaded once, on first use."""

    def __init__(self, checkpoint: str = DEFAULT_CHECKPOINT):
        self.checkpoint = checkpoint
        self.loader: LazyModel[TextModel] = LazyModel(lambda: TextModel.load(self.checkpoint), "text2img model")

    def draw(self, text: str, seed: Any = 0, count: Any = 16) -> Drawn:
        """The sentence drawn ``count`` times; gr.Error with the vocabulary for a sentence it cannot read."""
        model = self.loader.get()
        if model is None:
            raise gr.Error(self.loader.error)
        try:
            seed, count = int(seed if seed is not None else 0), int(count if count is not None else 16)
        except (TypeError, ValueError):
            raise gr.Error("Seed and count must be whole numbers.") from None
        if not 1 <= count <= MAX_COUNT:
            raise gr.Error(f"Count must be between 1 and {MAX_COUNT}; got {count}.")
        if not 0 <= seed < 2**32:
            raise gr.Error(f"Seed must be between 0 and {2**32 - 1}; got {seed}.")
        try:
            return model.draw(text or "", seed, count)
        except CaptionError as e:
            raise gr.Error(str(e)) from None

    def run(self, text: str, seed: Any = 0, count: Any = 16) -> tuple[list, np.ndarray, str]:
        """Gallery items (image, caption), the attention figure and what was read."""
        drawn = self.draw(text, seed, count)
        seed = int(seed or 0)
        items = [(im, f"seed {seed}, #{i}") for i, im in enumerate(drawn.images)]
        digit = f"digit {drawn.digit}" if drawn.digit >= 0 else "no digit named (any digit)"
        info = (f"Read: **{' · '.join(drawn.words)}** ({digit}). Attention maps: image, then one map per word "
                "for the first seeds.")
        return items, attention_figure(drawn), info

    def first_look(self, text: str, seed: float | None, count: float, shown: bool):
        """On opening the tab: draw the sentence in the box the first time, so the tab never opens empty."""
        if shown:
            return gr.skip(), gr.skip(), gr.skip(), True
        return (*self.run(text, seed, count), True)


def lay_out(store: Any = None, checkpoint: str = DEFAULT_CHECKPOINT) -> Text2ImgTab:
    """Lay out the Text → image tab and wire its events (``store`` unused: nothing per user)."""
    tab = Text2ImgTab(checkpoint)
    opened = Context.block  # the gr.Tab this is built in, if any: it draws when first opened
    gr.Markdown(HELP)
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            text = gr.Textbox(value=EXAMPLES[0], label="Sentence", max_lines=1, elem_id="t2i-text")
            with gr.Row():
                seed = gr.Number(value=0, precision=0, minimum=0, label="Seed")
                count = gr.Slider(1, MAX_COUNT, value=16, step=1, label="Images (seeds)")
            go = gr.Button("Draw", variant="primary")
            gr.Examples([[e] for e in EXAMPLES], [text], label="Example sentences")
            with gr.Accordion("Words the model knows", open=False):
                gr.Markdown(vocabulary_text().replace("; ", "  \n"))
        with gr.Column(scale=3, min_width=320):
            info = gr.Markdown(elem_id="t2i-info")
            gallery = gr.Gallery(label="One sentence, many seeds", columns=6, height="auto", object_fit="contain",
                                 elem_id="t2i-gallery")
            figure = shown_image(label="Which word drew where (image, then each word's attention)", type="numpy",
                                 interactive=False, format="png", elem_id="t2i-attention")
    outputs = [gallery, figure, info]
    go.click(tab.run, [text, seed, count], outputs, api_name="text_to_image")
    text.submit(tab.run, [text, seed, count], outputs, api_visibility="private")
    if isinstance(opened, gr.Tab):  # drawn per browser session when its tab opens, not at every page load
        shown = gr.State(False)
        opened.select(tab.first_look, [text, seed, count, shown], [*outputs, shown], api_visibility="private",
                      show_progress="minimal")
    return tab


def build(ctx: TabContext) -> None:
    """The Text → image tab in the app."""
    lay_out(ctx.store)
