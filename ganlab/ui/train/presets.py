"""The Train tab's presets: named settings (by setting name) and what to watch for.

A preset names only settings of the table in ganlab.config; a setting it leaves out keeps the
config's default. The first preset fills the form when the page opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ganlab.config import TrainConfig, form_settings


@dataclass(frozen=True)
class Preset:
    """Settings by name and one sentence of what to watch for."""

    settings: dict[str, Any]
    note: str

    def form_values(self, config_cls: type[TrainConfig] = TrainConfig) -> dict[str, Any]:
        """Every form box's value, in form order: the preset's, else the setting's default."""
        return {s.name: self.settings.get(s.name, s.default) for s in form_settings(config_cls)}


# The healthy ring's settings, which the "Compare:" presets start from (run A).
RING = dict(model='vanilla', dataset='ring', loss='non_saturating', lr_g=0.001, lr_d=0.001, k=1, batch_size=256,
            latent_dim=8, seed=0, steps=3000)

PRESETS: dict[str, Preset] = {
    'Healthy: ring of 8 Gaussians': Preset(
        dict(model='vanilla', dataset='ring', loss='non_saturating',
             lr_g=0.001, lr_d=0.001, k=1, batch_size=256, latent_dim=8, seed=0, steps=3000),
        "Watch the purple fakes spread out to cover all 8 green blobs within ~15 s, while D's heatmap "
        'fades toward white: D can no longer tell real from fake.'),
    'Healthy: MNIST digits (conditional GAN)': Preset(
        dict(model='cgan', dataset='mnist', loss='non_saturating',
             lr_g=0.0002, lr_d=0.0002, k=1, batch_size=64, latent_dim=64, seed=0, steps=3000),
        'One row per digit: grey blobs become readable digits within a minute or two, and the '
        "classifier's hit rate for the asked digit climbs toward 99%."),
    'Healthy: Fashion-MNIST (DCGAN, TF tutorial model)': Preset(
        dict(model='dcgan', dataset='fashion', loss='non_saturating',
             lr_g=0.0002, lr_d=0.0002, k=1, batch_size=64, latent_dim=100, seed=0, steps=4000),
        "The TensorFlow tutorial's DCGAN: shirts, shoes and bags appear after a few hundred steps."),
    'Healthy: sketch → emoji (pix2pix)': Preset(
        dict(model='pix2pix', dataset='openmoji', loss='non_saturating',
             lr_g=0.0002, lr_d=0.0002, k=1, batch_size=16, latent_dim=1, seed=0, steps=3000),
        "Rows: held-out sketches, their true emojis, G's pictures. Flat colour blobs appear within a few "
        'hundred steps (slow on a laptop: ~3 steps/s); the L1 curve falls while the GAN terms keep '
        'pushing for sharper, more colourful patches.'),
    'Healthy: 4× super-resolution (SRGAN)': Preset(
        dict(model='srgan', dataset='openmoji', loss='non_saturating',
             lr_g=0.0001, lr_d=0.0001, k=1, batch_size=16, latent_dim=1, seed=0, steps=1000),
        "Rows: held-out emojis shrunk to 32×32 (shown with big pixels), the true 128×128 emojis, G's 4× "
        'pictures. G starts from a bicubic enlargement and learns the missing edges: the mse curve falls '
        'within a few hundred steps (~1 step/s on a laptop).'),
    'Few labels (semi-supervised)': Preset(
        dict(model='sgan', dataset='mnist', loss='non_saturating',
             lr_g=0.0003, lr_d=0.001, k=1, batch_size=100, latent_dim=100, seed=0, steps=5000),
        "D is a classifier with 11 outputs, digits 0-9 and 'fake', taught by only 100 labelled images and"
        ' 59,900 unlabelled ones. The quality meter plots its test accuracy beside a baseline, the same '
        "network trained on the 100 labels alone: the baseline stalls near 75-80 %, the GAN's classifier "
        'climbs past it (measured: 95.0 % vs 79.4 % after 5,000 steps, 10 min on a busy 2-core CPU). G '
        'learns at 0.0003: at 0.001 D overpowered it after 3,000-4,000 steps (D(G(z)) fell to 0, samples '
        'turned to noise).'),
    'Broken: discriminator far too strong': Preset(
        dict(model='vanilla', dataset='ring', loss='minimax',
             lr_g=0.0001, lr_d=0.005, k=5, batch_size=256, latent_dim=8, seed=0, steps=3000),
        'D trains 5× per G step with a 50× larger learning rate: D(x) → 1, D(G(z)) → 0, and with the '
        "saturating minimax loss G's gradient vanishes, so the fakes barely move."),
    'Broken: learning rate too high': Preset(
        dict(model='vanilla', dataset='ring', loss='non_saturating',
             lr_g=0.3, lr_d=0.3, k=1, batch_size=256, latent_dim=8, seed=0, steps=3000),
        'Steps 300× too large: the losses jump wildly, the fakes are thrown far off the ring and never '
        'settle (sometimes the numbers blow up to NaN and training stops).'),
    'Broken: mode collapse on the ring': Preset(
        dict(model='vanilla', dataset='ring', loss='non_saturating',
             lr_g=0.005, lr_d=0.0005, k=1, batch_size=64, latent_dim=2, seed=0, steps=3000),
        'G learns 10× faster than D: it piles its points on one or two blobs that currently fool D, then '
        'hops to another; the coverage alarm fires while the losses look calm.'),
    'Compare: minimax vs non-saturating loss': Preset(
        dict(RING, lr_d=0.003, compare='loss', compare_value='minimax'),
        'Run A (non-saturating) and run B (minimax) start from the same weights and batches, with D learning '
        "3× faster than G. Once D rejects B's fakes, minimax G's loss log(1 − D(G(z))) is flat and its "
        "gradient tiny: B's dashed G loss goes flat and its fakes cover fewer blobs (measured after 3,000 "
        'steps: JS 0.30 vs 0.53 bits, all 8 modes vs 5 of 8; 2-core AMD EPYC, 2026-12-02).'),
    'Compare: k = 1 vs k = 5 (D steps per G step)': Preset(
        dict(RING, compare='k', compare_value='5'),
        "B trains D five times per G step: D's heatmap turns green around B's fakes, its losses swing, and "
        'its fakes collapse onto one or two blobs while A covers the ring (measured in the app after 3,000 '
        'steps: JS 0.15 vs 0.52 bits, 8 of 8 modes vs 2; 2-core AMD EPYC, 2026-12-02).'),
    'Compare: D learning rate 0.001 vs 0.01': Preset(
        dict(RING, compare='lr_d', compare_value='0.01'),
        "B's D takes 10× larger steps: its dashed curves jump (spikes in G's loss), D(x) and D(G(z)) sit "
        "further apart, and B's fakes stay strung along the ring instead of gathering on the blobs (measured "
        'in the app after 3,000 steps: JS 0.15 vs 0.25 bits; 2-core AMD EPYC, 2026-12-02).'),
    'Compare: batch 256 vs 16': Preset(
        dict(RING, compare='batch_size', compare_value='16'),
        "B sees 16 points per step instead of 256: its dashed curves are far noisier (each step's loss is an "
        'estimate from 16 samples) but each step is cheaper; compare the two 2D views at the same step and '
        'the steps/s on the status lines.'),
}


# "Compare with…": B's typical values for each comparable setting (the form offers them; any can be typed).
COMPARE_VALUES: dict[str, list[str]] = {
    "loss": ["minimax", "non_saturating", "least_squares", "hinge", "wasserstein"],
    "lr_g": ["0.0001", "0.0002", "0.001", "0.01"], "lr_d": ["0.0001", "0.0002", "0.001", "0.01"],
    "k": ["1", "2", "5", "10"], "batch_size": ["16", "64", "256"], "latent_dim": ["2", "8", "64"],
}
