"""Command line: ``python -m ganlab train | generate | evaluate | evaluate-infogan | evaluate-pix2pix |
evaluate-srgan | evaluate-sgan | evaluate-augmentation | evaluate-text2img | classify | train-classifier |
export | export-float16 | bench``.

The commands import the heavy modules (Keras, TensorFlow) inside their functions on purpose: that is
for start-up time only (``--help`` and argument errors answer at once instead of after ~3 s of
TensorFlow loading), not to hide an import cycle — nothing in ganlab imports this module.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import numpy as np

from ganlab.config import PRECISIONS, TENSORBOARD_IMAGE_EVERY, default_of


def command_line(argv: list[str]) -> str:
    """The command as a user would type it again (recorded in checkpoint cards)."""
    return "python -m ganlab " + shlex.join(argv)


def _parse_options(items: list[str]) -> dict:
    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--option expects key=value, got {item!r}")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def _train_options(args: argparse.Namespace) -> dict:
    """Model options from --option KEY=VALUE and the flags that are shorthands for one."""
    options = _parse_options(args.option)
    if args.labels_per_class is not None:
        options["labels_per_class"] = args.labels_per_class
    return options


def cmd_train(args: argparse.Namespace, argv: list[str]) -> int:
    """Train a GAN with a progress bar and write a checkpoint to --out."""
    from ganlab.devices import parse_devices, request_host_devices

    devices = parse_devices(args.devices) if args.devices else 1
    request_host_devices(devices)  # before the backend starts: JAX reads it when its CPU backend starts
    from tqdm import tqdm

    from ganlab.config import TrainConfig
    from ganlab.evaluate.classifier import run_quality
    from ganlab.images import save_png
    from ganlab.train.distributed import cluster_from_env, data_parallel
    from ganlab.train.session import TrainingSession

    config = TrainConfig(
        model=args.model, dataset=args.dataset, loss=args.loss, steps=args.steps,
        batch_size=args.batch_size, lr_g=args.lr_g, lr_d=args.lr_d, beta1=args.beta1,
        beta2=args.beta2, k=args.k, latent_dim=args.latent_dim, seed=args.seed,
        precision=args.precision, xla=args.xla, data_dir=args.data_dir,
        image_size=args.image_size, limit=args.limit, lr_decay_start=args.lr_decay_start,
        options=_train_options(args))
    cluster = cluster_from_env()  # several machines: TF_CONFIG, or KERAS_DISTRIBUTION_* on JAX
    if cluster is not None and not args.devices:
        devices = None  # this machine's devices, all of them
    parallel = data_parallel(devices) if devices != 1 or cluster is not None else None
    chief = parallel is None or parallel.chief  # in a cluster, only worker 0 writes files
    if args.resume:
        overrides: dict = {"steps": args.steps}
        if args.lr_decay_start is not None:  # e.g. go on from a checkpoint and let the rates fall to 0
            overrides["lr_decay_start"] = args.lr_decay_start
        if args.option:  # e.g. SRGAN fine-tuned from its SRResNet: --option adversarial_weight=0.001
            from ganlab.checkpoints import read_card

            overrides["options"] = {**read_card(args.resume)["config"].get("options", {}), **config.options}
        session = TrainingSession.resume_from(args.resume, parallel=parallel, **overrides)
        session.command = f"{session.command} ; then {command_line(argv)}" if session.command else command_line(argv)
    else:
        session = TrainingSession(config, command=command_line(argv), parallel=parallel)
    c = session.config
    print(f"{c.model} on {c.dataset} ({len(session.dataset)} examples {session.dataset.shape}), "
          f"loss={c.loss}, k={c.k}, batch={c.batch_size}, lr_g={c.lr_g:g}, lr_d={c.lr_d:g}, "
          f"latent={c.latent_dim}, precision={c.precision}, device: {session.device}"
          + (f", learning rates fall linearly to 0 from step {c.lr_decay_start:,} to {c.steps:,}"
             if c.lr_decay_start is not None else ""), flush=True)
    out = Path(args.out or f"runs/{c.model}-{Path(c.dataset).name}")
    board = None
    if args.tensorboard and chief:
        from ganlab.train.tensorboard import TensorBoardLogger

        board = TensorBoardLogger(session, args.tensorboard, args.tensorboard_images)
        print(f"TensorBoard logs in {args.tensorboard}: tensorboard --logdir {args.tensorboard}", flush=True)
    bar = tqdm(total=c.steps, initial=session.step_count, unit="step", dynamic_ncols=True,
               disable=args.quiet or not chief)
    last_save = session.step_count
    try:
        for rec in session.run():
            bar.update(1)
            if board is not None:
                board.update()
            if rec.step % 10 == 0 or rec.step == c.steps:
                bar.set_postfix(d=f"{rec.d_loss:.3f}", g=f"{rec.g_loss:.3f}",
                                Dx=f"{rec.d_real:.2f}", DGz=f"{rec.d_fake:.2f}",
                                sps=f"{rec.steps_per_sec:.1f}")
            if args.save_every and rec.step - last_save >= args.save_every:
                if chief:
                    session.save(out)
                last_save = rec.step
    except KeyboardInterrupt:
        session.stop("interrupted (Ctrl-C)")
        print("\nInterrupted: saving what was trained so far.", file=sys.stderr)
    bar.close()
    if board is not None:
        board.close()
    if session.status == "diverged":
        print(session.stop_reason, file=sys.stderr)
        return 2
    quality = None if args.no_eval else run_quality(session.gan, session.dataset, c.dataset)
    if quality is not None:
        print("test accuracy:" if "sgan" in quality else "quality:",
              json.dumps(quality.get("sgan", quality)))
    preview = session.preview() if session.spec.is_image else None  # every worker (JAX: a global computation)
    if not chief:
        print(f"worker {parallel.cluster.index} trained to step {session.step_count}; "
              "the chief (worker 0) writes the checkpoint")
        return 0
    path = session.save(out, quality=quality)
    if preview is not None:
        save_png(preview, path / "samples.png")
    print(f"saved checkpoint to {path} (step {session.step_count})")
    return 0


def cmd_generate(args: argparse.Namespace, argv: list[str]) -> int:
    """Write N generated images (uint8, dark background) and their labels to an .npz file."""
    from ganlab.checkpoints import load_generator
    from ganlab.images import to_uint8
    from ganlab.sampling import Sampler

    loaded = load_generator(args.checkpoint)
    if loaded.gan.name == "srgan":  # 4× super-resolution of input images
        return _generate_upscaled(args, loaded)
    if loaded.gan.paired:  # the model translates input images: no latent to sample
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
    images = sampler.sample(args.count, seed=args.seed, labels=labels, truncation=args.truncation)
    out_labels = labels if labels is not None else np.full(args.count, -1, np.int32)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, images=to_uint8(images), labels=out_labels)
    print(f"wrote {args.count} images {to_uint8(images).shape[1:]} from {loaded.path.name} to {args.out}")
    return 0


def _generate_from_text(args: argparse.Namespace, loaded, sampler) -> int:
    """text2img: --count images of one sentence; labels = the digit it names (−1 if none)."""
    from ganlab.data.captions import parse
    from ganlab.images import to_uint8
    from ganlab.sampling import latents, truncate

    if loaded.gan.name != "text2img":
        raise SystemExit(f"--text needs a text2img checkpoint (text2img-mnist); {loaded.path.name} is "
                         f"{loaded.gan.name}")
    if args.count < 1:
        raise SystemExit(f"--count must be at least 1; got {args.count}")
    digit = parse(args.text).digit  # CaptionError (a ValueError) lists the vocabulary
    z = truncate(latents(args.count, loaded.gan.spec.latent_dim, args.seed), args.truncation)
    images = to_uint8(sampler(loaded.gan.text_latent(z, args.text)))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, images=images, labels=np.full(args.count, digit, np.int32))
    print(f"wrote {args.count} images {images.shape[1:]} of {args.text!r} from {loaded.path.name} to {args.out}")
    return 0


def cmd_evaluate_text2img(args: argparse.Namespace, argv: list[str]) -> int:
    """Digit accuracy per digit word, same-seed attribute ordering and diversity of a text2img checkpoint."""
    from ganlab.checkpoints import atomic_write_text, load_generator
    from ganlab.data import mnist_like
    from ganlab.evaluate.classifier import load_classifier
    from ganlab.evaluate.text2img import evaluate_text2img, table

    loaded = load_generator(args.checkpoint, model="text2img")
    clf = load_classifier(args.classifier or "classifier-mnist")
    real = mnist_like("mnist", "test", args.data_dir)
    result = evaluate_text2img(loaded.gan, clf, real, per_class=args.per_class, seed=args.seed)
    result["classifier"] = f"classifier-{clf.card.get('dataset', 'mnist')}"
    result["command"] = command_line(argv)
    print(table(result))
    print(json.dumps(result))
    if args.write_card:
        quality = {**(loaded.card.get("quality") or {}), "text2img": result}
        atomic_write_text(loaded.path / "card.json", json.dumps(dict(loaded.card, quality=quality), indent=2))
        print(f"text quality written to {loaded.path / 'card.json'}")
    return 0


def _generate_paired(args: argparse.Namespace, loaded) -> int:
    """pix2pix: translate --inputs (an image or a folder of images), else the held-out inputs."""
    from ganlab.data import load_dataset
    from ganlab.data.paired import held_out
    from ganlab.explore.sketch import SketchModel, preprocess
    from ganlab.images import to_uint8

    model = SketchModel(loaded)
    if args.inputs:
        src = Path(args.inputs).expanduser()
        files = sorted(f for f in src.iterdir() if f.suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp", ".webp")) \
            if src.is_dir() else [src]
        if not files or not files[0].exists():
            raise SystemExit(f"--inputs: no image found at {src}")
        prepared = [preprocess(str(f), model.size) for f in files[: args.count]]
        sketches = np.stack([p.sketch for p in prepared])
        names = [f.name for f in files[: args.count]]
    else:
        dataset = load_dataset(loaded.card["dataset"], args.data_dir)
        cond, _, names = held_out(dataset)
        cond = np.asarray(cond[: args.count])
        sketches = to_uint8(cond[..., :1])  # (N, H, W): the channel axis of size 1 is dropped
        names = list(names[: len(sketches)])
    images = np.stack([model.generate(s) for s in sketches])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, images=images, inputs=sketches, names=np.array(names),
                        labels=np.full(len(images), -1, np.int32))
    what = "held-out inputs" if not args.inputs else str(args.inputs)
    print(f"wrote {len(images)} images {images.shape[1:]} from {loaded.path.name} ({what}) to {args.out}")
    return 0


def _input_files(inputs: str) -> list[Path]:
    """An image file, or the images in a folder (sorted)."""
    src = Path(inputs).expanduser()
    files = sorted(f for f in src.iterdir() if f.suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp", ".webp")) \
        if src.is_dir() else [src]
    if not files or not files[0].exists():
        raise SystemExit(f"--inputs: no image found at {src}")
    return files


def _generate_upscaled(args: argparse.Namespace, loaded) -> int:
    """SRGAN: upscale --inputs (an image or a folder of images) 4×, else the held-out low-res inputs."""
    from ganlab.evaluate.superres import held_out_pairs
    from ganlab.explore.upscale import UpscaleError, UpscaleModel, check_size, to_rgb

    model = UpscaleModel(loaded)
    if args.inputs:
        files = _input_files(args.inputs)[: args.count]
        inputs, names = [], []
        for f in files:
            try:
                rgb = to_rgb(str(f))
                check_size(rgb)
            except UpscaleError as e:
                if len(files) == 1:
                    raise
                print(f"skipped {f.name}: {e}", file=sys.stderr)  # a folder: go on with the others
                continue
            inputs.append(rgb)
            names.append(f.name)
        if not inputs:
            raise SystemExit(f"--inputs: none of the {len(files)} files could be upscaled")
    else:
        low, _, names = held_out_pairs(loaded.card, args.data_dir, limit=args.count)
        inputs = list(low)
    images = [model.upscale(x) for x in inputs]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if len({im.shape for im in images}) == 1:
        arrays = {"images": np.stack(images), "inputs": np.stack(inputs)}
    else:  # different sizes: one array per image
        arrays = {f"image_{i:03d}": im for i, im in enumerate(images)}
        arrays.update({f"input_{i:03d}": x for i, x in enumerate(inputs)})
    np.savez_compressed(args.out, names=np.array(names), labels=np.full(len(images), -1, np.int32), **arrays)
    what = "held-out inputs" if not args.inputs else str(args.inputs)
    print(f"wrote {len(images)} 4× images (first {images[0].shape}) from {loaded.path.name} ({what}) to {args.out}")
    return 0


def cmd_evaluate_srgan(args: argparse.Namespace, argv: list[str]) -> int:
    """Held-out PSNR / SSIM / sharpness of SRGAN checkpoints and bicubic; table, figure, card."""
    from ganlab.checkpoints import atomic_write_text, load_generator
    from ganlab.evaluate.superres import comparison_figure, held_out_pairs, measure, table, upscale_all
    from ganlab.images import bicubic_up, nearest_up, save_png
    from ganlab.sampling import Sampler

    loaded = [load_generator(c) for c in [*args.compare, args.checkpoint]]  # baselines first
    for lg in loaded:
        if lg.gan.name != "srgan":
            raise ValueError(f"{lg.path} is a {lg.gan.name} checkpoint, not srgan.")
    low, truth, names = held_out_pairs(loaded[-1].card, args.data_dir, args.limit)
    columns = {"bicubic": bicubic_up(low)}
    labels = args.labels.split(",") if args.labels else [lg.path.name for lg in loaded]
    if len(labels) != len(loaded):
        raise SystemExit(f"--labels needs {len(loaded)} names (compared checkpoints first, then --checkpoint)")
    for label, lg in zip(labels, loaded):
        columns[label] = upscale_all(Sampler(lg.gan), low)
    rows = {name: measure(out, truth) for name, out in columns.items()}
    split = f"{len(low)} held-out pairs of {loaded[-1].card['dataset']} (never trained on)"
    print(f"{split}\n{table(rows)}")
    if args.table:
        Path(args.table).parent.mkdir(parents=True, exist_ok=True)
        Path(args.table).write_text(f"{split}\n\n{table(rows)}\n", encoding="utf-8")
        print(f"table written to {args.table}")
    if args.figure:
        idx = [int(i) for i in args.figure_rows.split(",")] if args.figure_rows else list(range(6))
        idx = [i for i in idx if 0 <= i < len(low)]
        cols = [nearest_up(low[idx]), *[c[idx] for c in columns.values()], truth[idx]]
        Path(args.figure).parent.mkdir(parents=True, exist_ok=True)
        save_png(comparison_figure(cols, scale=args.figure_scale), args.figure)
        print(f"figure (low-res | {' | '.join(columns)} | truth; {', '.join(names[i] for i in idx)}) "
              f"written to {args.figure}")
    if args.write_card:
        lg = loaded[-1]
        result = {"split": split, "methods": rows, "command": command_line(argv),
                  "metrics": "PSNR on RGB uint8; SSIM on luminance (σ=1.5); sharpness = mean gradient "
                             "magnitude / the truth's"}
        quality = {**(lg.card.get("quality") or {}), "superres": result}
        atomic_write_text(lg.path / "card.json", json.dumps(dict(lg.card, quality=quality), indent=2))
        print(f"held-out quality written to {lg.path / 'card.json'}")
    return 0


def cmd_evaluate(args: argparse.Namespace, argv: list[str]) -> int:
    """Measure a checkpoint with the independent classifier and print JSON."""
    from ganlab.checkpoints import atomic_write_text, load_generator
    from ganlab.data import mnist_like
    from ganlab.evaluate.classifier import evaluate_generator, load_classifier

    loaded = load_generator(args.checkpoint)
    dataset = args.dataset or loaded.card["dataset"]
    clf = load_classifier(args.classifier or f"classifier-{dataset}")
    real = mnist_like(dataset, "test", args.data_dir)
    result = evaluate_generator(loaded.gan, clf, real, per_class=args.per_class, seed=args.seed)
    result["classifier"] = clf.card.get("dataset") and f"classifier-{clf.card['dataset']}"
    result["command"] = command_line(argv)
    print(json.dumps(result))
    if args.write_card:
        card = dict(loaded.card, quality=result)
        atomic_write_text(loaded.path / "card.json", json.dumps(card, indent=2))
        print(f"quality written to {loaded.path / 'card.json'}")
    return 0


def cmd_evaluate_infogan(args: argparse.Namespace, argv: list[str]) -> int:
    """Measure what an InfoGAN's codes mean (category→digit accuracy, code 1/2 effects); print JSON."""
    from ganlab.checkpoints import atomic_write_text
    from ganlab.evaluate.classifier import load_classifier
    from ganlab.evaluate.infogan import describe_code, evaluate_infogan
    from ganlab.explore.infogan import code_figure, load_infogan
    from ganlab.images import save_png

    model = load_infogan(args.checkpoint)
    clf = load_classifier(args.classifier or f"classifier-{model.card['dataset']}")
    result = evaluate_infogan(model, clf, per_category=args.per_category, samples=args.samples,
                              seed=args.seed)
    result["classifier"] = clf.card.get("dataset") and f"classifier-{clf.card['dataset']}"
    result["command"] = command_line(argv)
    print(json.dumps({k: v for k, v in result.items() if k != "confusion"}))
    print(f"category→digit accuracy (best one-to-one mapping): {result['accuracy']:.1%} "
          f"(paper: ~95%); mapping {result['mapping']}")
    for code in result["codes"]:
        print(describe_code(code))
    card = dict(model.card, quality={**(model.card.get("quality") or {}), "infogan": result})
    model.loaded.card = card  # figures read the mapping and code meanings from the card
    if args.figure:
        first = Path(args.figure)
        first.parent.mkdir(parents=True, exist_ok=True)
        for j in range(model.continuous):
            path = first if j == 0 else first.with_name(f"{first.stem}_{j + 1}{first.suffix}")
            save_png(code_figure(model, j, seed=args.figure_seed), path)
            print(f"figure for code {j + 1} written to {path}")
    if args.write_card:
        atomic_write_text(model.loaded.path / "card.json", json.dumps(card, indent=2))
        print(f"InfoGAN measurements written to {model.loaded.path / 'card.json'}")
    return 0


def _add_quality(checkpoint: str, key: str, record: dict) -> Path:
    """Store ``record`` under ``quality[key]`` in a checkpoint's card (atomically); the card's path."""
    from ganlab.checkpoints import atomic_write_text, read_card, resolve

    folder = resolve(checkpoint)
    card = read_card(folder)
    card["quality"] = {**(card.get("quality") or {}), key: record}
    atomic_write_text(folder / "card.json", json.dumps(card, indent=2))
    return folder / "card.json"


def cmd_evaluate_sgan(args: argparse.Namespace, argv: list[str]) -> int:
    """Test accuracy of SGAN checkpoints' classifiers and of their labels-only baselines; a table, a
    figure (accuracy against the number of labels) and card updates on request."""
    from ganlab.evaluate.classify import accuracy_figure, accuracy_table, sgan_test_accuracy
    from ganlab.images import save_png

    results = []
    for checkpoint in args.checkpoint:
        result = {**sgan_test_accuracy(checkpoint, args.data_dir, args.limit), "command": command_line(argv)}
        results.append(result)
        print(json.dumps({"checkpoint": checkpoint, **result}))
        if args.write_card:
            print(f"test accuracy written to {_add_quality(checkpoint, 'sgan', result)}")
    table = accuracy_table(results)
    print(table)
    if args.figure:
        Path(args.figure).parent.mkdir(parents=True, exist_ok=True)
        save_png(accuracy_figure(results), args.figure)
        print(f"figure written to {args.figure}")
    return 0


def cmd_evaluate_augmentation(args: argparse.Namespace, argv: list[str]) -> int:
    """Classifier test accuracy on N real labelled images, with and without a cGAN's samples."""
    from ganlab.evaluate.augmentation import augmentation_experiment, augmentation_table

    results = []
    for checkpoint in args.checkpoint:
        result = augmentation_experiment(checkpoint, args.data_dir, args.generated_per_class, args.steps,
                                         tuple(range(args.seeds)), args.limit)
        results.append(result)
        record = {**result.as_dict(), "command": command_line(argv)}
        print(json.dumps(record))
        if args.write_card:
            print(f"result written to {_add_quality(checkpoint, 'augmentation', record)}")
    print(augmentation_table(results))
    return 0


def _load_images(path: str) -> np.ndarray:
    """The ``images`` array of an .npz file; ValueError with a message when it is not there."""
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ValueError(f"--images: no file {path}") from None
    except (OSError, ValueError) as e:
        raise ValueError(f"--images: {path} is not an .npz file as `generate` writes it ({e})") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"--images: {path} holds one bare array; save it as an .npz with "
                         "np.savez(path, images=...)")
    with data:
        if "images" not in data.files:
            raise ValueError(f"{path} has no array named 'images' (found {', '.join(data.files) or 'none'}).")
        return data["images"]


def cmd_classify(args: argparse.Namespace, argv: list[str]) -> int:
    """Classify images from an .npz (as `generate` writes them); write the reading to --out."""
    from ganlab.evaluate.classify import check_pixels, load_image_classifier

    images = check_pixels(_load_images(args.images))  # NaN, dtype, axes: before the model loads
    clf = load_image_classifier(args.checkpoint, args.head)
    reading = clf(images)
    labels = reading.labels_with_fake if args.labels_with_fake else reading.labels
    arrays = {"labels": labels, "probs": reading.probs, "names": np.array(clf.names)}
    if reading.p_fake is not None:
        arrays["p_fake"] = reading.p_fake
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    counts = np.bincount(labels, minlength=len(clf.names))
    read = ", ".join(f"{name}: {n:,}" for name, n in zip(clf.names, counts) if n)
    n = len(labels)
    fake = "" if reading.p_fake is None else \
        f"; D calls {reading.called_fake:,} of {n:,} ({100 * reading.called_fake / n:.1f} %) fake"
    what = "read (if real) as" if reading.p_fake is not None and not args.labels_with_fake else "read as"
    print(f"classified {n:,} images with {clf.source} into {args.out} ({', '.join(arrays)}); {what} {read}{fake}")
    return 0


def cmd_train_classifier(args: argparse.Namespace, argv: list[str]) -> int:
    """Train and save the independent evaluation classifier."""
    from ganlab.evaluate.classifier import train_and_save_classifier

    card = train_and_save_classifier(args.dataset, Path(args.out), args.data_dir, args.epochs,
                                     args.seed, command_line(argv), limit=args.limit)
    print(json.dumps(card))
    return 0


def cmd_export(args: argparse.Namespace, argv: list[str]) -> int:
    """Copy a checkpoint for shipping, without optimizer state (``export-float16``: float16 weights);
    ``--format keras|tf_saved_model|onnx``: the generator through Keras' own export, checked."""
    from ganlab.checkpoints import export_checkpoint, export_float16

    if args.format != "checkpoint":
        return _export_generator(args)
    if not args.out:
        raise SystemExit("export: --out is required with --format checkpoint")
    export = export_float16 if args.float16 else export_checkpoint
    path = export(args.checkpoint, args.out, command_line(argv))
    size = sum(p.stat().st_size for p in path.iterdir()) / 1e6
    weights = " with float16 weights" if args.float16 else ""
    print(f"exported {args.checkpoint} to {path}{weights} ({size:.1f} MB)")
    return 0


def _export_generator(args: argparse.Namespace) -> int:
    """The generator as a .keras file, a TF SavedModel or ONNX; then run it beside Keras."""
    from ganlab import export

    loaded = export.load_for_export(args.checkpoint)
    path = export.export_generator(loaded, args.out or export.default_path(args.checkpoint, args.format),
                                   args.format)
    names = ", ".join(f"{k} {(None, *v.shape[1:])} {v.dtype}" for k, v in export.example_feed(loaded, 1).items())
    print(f"exported the {loaded.gan.name} generator of {args.checkpoint} as {args.format} to {path} "
          f"(inputs: {names})")
    if not args.no_check:
        try:
            diff = export.max_difference(loaded, path, args.format)
        except ImportError as e:
            print(f"not checked: {e} (pip install -r requirements-dev.txt)")
        else:
            print(f"checked: max |export - Keras| = {diff:.2e} on 8 seeded inputs")
            if not diff <= 1e-4:
                print("error: the export does not reproduce the Keras generator", file=sys.stderr)
                return 1
    return 0


def cmd_evaluate_pix2pix(args: argparse.Namespace, argv: list[str]) -> int:
    """Held-out metrics of pix2pix checkpoints; optional comparison figure; optional card update."""
    from ganlab.checkpoints import atomic_write_text, load_generator
    from ganlab.evaluate.pix2pix import comparison_figure, evaluate_pix2pix, held_out_split, translate
    from ganlab.images import save_png
    from ganlab.sampling import Sampler

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
        r["command"] = command_line(argv)
        results[str(lg.path)] = r
        print(json.dumps({"checkpoint": str(lg.path), **r}))
    if args.figure:
        idx = [int(i) for i in args.figure_rows.split(",")] if args.figure_rows else list(range(6))
        idx = [i for i in idx if 0 <= i < len(cond)]
        cols = [translate(s, cond[idx]) for s in [*samplers[1:], samplers[0]]]  # baselines first
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


def cmd_bench(args: argparse.Namespace, argv: list[str]) -> int:
    """Print steps/s of the main models, the ratio to the TF tutorial's step, inference ms/image."""
    from ganlab.evaluate.bench import run_bench

    run_bench(steps=args.steps, rounds=args.rounds, data_dir=args.data_dir, quick=args.quick)
    return 0


SHARED_ARGUMENTS: dict[str, dict] = {
    "--checkpoint": {"required": True, "help": "checkpoint folder or shipped name"},
    "--data-dir": {"default": None, "help": "folder with mnist/, openmoji/ ... (default $GANLAB_DATA_DIR)"},
    "--seed": {"type": int, "default": 0},
    "--write-card": {"action": "store_true", "help": "store the result in the checkpoint's card"},
}


def _shared(parser: argparse.ArgumentParser, *flags: str, **changes: dict) -> None:
    """Add options several commands share, with one wording; ``changes`` maps a flag's dest to overrides."""
    for flag in flags:
        spec = dict(SHARED_ARGUMENTS[flag])
        spec.update(changes.get(flag.lstrip("-").replace("-", "_"), {}))
        parser.add_argument(flag, **spec)


def _held_out_evaluation_arguments(parser: argparse.ArgumentParser, shipped: str, compare_help: str,
                                   figure_help: str) -> None:
    """The arguments every held-out evaluation of an image-to-image model takes."""
    _shared(parser, "--checkpoint", "--data-dir", checkpoint={"help": f"folder or shipped name ({shipped})"})
    parser.add_argument("--compare", action="append", default=[], help=compare_help)
    parser.add_argument("--figure", default=None, help=figure_help)
    parser.add_argument("--figure-rows", default=None, help="held-out indices for the figure, e.g. 0,5,9")
    parser.add_argument("--figure-scale", type=int, default=1)
    _shared(parser, "--write-card")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for all subcommands (training defaults come from ganlab.config)."""
    p = argparse.ArgumentParser(prog="python -m ganlab", description="Train and play with GANs.")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a GAN and save a checkpoint")
    t.add_argument("--model", default=default_of("model"),
                   help="vanilla, dcgan, cgan, wgan_gp, infogan, pix2pix, srgan, sgan, text2img")
    t.add_argument("--dataset", default=default_of("dataset"),
                   help="ring, grid, moons, spiral, circle, mnist, fashion, openmoji, a folder (A|B pairs "
                        "for pix2pix; DIR:BtoA makes the right half the input), or a .csv of points")
    t.add_argument("--loss", default=None,
                   help="minimax, non_saturating, least_squares, hinge, wasserstein (default: the model's)")
    t.add_argument("--steps", type=int, default=default_of("steps"),
                   help=f"generator steps (default {default_of('steps')})")
    t.add_argument("--batch-size", type=int, default=None, help="default: the model's (64 for all today)")
    t.add_argument("--lr-g", type=float, default=None, help="generator learning rate")
    t.add_argument("--lr-d", type=float, default=None, help="discriminator learning rate")
    t.add_argument("--lr-decay-start", type=int, default=default_of("lr_decay_start"), metavar="STEP",
                   help="from this step both learning rates fall linearly to 0 at the last step (default: constant)")
    t.add_argument("--beta1", type=float, default=None)
    t.add_argument("--beta2", type=float, default=None)
    t.add_argument("--k", "--d-steps", dest="k", type=int, default=None,
                   help="discriminator steps per generator step")
    t.add_argument("--latent-dim", type=int, default=None)
    _shared(t, "--seed", seed={"default": default_of("seed")})
    t.add_argument("--precision", default=default_of("precision"), choices=PRECISIONS)
    t.add_argument("--xla", action="store_true", help="XLA-compile the step (TF backend)")
    _shared(t, "--data-dir")
    t.add_argument("--image-size", type=int, default=default_of("image_size"), help="for image folders")
    t.add_argument("--limit", type=int, default=None, help="use only the first N examples")
    t.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="model option, e.g. width=0.5 or gp_weight=10")
    t.add_argument("--labels-per-class", type=int, default=None,
                   help="labelled training examples per class, a fixed seeded choice. sgan: the rest are "
                        "used unlabelled (default 10); cgan: train on only these (default: all the data)")
    t.add_argument("--out", default=None, help="checkpoint folder (default runs/MODEL-DATASET)")
    t.add_argument("--save-every", type=int, default=0, help="also save every N steps")
    t.add_argument("--resume", default=None, help="continue from this checkpoint folder")
    t.add_argument("--no-eval", action="store_true", help="skip the classifier quality check")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--devices", default=None, metavar="N|all",
                   help="data-parallel over N devices (or all): the global batch is split between them; on a "
                        "CPU-only machine the CPU is split into N logical devices. Several machines: run the "
                        "same command on each with TF_CONFIG (TensorFlow) or KERAS_DISTRIBUTION_* (JAX) set; "
                        "N is then this machine's devices (default all)")
    t.add_argument("--tensorboard", default=None, metavar="DIR",
                   help="write TensorBoard logs here: every step's scalars, samples, hyperparameters")
    t.add_argument("--tensorboard-images", type=int, default=TENSORBOARD_IMAGE_EVERY, metavar="N",
                   help=f"a sample grid every N steps in the TensorBoard logs (default {TENSORBOARD_IMAGE_EVERY})")
    t.set_defaults(func=cmd_train)

    g = sub.add_parser("generate", help="write generated images to an .npz file")
    _shared(g, "--checkpoint", checkpoint={"help": "folder or shipped name (cgan-mnist, dcgan-fashion)"})
    g.add_argument("--count", type=int, default=16)
    g.add_argument("--labels", default=None,
                   help="classes (cGAN) or categorical codes (InfoGAN), e.g. 0,1,2 (repeats)")
    _shared(g, "--seed")
    g.add_argument("--truncation", type=float, default=1.0, help="scale z toward 0 (0..1]")
    g.add_argument("--text", default=None,
                   help='text2img: the sentence to draw, e.g. "a thick seven slanted right" (labels: its digit)')
    g.add_argument("--inputs", default=None,
                   help="pix2pix: a sketch image or folder of images; srgan: images to upscale 4× "
                        "(default: the held-out inputs)")
    _shared(g, "--data-dir", data_dir={"help": "pix2pix / srgan held-out inputs: data folder"})
    g.add_argument("--out", required=True, help="output .npz (arrays images, labels; pix2pix: inputs)")
    g.set_defaults(func=cmd_generate)

    e = sub.add_parser("evaluate", help="classifier-based quality of a checkpoint")
    _shared(e, "--checkpoint")
    e.add_argument("--dataset", default=None)
    e.add_argument("--classifier", default=None)
    e.add_argument("--per-class", type=int, default=100)
    _shared(e, "--seed", "--data-dir", "--write-card")
    e.set_defaults(func=cmd_evaluate)

    ig = sub.add_parser("evaluate-infogan", help="what an InfoGAN's codes mean, read by the classifier")
    _shared(ig, "--checkpoint", checkpoint={"help": "folder or shipped name (infogan-mnist)"})
    ig.add_argument("--classifier", default=None, help="default: classifier-<dataset of the card>")
    ig.add_argument("--per-category", type=int, default=500, help="samples per category for the mapping")
    ig.add_argument("--samples", type=int, default=300, help="samples per continuous-code sweep")
    _shared(ig, "--seed")
    ig.add_argument("--figure", default=None,
                    help="write the rows×columns figure for code 1 here (code 2 gets the suffix _2)")
    ig.add_argument("--figure-seed", type=int, default=0, help="noise seed for the figure")
    _shared(ig, "--write-card")
    ig.set_defaults(func=cmd_evaluate_infogan)

    e = sub.add_parser("evaluate-text2img", help="does a text2img model draw what its sentence says?")
    _shared(e, "--checkpoint", checkpoint={"help": "folder or shipped name (text2img-mnist)"})
    e.add_argument("--classifier", default=None, help="default: classifier-mnist")
    e.add_argument("--per-class", type=int, default=100, help="seeds per sentence")
    _shared(e, "--seed", "--data-dir", "--write-card")
    e.set_defaults(func=cmd_evaluate_text2img)

    c = sub.add_parser("train-classifier", help="train the independent evaluation classifier")
    c.add_argument("--dataset", default="mnist", choices=["mnist", "fashion"])
    c.add_argument("--epochs", type=int, default=5)
    _shared(c, "--seed", "--data-dir")
    c.add_argument("--limit", type=int, default=None, help="use only the first N images (smoke tests)")
    c.add_argument("--out", required=True)
    c.set_defaults(func=cmd_train_classifier)

    x = sub.add_parser("export", help="copy a checkpoint for shipping, without optimizer state; or the "
                       "generator as .keras, TF SavedModel or ONNX (--format)")
    _shared(x, "--checkpoint", checkpoint={"help": "folder or shipped name (cgan-mnist, dcgan-fashion)"})
    x.add_argument("--format", default="checkpoint",
                   choices=["checkpoint", "keras", "tf_saved_model", "onnx"],
                   help="checkpoint: a checkpoint folder without optimizer state; the others: the "
                        "generator through Keras' Model.save / Model.export")
    x.add_argument("--out", default=None,
                   help="destination (default for generator formats: exports/NAME-generator[.keras|.onnx])")
    x.add_argument("--no-check", action="store_true", help="do not run the export beside Keras")
    x.set_defaults(func=cmd_export, float16=False)

    b = sub.add_parser("bench", help="training steps/s and inference latency")
    b.add_argument("--steps", type=int, default=10, help="timed steps per round")
    b.add_argument("--rounds", type=int, default=3, help="alternating rounds per comparison")
    b.add_argument("--quick", action="store_true", help="smaller numbers, for a smoke test")
    _shared(b, "--data-dir")
    b.set_defaults(func=cmd_bench)

    e = sub.add_parser("evaluate-pix2pix", help="held-out L1 (and more) of pix2pix checkpoints")
    _held_out_evaluation_arguments(e, "pix2pix-openmoji", "another pix2pix checkpoint (repeatable)",
                                   "write input | compared... | checkpoint | target rows here")
    e.set_defaults(func=cmd_evaluate_pix2pix)

    e = sub.add_parser("evaluate-srgan", help="held-out PSNR / SSIM / sharpness of SRGAN checkpoints vs bicubic")
    _held_out_evaluation_arguments(e, "srgan-openmoji", "another srgan checkpoint, e.g. the SRResNet baseline "
                                   "(repeatable; shown first)",
                                   "write low-res | bicubic | compared... | checkpoint | truth rows")
    e.add_argument("--labels", default=None, help="names for the table, compared first: e.g. SRResNet,SRGAN")
    e.add_argument("--limit", type=int, default=None, help="only the first N held-out pairs")
    e.add_argument("--table", default=None, help="write the Markdown table here")
    e.set_defaults(func=cmd_evaluate_srgan)

    e = sub.add_parser("evaluate-sgan", help="test accuracy of an SGAN's classifier and of its labels-only baseline")
    _shared(e, "--checkpoint", "--data-dir", checkpoint={
        "action": "append", "help": "folder or shipped name (sgan-mnist-100); repeat it to compare label counts"})
    e.add_argument("--limit", type=int, default=None, help="only the first N test images")
    e.add_argument("--figure", default=None, help="write test accuracy against the number of labels here (PNG)")
    _shared(e, "--write-card")
    e.set_defaults(func=cmd_evaluate_sgan)

    e = sub.add_parser("evaluate-augmentation",
                       help="does a cGAN trained on N labelled images help a classifier trained on those N?")
    _shared(e, "--checkpoint", "--data-dir", "--write-card", checkpoint={
        "action": "append", "help": "a cGAN trained with --labels-per-class (repeat to compare several N)"})
    e.add_argument("--generated-per-class", type=int, default=500, help="cGAN samples per class in the pool")
    e.add_argument("--steps", type=int, default=2000, help="classifier updates per run (batch 64)")
    e.add_argument("--seeds", type=int, default=3, help="classifier initialisations per condition")
    e.add_argument("--limit", type=int, default=None, help="only the first N test images")
    e.set_defaults(func=cmd_evaluate_augmentation)

    e = sub.add_parser("classify", help="class probabilities of images (an .npz as generate writes it)")
    _shared(e, "--checkpoint", checkpoint={
        "help": "an sgan checkpoint (K classes + 'fake') or a classifier (classifier-mnist)"})
    e.add_argument("--head", default="classifier", choices=["classifier", "baseline"],
                   help="sgan: its classifier, or the labels-only baseline it carries")
    e.add_argument("--images", required=True, help=".npz with 'images': uint8 N×28×28, 0 = background")
    e.add_argument("--labels-with-fake", action="store_true",
                   help="labels over all K+1 columns (sgan: K where 'fake' is the most probable)")
    e.add_argument("--out", required=True,
                   help="output .npz: labels (N,) the class it reads if the picture is real (argmax over "
                        "the K classes, what evaluate-sgan's accuracy counts); p_fake (N,) D's probability "
                        "that it is generated (sgan classifier only: absent for a classifier without a "
                        "'fake' class); probs (N, K+1 for sgan, the last column 'fake'; N×K otherwise); "
                        "names (one per probs column)")
    e.set_defaults(func=cmd_classify)

    x = sub.add_parser("export-float16", help="copy a checkpoint for shipping with float16 weights")
    _shared(x, "--checkpoint")
    x.add_argument("--out", required=True)
    x.set_defaults(func=cmd_export, float16=True, format="checkpoint")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; errors a user can fix are printed without a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    from ganlab.checkpoints import CheckpointError
    from ganlab.config import ConfigError
    from ganlab.data import DataError

    try:
        return args.func(args, argv)
    except (ConfigError, DataError, CheckpointError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
