"""Every explanation the Train tab shows, in one place (plain language for a classroom)."""

from __future__ import annotations

CURVES_HELP = """
**Reading the curves.** *Left:* D's and G's losses at every step (long runs are averaged into
~300 points for display; the CSV has every step). The dotted line is D's loss at the equilibrium
(ln 4 ≈ 1.386 for minimax / non-saturating: D guesses 50/50). *Right:* D's average verdict on real
data, D(x), and on fakes, D(G(z)), from 0 (surely fake) to 1 (surely real). They meet at 0.5 when
G's fakes are indistinguishable from data. D(x) near 1 with D(G(z)) near 0 for a long time means D
is winning and G learns little.
"""

TWO_D_HELP = ("**2D view.** Green: real data. Purple: G's points. Background: D's verdict at each "
              "place: green = \"real\", purple = \"fake\", white = \"can't tell\" (0.5).")

def coverage_reading(coverage: float, on_data: float) -> str:
    """The 2D run's two collapse measures in a sentence (Markdown)."""
    return (f"**Coverage:** fakes reach {100 * coverage:.0f}% of the regions where real data lies, and "
            f"{100 * on_data:.0f}% of the fakes land in them (the rest fall where there is no real data).")


SAMPLES_HELP = ("**Samples** from a fixed set of latent vectors z, so you see the *same* fakes "
                "change as G learns. Conditional models: one row per class. pix2pix: held-out sketches, "
                "their true images, and G's pictures for them (rows); SRGAN: held-out low-res images, "
                "their true images, G's 4× pictures.")

QUALITY_HELP = ("Read by an independent classifier the project trained on real data (it never saw "
                "the GAN). A histogram spiking on one class means mode collapse.")

SCORE_NAMES = {"classifier_accuracy": "GAN's classifier", "baseline_accuracy": "baseline (labels only)"}

SGAN_HELP = ("the GAN's classifier also sees the unlabelled images and G's fakes (it must call them "
             "'fake'), the baseline sees nothing else. Read on the first 2,000 MNIST test images every "
             "few seconds.")

CREDITS_NOTE = ("MNIST: Yann LeCun & Corinna Cortes, CC BY-SA 3.0 · Fashion-MNIST: Zalando SE, MIT.")

# the status line while a call first compiles its program (the live view has nothing new meanwhile)
COMPILING = "compiling the training program (first time only: a few seconds, longer for big models)"
