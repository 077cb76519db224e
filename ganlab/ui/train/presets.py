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


# The healthy ring's settings, which the other 2D presets start from (and the "Compare:" presets' run A).
# Each 2D preset has a pace (speed, steps per second) at which its note's event shows 10-25 s after Start
# (benchmarks/lesson_seeds.py --events; docs/teaching.md); a teacher may raise it while it trains.
RING = dict(model='vanilla', dataset='ring', loss='non_saturating', lr_g=0.001, lr_d=0.001, k=1, batch_size=256,
            latent_dim=8, seed=0, steps=3000, speed=25)


def images(model: str, dataset: str, lr: tuple[float, float], batch_size: int, latent_dim: int,
           steps: int) -> dict[str, Any]:
    """An image preset's settings: non-saturating loss, k = 1, seed 0, full speed; ``lr``: G's and D's."""
    return dict(model=model, dataset=dataset, loss='non_saturating', lr_g=lr[0], lr_d=lr[1], k=1,
                batch_size=batch_size, latent_dim=latent_dim, seed=0, steps=steps)

PRESETS: dict[str, Preset] = {
    'Healthy: ring of 8 Gaussians': Preset(
        dict(RING),
        "G's purple fakes start as a small clump in the middle, then stretch out until they sit on all 8 "
        "green blobs (seeds 0-5: by step 250-600). D's heatmap turns purple everywhere except white patches "
        'around the eight blobs: D is unsure (white) only where real and fake points overlap, and calls '
        'every other place fake.'),
    'Healthy: MNIST digits (conditional GAN)': Preset(
        images('cgan', 'mnist', (0.0002, 0.0002), batch_size=64, latent_dim=64, steps=3000),
        'One row per digit: grey blobs become readable digits within a minute or two, and the '
        "classifier's hit rate for the asked digit climbs toward 99%."),
    'Healthy: Fashion-MNIST (DCGAN, TF tutorial model)': Preset(
        images('dcgan', 'fashion', (0.0002, 0.0002), batch_size=64, latent_dim=100, steps=4000),
        "The TensorFlow tutorial's DCGAN: blurry, checkered shirt and dress shapes after a few hundred steps; "
        'shoes and bags take a few thousand.'),
    'Healthy: sketch → emoji (pix2pix)': Preset(
        images('pix2pix', 'openmoji', (0.0002, 0.0002), batch_size=16, latent_dim=1, steps=3000),
        "Rows: held-out sketches, their true emojis, G's pictures. Flat colour blobs appear within a few "
        'hundred steps (slow on a laptop: ~3 steps/s); the L1 curve falls while the GAN terms keep '
        'pushing for sharper, more colourful patches.'),
    'Healthy: 4× super-resolution (SRGAN)': Preset(
        images('srgan', 'openmoji', (0.0001, 0.0001), batch_size=16, latent_dim=1, steps=1000),
        "Rows: held-out emojis shrunk to 32×32 (shown with big pixels), the true 128×128 emojis, G's 4× "
        'pictures. G starts from a bicubic enlargement and learns the missing edges: the mse curve falls '
        'within a few hundred steps (~1 step/s on a laptop).'),
    'Few labels (semi-supervised)': Preset(
        images('sgan', 'mnist', (0.0003, 0.001), batch_size=100, latent_dim=100, steps=5000),
        "D is a classifier with 11 outputs, digits 0-9 and 'fake', taught by only 100 labelled images and"
        ' 59,900 unlabelled ones. The quality meter plots its test accuracy beside a baseline, the same '
        "network trained on the 100 labels alone: the baseline stalls near 75-80 %, the GAN's classifier "
        'climbs past it (measured: 95.0 % vs 79.4 % after 5,000 steps, 10 min on a busy 2-core CPU). G '
        'learns at 0.0003: at 0.001 D overpowered it after 3,000-4,000 steps (D(G(z)) fell to 0, samples '
        'turned to noise).'),
    'Broken: discriminator far too strong': Preset(
        dict(RING, loss='minimax', lr_g=0.0001, lr_d=0.005, k=5, steps=1200, speed=5),
        'D trains 5 times per G step with a 50× larger learning rate. Within the first hundred steps the '
        'fakes crowd into a streak over one to four blobs, and there they stay stuck: D keeps winning (D(x) ≈ '
        '0.8-0.95, D(G(z)) ≈ 0.05-0.2) and the rest of the ring stays empty to the end (seeds 0-5: 1-4 blobs '
        'of 8). '
        'The non-saturating loss gets stuck the same way here.'),
    'Broken: learning rate too high': Preset(
        dict(RING, lr_g=0.3, lr_d=0.3, steps=120, speed=1),
        'Steps 300× too large: within a few steps the loss curves shoot up to huge numbers (millions and '
        'more: the curves switch to a log scale) and jump about, and the fakes are flung off the ring, most of '
        'them right out of the picture (triangles on its edge); some may fall back as a loose cloud, but they '
        'never settle on the blobs (sometimes a number becomes NaN and training stops).'),
    'Broken: mode collapse on the ring': Preset(
        dict(RING, lr_g=0.01, lr_d=0.0002, batch_size=64, latent_dim=2, speed=12),
        'G learns 50× faster than D: it squeezes all its points into one small spot (a tight clump or a thin '
        'streak), on a blob or between blobs, where it fools D best. D slowly learns to call that spot fake, '
        'so the clump hops to another blob (or between blobs) every few hundred steps. The coverage alarm '
        'fires from step 200 (seeds 0-5: at most 1 blob of 8 covered after 3,000 steps).'),
    'Compare: minimax vs non-saturating loss': Preset(
        dict(RING, optimizer='sgd', lr_g=0.001, lr_d=0.2, k=3, steps=600, compare='loss', compare_value='minimax',
             speed=5),
        'Plain SGD (a step is the learning rate times the gradient) with D 200× faster than G and 3 D steps per '
        'G step: D soon rejects both runs\' fakes with confidence. Run A (non-saturating, −log D(G(z))) gets its '
        'strongest push exactly then: its orange arrows grow, and after 75-100 steps (15-20 s) its fakes have '
        "left the middle for the ring (they land on one or two blobs). Run B (minimax, log(1 − D(G(z)))) sees "
        "D(G(z)) ≈ 0.001 (seed 5: 0.07): its gradient vanishes, its arrows shrink or vanish, its dashed G-loss "
        'curve lies flat at 0, and its fakes stay stuck in the middle (seeds 0-5 after 600 steps: JS 0.63-0.73 '
        "bits for A vs 0.98-0.99 for B; seed 5's B creeps out to 0.78). Under Adam, which scales every step to "
        'full size (the other presets), minimax keeps up.'),
    'Compare: k = 1 vs k = 5 (D steps per G step)': Preset(
        dict(RING, compare='k', compare_value='5'),
        "B trains D five times per G step, so B's D wins: B's heatmap is green everywhere except a purple "
        "zone around B's fakes, and B's fakes crowd onto two to five blobs while A's cover all eight "
        '(seeds 0-5 after 3,000 steps: JS 0.05-0.14 vs 0.31-0.63 bits).'),
    'Compare: D learning rate 0.001 vs 0.01': Preset(
        dict(RING, compare='lr_d', compare_value='0.01', speed=30),
        "B's D takes 10× larger steps: B's fakes never settle on all the blobs. After 3,000 steps they "
        "cover 4-7 of the 8, while A's sit on 7-8 (seeds 0-5: JS 0.05-0.14 vs 0.26-0.50 bits)."),
    'Compare: batch 256 vs 16': Preset(
        dict(RING, compare='batch_size', compare_value='16', speed=10),
        "B sees 16 points per step instead of 256: its dashed loss curves are far noisier (each step's loss "
        "is measured on 16 points: D's loss jumps several times more from step to step, the reading says how "
        "many), and a few hundred steps later its fakes sit less neatly on the blobs (5 of seeds 0-5); but each "
        "of its steps is cheaper: set the pace to 0 (full speed) and compare the steps/s on the status lines (at "
        "the preset's pace both run at about 10 steps/s)."),
}


# "Compare with…": B's typical values for each comparable setting (the form offers them; any can be typed).
COMPARE_VALUES: dict[str, list[str]] = {
    "loss": ["minimax", "non_saturating", "least_squares", "hinge", "wasserstein"],
    "lr_g": ["0.0001", "0.0002", "0.001", "0.01"], "lr_d": ["0.0001", "0.0002", "0.001", "0.01"],
    "k": ["1", "2", "5", "10"], "batch_size": ["16", "64", "256"], "latent_dim": ["2", "8", "64"],
}
