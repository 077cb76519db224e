"""Every explanation the Train tab shows, in one place (plain language for a classroom)."""

from __future__ import annotations

PRESETS: dict[str, tuple[dict, str]] = {
    "Healthy: ring of 8 Gaussians": (
        dict(model="vanilla", dataset="ring", loss="non_saturating", lr_g=1e-3, lr_d=1e-3, k=1,
             batch_size=256, latent_dim=8, seed=0, steps=3000),
        "Watch the purple fakes spread out to cover all 8 green blobs within ~15 s, while D's heatmap "
        "fades toward white: D can no longer tell real from fake."),
    "Healthy: MNIST digits (conditional GAN)": (
        dict(model="cgan", dataset="mnist", loss="non_saturating", lr_g=2e-4, lr_d=2e-4, k=1,
             batch_size=64, latent_dim=64, seed=0, steps=3000),
        "One row per digit: grey blobs become readable digits within a minute or two, and the "
        "classifier's hit rate for the asked digit climbs toward 99%."),
    "Healthy: Fashion-MNIST (DCGAN, TF tutorial model)": (
        dict(model="dcgan", dataset="fashion", loss="non_saturating", lr_g=2e-4, lr_d=2e-4, k=1,
             batch_size=64, latent_dim=100, seed=0, steps=4000),
        "The TensorFlow tutorial's DCGAN: shirts, shoes and bags appear after a few hundred steps."),
    "Healthy: sketch → emoji (pix2pix)": (
        dict(model="pix2pix", dataset="openmoji", loss="non_saturating", lr_g=2e-4, lr_d=2e-4, k=1,
             batch_size=16, latent_dim=1, seed=0, steps=3000),
        "Rows: held-out sketches, their true emojis, G's pictures. Flat colour blobs appear within a "
        "few hundred steps (slow on a laptop: ~3 steps/s); the L1 curve falls while the GAN terms "
        "keep pushing for sharper, more colourful patches."),
    "Broken: discriminator far too strong": (
        dict(model="vanilla", dataset="ring", loss="minimax", lr_g=1e-4, lr_d=5e-3, k=5,
             batch_size=256, latent_dim=8, seed=0, steps=3000),
        "D trains 5× per G step with a 50× larger learning rate: D(x) → 1, D(G(z)) → 0, and with the "
        "saturating minimax loss G's gradient vanishes, so the fakes barely move."),
    "Broken: learning rate too high": (
        dict(model="vanilla", dataset="ring", loss="non_saturating", lr_g=0.3, lr_d=0.3, k=1,
             batch_size=256, latent_dim=8, seed=0, steps=3000),
        "Steps 300× too large: the losses jump wildly, the fakes are thrown far off the ring and "
        "never settle (sometimes the numbers blow up to NaN and training stops)."),
    "Broken: mode collapse on the ring": (
        dict(model="vanilla", dataset="ring", loss="non_saturating", lr_g=5e-3, lr_d=5e-4, k=1,
             batch_size=64, latent_dim=2, seed=0, steps=3000),
        "G learns 10× faster than D: it piles its points on one or two blobs that currently fool D, "
        "then hops to another; the coverage alarm fires while the losses look calm."),
}

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

SAMPLES_HELP = ("**Samples** from a fixed set of latent vectors z, so you see the *same* fakes "
                "change as G learns. Conditional models: one row per class. pix2pix: held-out sketches, "
                "their true images, and G's pictures for them (rows).")

QUALITY_HELP = ("Read by an independent classifier the project trained on real data (it never saw "
                "the GAN). A histogram spiking on one class means mode collapse.")

CREDITS_NOTE = ("MNIST: Yann LeCun & Corinna Cortes, CC BY-SA 3.0 · Fashion-MNIST: Zalando SE, MIT.")
