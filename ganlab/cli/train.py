"""``train``: one flag per training setting, made from the settings table (``ganlab.config.settings``),
then a progress bar and a checkpoint."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ganlab.cli.common import command_line, parse_options
from ganlab.config import TENSORBOARD_IMAGE_EVERY, Setting, settings


def setting_argument(s: Setting) -> dict[str, Any]:
    """argparse keywords for one setting: bool → a switch, dict → repeated KEY=VALUE, else typed."""
    if s.type is bool:
        action = argparse.BooleanOptionalAction if s.default else "store_true"
        return {"action": action, "default": bool(s.default), "help": s.help}
    if s.type is dict:
        return {"action": "append", "default": [], "metavar": s.metavar, "help": s.help}
    shown = s.default is not None and "default" not in s.help
    spec = {"type": s.type, "default": s.default, "metavar": s.metavar,
            "help": f"{s.help} (default {s.default})" if shown else s.help}
    if s.choices:
        spec["choices"] = s.choices
    return spec


def add_setting_arguments(parser: argparse.ArgumentParser, cls: type | None = None) -> None:
    """One flag (and its aliases) per setting of TrainConfig (or ``cls``), stored under its name."""
    for s in settings(*(cls,) if cls else ()):
        parser.add_argument(s.flag, *s.aliases, dest=s.name, **setting_argument(s))


def add_parsers(sub: Any) -> None:
    """The ``train`` subcommand: the settings' flags, then what a command-line run adds."""
    t = sub.add_parser("train", help="train a GAN and save a checkpoint")
    add_setting_arguments(t)
    t.add_argument("--labels-per-class", type=int, default=None,
                   help="labelled training examples per class, a fixed seeded choice (--option "
                        "labels_per_class=N). sgan: the rest are used unlabelled (default 10); cgan: train on "
                        "only these (default: all the data)")
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


def config_from_args(args: argparse.Namespace, cls: type | None = None) -> Any:
    """The TrainConfig (or ``cls``) the flags ask for: every setting read back by its name (KEY=VALUE
    lists parsed)."""
    from ganlab.config import TrainConfig

    cls = cls or TrainConfig
    values = {s.name: parse_options(getattr(args, s.name)) if s.type is dict else getattr(args, s.name)
              for s in settings(cls)}
    if getattr(args, "labels_per_class", None) is not None:  # the shorthand for --option labels_per_class=N
        values["options"] = {**values["options"], "labels_per_class": args.labels_per_class}
    return cls(**values)


def request_devices(args: argparse.Namespace) -> int | None:
    """Ask for the devices --devices names, before the backend starts (JAX reads it then); their count."""
    from ganlab.devices import parse_devices, request_host_devices

    devices = parse_devices(args.devices) if args.devices else 1
    request_host_devices(devices)
    return devices


def data_parallel_for(args: argparse.Namespace, devices: int | None) -> Any:
    """The data-parallel setup for --devices and a cluster in the environment; None for one device."""
    from ganlab.train.distributed import cluster_from_env, data_parallel

    cluster = cluster_from_env()  # several machines: TF_CONFIG, or KERAS_DISTRIBUTION_* on JAX
    if cluster is not None and not args.devices:
        devices = None  # this machine's devices, all of them
    return data_parallel(devices) if devices != 1 or cluster is not None else None


def open_session(args: argparse.Namespace, argv: list[str], config: Any, parallel: Any) -> Any:
    """A new TrainingRun, or the one --resume names with the steps, decay and options given."""
    from ganlab.train.run import TrainingRun

    if not args.resume:
        return TrainingRun(config, command=command_line(argv), parallel=parallel)
    overrides: dict[str, Any] = {"steps": config.steps}
    if config.lr_decay_start is not None:  # e.g. go on from a checkpoint and let the rates fall to 0
        overrides["lr_decay_start"] = config.lr_decay_start
    if args.options:  # over the card's, e.g. SRGAN from its SRResNet: --option adversarial_weight=0.001
        overrides["options"] = config.options
    run = TrainingRun.resume_from(args.resume, parallel=parallel, **overrides)
    run.command = f"{run.command} ; then {command_line(argv)}" if run.command else command_line(argv)
    return run


def describe(run: Any) -> str:
    """The line printed before training: model, data, settings, device."""
    c = run.config
    decay = (f", learning rates fall linearly to 0 from step {c.lr_decay_start:,} to {c.steps:,}"
             if c.lr_decay_start is not None else "")
    return (f"{c.model} on {c.dataset} ({len(run.dataset)} examples {run.dataset.shape}), "
            f"loss={c.loss}, k={c.k}, batch={c.batch_size}, lr_g={c.lr_g:g}, lr_d={c.lr_d:g}, "
            f"latent={c.latent_dim}, precision={c.precision}, device: {run.device}{decay}")


def tensorboard_logger(run: Any, args: argparse.Namespace) -> Any:
    """A TensorBoard logger following the session when --tensorboard asks for one, else None."""
    if not args.tensorboard:
        return None
    from ganlab.train.tensorboard import TensorBoardLogger

    board = TensorBoardLogger(run, args.tensorboard, args.tensorboard_images)
    print(f"TensorBoard logs in {args.tensorboard}: tensorboard --logdir {args.tensorboard}", flush=True)
    return board


def train_with_progress(run: Any, args: argparse.Namespace, out: Path, chief: bool) -> None:
    """Run the session to its last step with a progress bar, TensorBoard and --save-every (files: the
    chief only); Ctrl-C stops it and keeps what was trained."""
    from tqdm import tqdm

    board = tensorboard_logger(run, args) if chief else None
    bar = tqdm(total=run.config.steps, initial=run.step_count, unit="step", dynamic_ncols=True,
               disable=args.quiet or not chief)
    last_save = run.step_count
    try:
        for rec in run.run():
            bar.update(1)
            if board is not None:
                board.update()
            if rec.step % 10 == 0 or rec.step == run.config.steps:
                bar.set_postfix(d=f"{rec.d_loss:.3f}", g=f"{rec.g_loss:.3f}", Dx=f"{rec.d_real:.2f}",
                                DGz=f"{rec.d_fake:.2f}", sps=f"{rec.steps_per_sec:.1f}")
            if args.save_every and rec.step - last_save >= args.save_every:
                if chief:
                    run.save(out)
                last_save = rec.step
    except KeyboardInterrupt:
        run.stop("interrupted (Ctrl-C)")
        print("\nInterrupted: saving what was trained so far.", file=sys.stderr)
    bar.close()
    if board is not None:
        board.close()


def finish(run: Any, args: argparse.Namespace, out: Path, parallel: Any) -> int:
    """After training: the quality check, the preview and (the chief) the checkpoint; the exit code."""
    from ganlab.evaluate.quality import run_quality
    from ganlab.images import save_png

    if run.status == "diverged":
        print(run.stop_reason, file=sys.stderr)
        return 2
    quality = None if args.no_eval else run_quality(run.gan, run.dataset, run.config.dataset)
    if quality is not None:
        own = run.gan.own_quality(quality)  # the model's own measure (SGAN: test accuracy), if any
        print(f"{run.gan.quality_key} quality:" if own else "quality:", json.dumps(own or quality))
    preview = run.preview() if run.spec.is_image else None  # every worker (JAX: a global computation)
    if parallel is not None and not parallel.chief:  # in a cluster, only worker 0 writes files
        print(f"worker {parallel.cluster.index} trained to step {run.step_count}; "
              "the chief (worker 0) writes the checkpoint")
        return 0
    path = run.save(out, quality=quality)
    if preview is not None:
        save_png(preview, path / "samples.png")
    print(f"saved checkpoint to {path} (step {run.step_count})")
    return 0


def cmd_train(args: argparse.Namespace, argv: list[str]) -> int:
    """Train a GAN with a progress bar and write a checkpoint to --out."""
    devices = request_devices(args)
    config = config_from_args(args)
    parallel = data_parallel_for(args, devices)
    run = open_session(args, argv, config, parallel)
    print(describe(run), flush=True)
    c = run.config
    out = Path(args.out or f"runs/{c.model}-{Path(c.dataset).name}")
    train_with_progress(run, args, out, chief=parallel is None or parallel.chief)
    return finish(run, args, out, parallel)
