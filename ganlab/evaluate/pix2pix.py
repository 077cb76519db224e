"""Held-out quality of a pix2pix generator, and the comparison figure (sketch | models... | target).

Numbers, all on the never-trained-on split: L1 (mean |output - target| with images in [-1, 1],
the same scale as the training L1 term), how often an output is nearer (L1) to its own target
than to every other held-out target, colourfulness (Hasler & Süsstrunk 2003) and edge
sharpness (mean gradient magnitude) of outputs beside the targets' values.
"""

from __future__ import annotations

import numpy as np

from ganlab.images import grid, to_uint8
from ganlab.sampling import Sampler


def translate(sampler: Sampler, cond: np.ndarray, chunk: int = 32) -> np.ndarray:
    """Generator outputs (float32 in [-1, 1]) for inputs ``cond`` (N, H, W, C)."""
    outs = [np.asarray(sampler._run({"cond": cond[i : i + chunk]})) for i in range(0, len(cond), chunk)]
    return np.concatenate(outs)


def colourfulness(images: np.ndarray) -> float:
    """Mean Hasler-Süsstrunk colourfulness of uint8 RGB images (0 = gray; ~50+ = vivid)."""
    x = images.astype(np.float32)
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    axes = (1, 2)
    std = np.sqrt(rg.std(axes) ** 2 + yb.std(axes) ** 2)
    mean = np.sqrt(rg.mean(axes) ** 2 + yb.mean(axes) ** 2)
    return float(np.mean(std + 0.3 * mean))


def sharpness(images: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels (0-255 scale): higher = crisper edges."""
    x = images.astype(np.float32)
    return float((np.abs(np.diff(x, axis=1)).mean() + np.abs(np.diff(x, axis=2)).mean()) / 2)


def nearest_own_target(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Share of outputs whose L1-nearest held-out target is their own."""
    o = outputs.reshape(len(outputs), -1)
    t = targets.reshape(len(targets), -1)
    hits = [int(np.argmin(np.abs(t - o[i]).mean(1)) == i) for i in range(len(o))]
    return float(np.mean(hits))


def evaluate_pix2pix(sampler: Sampler, cond: np.ndarray, targets: np.ndarray) -> dict:
    """Held-out metrics of a generator (see the module docstring)."""
    outputs = translate(sampler, cond)
    out8, tgt8 = to_uint8(outputs), to_uint8(targets)
    return {
        "heldout_pairs": len(cond),
        "heldout_l1": round(float(np.abs(outputs - targets).mean()), 4),
        "nearest_own_target": round(nearest_own_target(outputs, targets), 4),
        "colourfulness": round(colourfulness(out8), 2),
        "target_colourfulness": round(colourfulness(tgt8), 2),
        "sharpness": round(sharpness(out8), 2),
        "target_sharpness": round(sharpness(tgt8), 2),
    }


def comparison_figure(cond: np.ndarray, columns: list[np.ndarray], targets: np.ndarray,
                      scale: int = 1) -> np.ndarray:
    """Rows of (input | each model's output | target), uint8 RGB; inputs shown in gray."""
    sketch = to_uint8(cond)
    sketch = np.repeat(sketch[..., None], 3, -1) if sketch.ndim == 3 else sketch
    rows = [sketch, *[to_uint8(c) for c in columns], to_uint8(targets)]
    tiles = np.stack(rows, 1).reshape(-1, *rows[1].shape[1:])
    out = grid(tiles, cols=len(rows), pad=4, pad_value=255)
    return np.repeat(np.repeat(out, scale, 0), scale, 1) if scale > 1 else out


# ----------------------------------------------------------------------------- command line

def held_out_split(card: dict, data_dir=None, limit: int | None = None) -> tuple[np.ndarray, np.ndarray, list]:
    """The held-out (inputs, targets, names) of the dataset a checkpoint was trained on."""
    from ganlab.data import load_dataset
    from ganlab.data.paired import held_out

    size = int(card["data_shape"][0])
    config = card.get("config") or {}
    dataset = load_dataset(card["dataset"], data_dir or config.get("data_dir"), size)
    cond, targets, names = held_out(dataset)
    return (cond[:limit], targets[:limit], names[:limit]) if limit else (cond, targets, names)


def cmd_evaluate_pix2pix(args, argv: list[str]) -> int:
    """Held-out metrics of pix2pix checkpoints; optional comparison figure; optional card update."""
    import json

    from ganlab.checkpoints import atomic_write_text, load_generator
    from ganlab.cli import _command
    from ganlab.images import save_png

    loaded = [load_generator(c) for c in [args.checkpoint, *args.compare]]
    for lg in loaded:
        if lg.gan.name != "pix2pix":
            raise ValueError(f"{lg.path} is a {lg.gan.name} checkpoint, not pix2pix.")
    cond, targets, names = held_out_split(loaded[0].card, args.data_dir)
    samplers = [Sampler(lg.gan) for lg in loaded]
    results = {}
    for lg, sampler in zip(loaded, samplers):
        r = evaluate_pix2pix(sampler, cond, targets)
        r["split"] = "held-out test split (never trained on)"
        r["command"] = _command(argv)
        results[str(lg.path)] = r
        print(json.dumps({"checkpoint": str(lg.path), **r}))
    if args.figure:
        idx = [int(i) for i in args.figure_rows.split(",")] if args.figure_rows else list(range(6))
        idx = [i for i in idx if 0 <= i < len(cond)]
        cols = [translate(s, cond[idx]) for s in [*samplers[1:], samplers[0]]]  # baselines first
        from pathlib import Path

        Path(args.figure).parent.mkdir(parents=True, exist_ok=True)
        save_png(comparison_figure(cond[idx], cols, targets[idx], scale=args.figure_scale), args.figure)
        print(f"figure ({', '.join(names[i] for i in idx)}) written to {args.figure}")
    if args.write_card:
        lg = loaded[0]
        quality = {**(lg.card.get("quality") or {}), "pix2pix": results[str(lg.path)]}
        if args.compare:
            quality["compared_with"] = {str(o.path): results[str(o.path)] for o in loaded[1:]}
        atomic_write_text(lg.path / "card.json", json.dumps(dict(lg.card, quality=quality), indent=2))
        print(f"held-out quality written to {lg.path / 'card.json'}")
    return 0


def cmd_export_float16(args, argv: list[str]) -> int:
    """Export a checkpoint for shipping with float16 hidden weights (half the size)."""
    import json
    from pathlib import Path

    from ganlab.checkpoints import atomic_write_dir, build_from_card, load_keras_weights, read_card, resolve
    from ganlab.cli import _command

    src = resolve(args.checkpoint)
    card = read_card(src)
    gan = build_from_card(card, precision="float32")
    load_keras_weights(gan.generator, src / "generator.keras")
    load_keras_weights(gan.discriminator, src / "discriminator.keras")
    half = build_from_card(card, precision="float16")
    half.generator.set_weights(gan.generator.get_weights())
    half.discriminator.set_weights(gan.discriminator.get_weights())
    card["exported"] = {"from": str(args.checkpoint), "command": _command(argv), "optimizer_state": False,
                        "weights": "float16 hidden layers, float32 output layers"}

    def write(tmp: Path) -> None:
        half.generator.save(tmp / "generator.keras")
        half.discriminator.save(tmp / "discriminator.keras")
        for name in ("history.csv", "samples.png"):
            if (src / name).is_file():
                (tmp / name).write_bytes((src / name).read_bytes())
        (tmp / "card.json").write_text(json.dumps(card, indent=2), encoding="utf-8")

    path = atomic_write_dir(Path(args.out), write)
    size = sum(p.stat().st_size for p in path.iterdir()) / 1e6
    print(f"exported {args.checkpoint} to {path} with float16 weights ({size:.1f} MB)")
    return 0


def register(sub) -> None:
    """Add the ``evaluate-pix2pix`` and ``export-float16`` subcommands to the CLI."""
    e = sub.add_parser("evaluate-pix2pix", help="held-out L1 (and more) of pix2pix checkpoints")
    e.add_argument("--checkpoint", required=True, help="folder or shipped name (pix2pix-openmoji)")
    e.add_argument("--compare", action="append", default=[], help="another pix2pix checkpoint (repeatable)")
    e.add_argument("--data-dir", default=None)
    e.add_argument("--figure", default=None, help="write input | compared... | checkpoint | target rows here")
    e.add_argument("--figure-rows", default=None, help="held-out indices for the figure, e.g. 0,5,9")
    e.add_argument("--figure-scale", type=int, default=1)
    e.add_argument("--write-card", action="store_true", help="store the result in the checkpoint's card")
    e.set_defaults(func=cmd_evaluate_pix2pix)

    x = sub.add_parser("export-float16", help="copy a checkpoint for shipping with float16 weights")
    x.add_argument("--checkpoint", required=True)
    x.add_argument("--out", required=True)
    x.set_defaults(func=cmd_export_float16)
