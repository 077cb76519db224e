"""``project``: find the z (and class or codes) whose image is closest to a picture (``explore.project``)."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ganlab.cli.common import save_npz, shared


def add_parsers(sub: Any) -> None:
    """The ``project`` subcommand."""
    p = sub.add_parser("project", help="project a picture into a generator: the z whose image is closest")
    shared(p, "--checkpoint", checkpoint={"help": "folder or shipped name (cgan-mnist, dcgan-fashion, infogan-mnist)"})
    p.add_argument("--image", required=True, help="the picture (PNG/JPEG; a digit is centred as MNIST's are)")
    p.add_argument("--label", type=int, default=None,
                   help="fix the class (cGAN) or category (InfoGAN) instead of searching them all "
                        "(an InfoGAN's continuous codes are always searched)")
    p.add_argument("--steps", type=int, default=None, help="Adam steps (default 200)")
    p.add_argument("--restarts", type=int, default=None, help="starting points refined together (default 8)")
    shared(p, "--seed")
    p.add_argument("--out", required=True,
                   help="output .npz: z (1, latent_dim), image (1, H, W) uint8 the projection, target (1, H, W) "
                        "uint8 the picture as projected, pixel_distance, feature_distance, verdict; label (1,) "
                        "and codes (1, C) where the model has them")
    p.set_defaults(func=cmd_project)


def cmd_project(args: argparse.Namespace, argv: list[str]) -> int:
    """Project one picture and write what was found to an .npz file."""
    from ganlab.explore.project import RESTARTS, STEPS, load_projector, prepare_target

    steps, restarts = args.steps or STEPS, args.restarts or RESTARTS
    if not 1 <= steps <= 5000 or not 1 <= restarts <= 64:
        raise SystemExit(f"--steps must be 1-5000 and --restarts 1-64; got {steps} and {restarts}")
    projector = load_projector(args.checkpoint)
    target = prepare_target(args.image, projector.shape, digits=projector.digits)
    p = projector(target, label=args.label, steps=steps, restarts=restarts, seed=args.seed)
    arrays = {"z": p.z[None], "image": p.image[None], "target": p.target[None],
              "pixel_distance": np.float32(p.pixel_distance),
              "feature_distance": np.float32(np.nan if p.feature_distance is None else p.feature_distance),
              "verdict": np.array(p.verdict())}
    if p.label is not None:
        arrays["label"] = np.array([p.label], np.int32)
    if p.codes is not None:
        arrays["codes"] = p.codes[None]
    save_npz(args.out, **arrays)
    found = "" if p.label is None else (f"class {p.label_name}, " if p.label_name else f"category {p.label}, ")
    found += "" if p.codes is None else "codes " + " ".join(f"{c:+.2f}" for c in p.codes) + ", "
    feature = "" if p.feature_distance is None else f", feature distance {p.feature_distance:.2f}"
    print(f"projected {args.image} into {args.checkpoint} in {p.seconds:.1f} s: {found}pixel distance "
          f"{p.pixel_distance:.3f} (RMS, 0..1){feature}\n{p.verdict()}\nwrote {args.out}")
    return 0
