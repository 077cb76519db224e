"""Classify tab: draw or upload a digit and see what a classifier reads in it. For the semi-supervised
GAN that is K+1 probabilities: the ten digits and "fake". Logic in ganlab.evaluate.digit_reader."""

from __future__ import annotations

from typing import Any

import gradio as gr
import numpy as np

from ganlab.checkpoints import assets_dir
from ganlab.evaluate.digit_reader import ImageClassifier, digit_image, digit_reading, load_image_classifier
from ganlab.ui.context import TabContext
from ganlab.ui.gradio_fixes.inputs import brush_ready, unopened_image
from ganlab.ui.gradio_fixes.outputs import shown_image
from ganlab.ui.lazy import LazyModel

CHOICES = {"SGAN, 100 labels (digits + fake)": ("sgan-mnist-100", "classifier"),
           "Baseline: same network, the 100 labels only": ("sgan-mnist-100", "baseline"),
           "Independent CNN (all 60,000 labels)": ("classifier-mnist", "classifier")}
CANVAS = 280
# The tab: its title, its id (a lesson link's tab=), its docs page and what to try first (see ui/context.py)
LABEL, ID, DOCS = "Classify", "classify", "docs/models/sgan.md"
INTRO = ("Draw a digit and read what the semi-supervised GAN's discriminator says: ten digits **and fake**.\n"
         "Switch to the baseline or the independent CNN to compare readers trained with and without GAN fakes.")
HELP = ("**Classify a digit.** Draw a digit (the brush is ready: just draw) or upload a picture. The "
         "semi-supervised GAN's discriminator answers with eleven probabilities: the digits 0-9 and "
         "**fake**, the class it learnt for the generator's pictures. Scribbles (and many mouse drawings) "
         "get a high *fake* probability; the line under the probabilities says which digit it reads if "
         "the picture is real.")


class ClassifyTab:
    """Handlers of the Classify tab; each classifier is loaded once, on first use."""

    def __init__(self) -> None:
        self.loaders: dict[str, LazyModel[ImageClassifier]] = {
            name: LazyModel(lambda c=choice: load_image_classifier(*c), name) for name, choice in CHOICES.items()}

    def classify(self, image: Any, which: str) -> tuple[dict[str, float], np.ndarray]:
        """The probabilities (a label → probability dict) and the 28×28 picture the classifier read.

        ``/classify``: a Label whose ``label`` is the most probable of all columns, so "fake" where D
        calls the picture fake; the digit it reads if the picture is real (what the SGAN's test
        accuracy and ``classify``'s ``labels`` count) is the most probable digit among the confidences,
        shown under them by ``reading_text``."""
        loader = self.loaders.get(which)
        if loader is None:
            raise gr.Error(f"Unknown classifier {which!r}; choose one of: {', '.join(CHOICES)}.")
        clf = loader.get()
        if clf is None:
            raise gr.Error(loader.error)
        try:
            digit = digit_image(image)
        except ValueError as e:
            raise gr.Error(str(e)) from None
        reading = clf(digit[None])
        return {name: float(p) for name, p in zip(clf.names, reading.probs[0])}, digit


def reading_text(probs: Any) -> str:
    """One line under the probabilities: for an SGAN, the digit it reads if the picture is real."""
    reading = digit_reading(probs) if isinstance(probs, dict) else None
    if reading is None:
        return ""
    digit, share, fake = reading
    return (f"**If it is a real digit, it is a {digit}** ({100 * share:.0f} % among the ten digits; D calls it "
            f"*fake* with {100 * fake:.0f} %). The SGAN's test accuracy counts this reading.")


def shipped_choices() -> dict[str, tuple[str, str]]:
    """The choices whose checkpoint is shipped."""
    return {name: c for name, c in CHOICES.items() if (assets_dir() / c[0] / "card.json").is_file()}


def lay_out() -> ClassifyTab:
    """Lay out the Classify tab and wire its events."""
    tab = ClassifyTab()
    choices = list(shipped_choices()) or list(CHOICES)
    gr.Markdown(HELP)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            canvas = gr.Sketchpad(label="Draw a digit", type="numpy", image_mode="RGBA",
                                  canvas_size=(CANVAS, CANVAS), fixed_canvas=True, layers=False, transforms=(),
                                  brush=gr.Brush(default_size=18, colors=["#000000"], color_mode="fixed"),
                                  elem_id="classify-canvas")
            upload = unopened_image(label="…or upload a picture of a digit", sources=("upload", "clipboard"),
                                    height=200, elem_id="classify-upload")  # checked before decoding
        with gr.Column(scale=2, min_width=280):
            which = gr.Dropdown(choices, value=choices[0], label="Classifier")
            go = gr.Button("Classify", variant="primary")
            probs = gr.Label(num_top_classes=11, label="Probabilities", elem_id="classify-probs")
            reading = gr.Markdown("", elem_id="classify-reading")
            seen = shown_image(label="What the classifier reads (28×28)", type="numpy", interactive=False,
                               height=140, image_mode="L", format="png")
    brush_ready("classify-canvas")
    go.click(tab.classify, [canvas, which], [probs, seen], api_name="classify_drawing", api_visibility="private")
    upload.upload(tab.classify, [upload, which], [probs, seen], api_name="classify")
    probs.change(reading_text, probs, reading, show_progress="hidden", api_visibility="private")
    return tab


def build(ctx: TabContext) -> None:
    """The Classify tab in the app."""
    lay_out()
