"""Every explanation the Train tab shows, in one place (plain language for a classroom)."""

from __future__ import annotations

PRESET_FIELDS = ("model", "dataset", "loss", "lr_g", "lr_d", "k", "batch_size", "latent_dim", "seed", "steps")
# One row per preset: its name, the settings in PRESET_FIELDS order, and what to watch for.
_PRESET_ROWS: list[tuple[str, tuple, str]] = [
    ('Healthy: ring of 8 Gaussians', ('vanilla', 'ring', 'non_saturating', 0.001, 0.001, 1, 256, 8, 0, 3000),
     "Watch the purple fakes spread out to cover all 8 green blobs within ~15 s, while D's heatmap "
     'fades toward white: D can no longer tell real from fake.'),
    ('Healthy: MNIST digits (conditional GAN)',
     ('cgan', 'mnist', 'non_saturating', 0.0002, 0.0002, 1, 64, 64, 0, 3000),
     'One row per digit: grey blobs become readable digits within a minute or two, and the '
     "classifier's hit rate for the asked digit climbs toward 99%."),
    ('Healthy: Fashion-MNIST (DCGAN, TF tutorial model)',
     ('dcgan', 'fashion', 'non_saturating', 0.0002, 0.0002, 1, 64, 100, 0, 4000),
     "The TensorFlow tutorial's DCGAN: shirts, shoes and bags appear after a few hundred steps."),
    ('Healthy: sketch → emoji (pix2pix)',
     ('pix2pix', 'openmoji', 'non_saturating', 0.0002, 0.0002, 1, 16, 1, 0, 3000),
     "Rows: held-out sketches, their true emojis, G's pictures. Flat colour blobs appear within a few "
     'hundred steps (slow on a laptop: ~3 steps/s); the L1 curve falls while the GAN terms keep '
     'pushing for sharper, more colourful patches.'),
    ('Healthy: 4× super-resolution (SRGAN)',
     ('srgan', 'openmoji', 'non_saturating', 0.0001, 0.0001, 1, 16, 1, 0, 1000),
     "Rows: held-out emojis shrunk to 32×32 (shown with big pixels), the true 128×128 emojis, G's 4× "
     'pictures. G starts from a bicubic enlargement and learns the missing edges: the mse curve '
     'falls within a few hundred steps (~1 step/s on a laptop).'),
    ('Few labels (semi-supervised)',
     ('sgan', 'mnist', 'non_saturating', 0.0003, 0.001, 1, 100, 100, 0, 5000),
     "D is a classifier with 11 outputs, digits 0-9 and 'fake', taught by only 100 labelled images and "
     "59,900 unlabelled ones. The quality meter plots its test accuracy beside a baseline, the same "
     "network trained on the 100 labels alone: the baseline stalls near 75-80 %, the GAN's classifier climbs "
     "past it (measured: 95.0 % vs 79.4 % after 5,000 steps, 10 min on a busy 2-core CPU). G learns at "
     "0.0003: at 0.001 D overpowered it after 3,000-4,000 steps (D(G(z)) fell to 0, samples turned to noise)."),
    ('Broken: discriminator far too strong', ('vanilla', 'ring', 'minimax', 0.0001, 0.005, 5, 256, 8, 0, 3000),
     'D trains 5× per G step with a 50× larger learning rate: D(x) → 1, D(G(z)) → 0, and with the '
     "saturating minimax loss G's gradient vanishes, so the fakes barely move."),
    ('Broken: learning rate too high', ('vanilla', 'ring', 'non_saturating', 0.3, 0.3, 1, 256, 8, 0, 3000),
     'Steps 300× too large: the losses jump wildly, the fakes are thrown far off the ring and never '
     'settle (sometimes the numbers blow up to NaN and training stops).'),
    ('Broken: mode collapse on the ring', ('vanilla', 'ring', 'non_saturating', 0.005, 0.0005, 1, 64, 2, 0, 3000),
     'G learns 10× faster than D: it piles its points on one or two blobs that currently fool D, then '
     'hops to another; the coverage alarm fires while the losses look calm.'),
]
PRESETS: dict[str, tuple[dict, str]] = {name: (dict(zip(PRESET_FIELDS, values)), note)
                                         for name, values, note in _PRESET_ROWS}

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
