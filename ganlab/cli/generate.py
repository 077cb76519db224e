"""``generate``: images from a checkpoint into an .npz, fed the way its model draws (``GAN.generates_from``):
noise (plus classes or codes), a sentence, sketches to translate or low-res images to upscale."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from ganlab.cli.common import input_files, save_npz, shared


def add_parsers(sub: Any) -> None:
    """The ``generate`` subcommand."""
    g = sub.add_parser("generate", help="write generated images to an .npz file")
    shared(g, "--checkpoint", checkpoint={"help": "folder or shipped name (cgan-mnist, dcgan-fashion)"})
    g.add_argument("--count", type=int, default=16)
    g.add_argument("--labels", default=None,
                   help="classes (cGAN) or categorical codes (InfoGAN), e.g. 0,1,2 (repeats)")
    shared(g, "--seed")
    g.add_argument("--truncation", type=float, default=1.0, help="scale z toward 0 (0..1]")
    g.add_argument("--text", default=None,
                   help='text2img: the sentence to draw, e.g. "a thick seven slanted right" (labels: its digit)')
    g.add_argument("--inputs", default=None,
                   help="pix2pix: a sketch image or folder of images; srgan: images to upscale 4× "
                        "(default: the held-out inputs)")
    shared(g, "--data-dir", data_dir={"help": "pix2pix / srgan held-out inputs: data folder"})
    g.add_argument("--out", required=True, help="output .npz (arrays images, labels; pix2pix: inputs)")
    g.set_defaults(func=cmd_generate)


def cmd_generate(args: argparse.Namespace, argv: list[str]) -> int:
    """Write N generated images (uint8, dark background) and their labels to an .npz file."""
    from ganlab.checkpoints import load_generator
    from ganlab.images import to_uint8
    from ganlab.sampling import Sampler

    loaded = load_generator(args.checkpoint)
    source = loaded.gan.generates_from
    if source == "low_res":  # 4× super-resolution of input images
        return _generate_upscaled(args, loaded)
    if source == "sketch":  # the model translates input images: no latent to sample
        return _generate_paired(args, loaded)
    sampler = Sampler(loaded.gan)
    if args.text is not None:
        return _generate_from_text(args, loaded, sampler)
    labels = None
    if args.labels:
        try:
            asked = [int(v) for v in args.labels.split(",") if v.strip()]
        except ValueError:
            raise SystemExit(f"--labels must be comma-separated class numbers, got {args.labels!r}") from None
        labels = np.resize(np.array(asked, np.int32), args.count)
    images = to_uint8(sampler.sample(args.count, seed=args.seed, labels=labels, truncation=args.truncation))
    save_npz(args.out, images=images, labels=labels if labels is not None else np.full(args.count, -1, np.int32))
    print(f"wrote {args.count} images {images.shape[1:]} from {loaded.path.name} to {args.out}")
    return 0


def _generate_from_text(args: argparse.Namespace, loaded: Any, sampler: Any) -> int:
    """A model that reads text: --count images of one sentence; labels = the digit it names (−1 if none)."""
    from ganlab.data.captions import parse
    from ganlab.images import to_uint8
    from ganlab.models import generating_from
    from ganlab.sampling import latents, truncate

    if loaded.gan.generates_from != "text":
        raise SystemExit(f"--text needs a checkpoint of a model that reads text ({', '.join(generating_from('text'))}"
                         f"; shipped: text2img-mnist); {loaded.path.name} is {loaded.gan.name}")
    if args.count < 1:
        raise SystemExit(f"--count must be at least 1; got {args.count}")
    digit = parse(args.text).digit  # CaptionError (a ValueError) lists the vocabulary
    z = truncate(latents(args.count, loaded.gan.spec.latent_dim, args.seed), args.truncation)
    images = to_uint8(sampler(loaded.gan.text_latent(z, args.text)))
    save_npz(args.out, images=images, labels=np.full(args.count, digit, np.int32))
    print(f"wrote {args.count} images {images.shape[1:]} of {args.text!r} from {loaded.path.name} to {args.out}")
    return 0


def _generate_paired(args: argparse.Namespace, loaded: Any) -> int:
    """A sketch-to-picture model: translate --inputs (an image or a folder of images), else the held-out inputs."""
    from ganlab.data import load_dataset
    from ganlab.data.paired import held_out
    from ganlab.explore.sketch import SketchModel, preprocess
    from ganlab.images import to_uint8

    model = SketchModel(loaded)
    if args.inputs:
        files = input_files(args.inputs)[: args.count]
        sketches = np.stack([preprocess(str(f), model.size).sketch for f in files])
        names = [f.name for f in files]
    else:
        cond, _, names = held_out(load_dataset(loaded.card["dataset"], args.data_dir))
        sketches = to_uint8(np.asarray(cond[: args.count])[..., :1])  # (N, H, W): the channel axis dropped
        names = list(names[: len(sketches)])
    images = np.stack([model.generate(s) for s in sketches])
    save_npz(args.out, images=images, inputs=sketches, names=np.array(names),
             labels=np.full(len(images), -1, np.int32))
    what = "held-out inputs" if not args.inputs else str(args.inputs)
    print(f"wrote {len(images)} images {images.shape[1:]} from {loaded.path.name} ({what}) to {args.out}")
    return 0


def _upscale_inputs(inputs: str, count: int) -> tuple[list[np.ndarray], list[str]]:
    """The pictures of --inputs that can be upscaled, and their file names (a folder: the others skipped)."""
    from ganlab.explore.upscale import UpscaleError, check_size, to_rgb

    files = input_files(inputs)[:count]
    pictures, names = [], []
    for f in files:
        try:
            rgb = to_rgb(str(f))
            check_size(rgb)
        except UpscaleError as e:
            if len(files) == 1:
                raise
            print(f"skipped {f.name}: {e}", file=sys.stderr)  # a folder: go on with the others
            continue
        pictures.append(rgb)
        names.append(f.name)
    if not pictures:
        raise SystemExit(f"--inputs: none of the {len(files)} files could be upscaled")
    return pictures, names


def _generate_upscaled(args: argparse.Namespace, loaded: Any) -> int:
    """A super-resolution model: upscale --inputs (an image or a folder of images) 4×, else the held-out
    low-res inputs."""
    from ganlab.evaluate.superres import held_out_pairs
    from ganlab.explore.upscale import UpscaleModel

    model = UpscaleModel(loaded)
    if args.inputs:
        inputs, names = _upscale_inputs(args.inputs, args.count)
    else:
        low, _, names = held_out_pairs(loaded.card, args.data_dir, limit=args.count)
        inputs = list(low)
    images = [model.upscale(x) for x in inputs]
    if len({im.shape for im in images}) == 1:
        arrays = {"images": np.stack(images), "inputs": np.stack(inputs)}
    else:  # different sizes: one array per image
        arrays = {f"image_{i:03d}": im for i, im in enumerate(images)}
        arrays.update({f"input_{i:03d}": x for i, x in enumerate(inputs)})
    save_npz(args.out, names=np.array(names), labels=np.full(len(images), -1, np.int32), **arrays)
    what = "held-out inputs" if not args.inputs else str(args.inputs)
    print(f"wrote {len(images)} 4× images (first {images[0].shape}) from {loaded.path.name} ({what}) to {args.out}")
    return 0
