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

LAYERS_HELP = """
**The 2D view's layers** (tick them beside the view; after GAN Lab, Kahng et al. 2018):
- *D's heatmap* — what D says at every place. G's fakes move toward green.
- *G's manifold* — G applied to a square grid of latent space (two latent entries varied, the others 0):
  the mesh shows how G stretches and folds noise onto the data. In a mode collapse it folds onto one blob.
- *Gradient arrows* — on each fake, −∂L_G/∂x: the direction and strength of G's next push on it, for this
  run's loss. They point uphill on D's map. With the minimax loss they shrink where D is sure a point is
  fake — that is why G learns so little when D wins.
- *Trails* — where the fakes were at the last few updates.

**The model graph** — noise z → G → fakes → D ← real data → the two losses, with the latest numbers.
In slow motion the part being updated is lit.

**Step in slow motion** — one training step, phase by phase: the batch; each of D's k updates (D's map
before | after); G's update (the fakes move along their arrows). The same step as *Step*, only shown.

**Divergence** (the plot beside a 2D view) — the Jensen-Shannon divergence between the real points and
the fakes, from histograms on the heatmap's grid: 1 bit = no overlap, 0 = the same spread. It falls as G
covers the data; it stays high in a collapse even when the losses look calm.

**Change it while it trains** — the learning rates, k and the loss take effect at once while a run
trains; each change is marked on the curves (dashed line) and kept in the CSV and the saved card.
"""

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


WHY_HELP = ("**Where G is pushed, what D looks at** (image models). *Top:* four fixed fakes, and under each "
            "the signed gradient of G's loss on its pixels, −∂L_G/∂x: **red** where G's next update is told to "
            "add ink (brighten), **blue** where to remove it — D's opinion, turned into instructions. "
            "*Bottom:* a real image and a fake, each beside D's **saliency** |∂D/∂x|: the darker, the more D's "
            "verdict depends on that pixel. All maps of one kind share one colour scale.")


STATUS_HELP = ("**Status, reading and alarms** (above the curves). The status line gives the step, steps/s, "
               "the elapsed time and the device. The *reading* says in one sentence who is winning, from this "
               "run's numbers. *Alarms* light up when D wins outright, a loss becomes NaN/Inf, G collapses onto "
               "a few modes (checked from step 200) or nothing has improved for a long while.")


def pictures_help() -> str:
    """Every view of the Train tab explained, for its "What the pictures mean" panel."""
    return "\n\n".join((STATUS_HELP, CURVES_HELP, TWO_D_HELP, LAYERS_HELP, SAMPLES_HELP,
                        "**Quality meter.** " + QUALITY_HELP, WHY_HELP))


def speed_text(last) -> str:
    """The steps/s of the status line: only after trained steps (a D-only or G-only step has no speed)."""
    return f"{last.steps_per_sec:.1f}" if last is not None and last.kind == "train" else "–"
