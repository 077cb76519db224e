"""The CLI contract: train writes a checkpoint; generate writes images+labels; errors are clean."""

import numpy as np
import pytest

from ganlab.checkpoints import shipped_names
from ganlab.cli import main
from tests.conftest import needs_mnist


def test_train_toy_and_generate(tmp_path, capsys):
    out = tmp_path / "ring"
    assert main(["train", "--model", "vanilla", "--dataset", "ring", "--steps", "20",
                 "--batch-size", "32", "--out", str(out), "--quiet"]) == 0
    assert (out / "card.json").is_file()
    assert "saved checkpoint" in capsys.readouterr().out


@needs_mnist
def test_train_mnist_writes_checkpoint_with_command(tmp_path):
    import json

    out = tmp_path / "c"
    assert main(["train", "--model", "cgan", "--dataset", "mnist", "--steps", "3", "--limit", "256",
                 "--batch-size", "16", "--option", "width=0.25", "--out", str(out), "--quiet"]) == 0
    card = json.loads((out / "card.json").read_text())
    assert card["command"].startswith("python -m ganlab train --model cgan")
    assert (out / "samples.png").is_file()
    quality = card["quality"]  # the shipped classifier read its samples (none for a folder called mnist)
    assert quality["classifier"] == "classifier-mnist" and 0 <= quality["class_accuracy"] <= 1
    assert main(["generate", "--checkpoint", str(out), "--count", "5", "--labels", "3,4",
                 "--out", str(tmp_path / "g.npz")]) == 0
    with np.load(tmp_path / "g.npz") as g:
        assert g["images"].shape == (5, 28, 28) and g["images"].dtype == np.uint8
        assert g["labels"].tolist() == [3, 4, 3, 4, 3]


@pytest.mark.skipif("cgan-mnist" not in shipped_names(), reason="shipped cgan-mnist missing")
def test_generate_from_shipped_cgan_gives_the_asked_digits(tmp_path):
    from ganlab.evaluate.quality import load_classifier

    out = tmp_path / "digits.npz"
    assert main(["generate", "--checkpoint", "cgan-mnist", "--count", "200",
                 "--labels", "0,1,2,3,4,5,6,7,8,9", "--seed", "7", "--out", str(out)]) == 0
    with np.load(out) as g:
        images, labels = g["images"], g["labels"]
    assert images.shape == (200, 28, 28) and images.dtype == np.uint8
    assert images[:, 0, :].mean() < 40  # MNIST convention: dark background, bright ink
    pred = load_classifier("classifier-mnist").predict(images.astype(np.float32) / 127.5 - 1)
    assert (pred == labels).mean() >= 0.95


def test_bad_input_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    assert main(["train", "--model", "nope", "--dataset", "ring", "--out", str(tmp_path / "x")]) == 2
    assert "Unknown model 'nope'" in capsys.readouterr().err
    assert main(["train", "--dataset", "ring", "--batch-size", "0", "--model", "vanilla"]) == 2
    assert "batch_size" in capsys.readouterr().err
    assert main(["generate", "--checkpoint", "no-such-model", "--out", str(tmp_path / "o.npz")]) == 2
    assert "No checkpoint" in capsys.readouterr().err


@pytest.mark.skipif("cgan-mnist" not in shipped_names(), reason="shipped cgan-mnist missing")
def test_generate_rejects_out_of_range_labels(tmp_path, capsys):
    assert main(["generate", "--checkpoint", "cgan-mnist", "--labels", "12",
                 "--out", str(tmp_path / "o.npz")]) == 2
    assert "between 0 and 9" in capsys.readouterr().err


def test_generate_infogan_labels_pick_the_category(tmp_path):
    out = tmp_path / "ig.npz"
    assert main(["generate", "--checkpoint", "infogan-mnist", "--count", "4", "--labels", "3",
                 "--seed", "1", "--out", str(out)]) == 0
    out2 = tmp_path / "ig2.npz"
    assert main(["generate", "--checkpoint", "infogan-mnist", "--count", "4", "--labels", "7",
                 "--seed", "1", "--out", str(out2)]) == 0
    with np.load(out) as a, np.load(out2) as b:
        assert a["images"].shape == (4, 28, 28) and list(a["labels"]) == [3] * 4
        # same noise, another category: a different digit
        assert np.abs(a["images"].astype(int) - b["images"].astype(int)).mean() > 10


def test_generate_pix2pix_translates_held_out_sketches_and_files(tmp_path):
    from PIL import Image

    from ganlab.data.paired import openmoji_file

    try:
        openmoji_file()
    except Exception:
        pytest.skip("OpenMoji pairs not found (set GANLAB_DATA_DIR)")
    out = tmp_path / "p.npz"
    assert main(["generate", "--checkpoint", "pix2pix-openmoji", "--count", "6", "--out", str(out)]) == 0
    with np.load(out) as g:
        images, inputs, names = g["images"], g["inputs"], g["names"]
    assert images.shape == (6, 128, 128, 3) and images.dtype == np.uint8 and inputs.shape == (6, 128, 128)
    assert len(set(names.tolist())) == 6
    assert images.std(axis=(1, 2)).mean() > 20  # colour, not a blank page
    sketch = tmp_path / "s.png"
    Image.fromarray(inputs[0]).save(sketch)
    out2 = tmp_path / "one.npz"
    assert main(["generate", "--checkpoint", "pix2pix-openmoji", "--inputs", str(sketch), "--out", str(out2)]) == 0
    with np.load(out2) as g:
        assert g["images"].shape == (1, 128, 128, 3)
        assert np.abs(g["images"][0].astype(int) - images[0].astype(int)).mean() < 8  # same sketch, same picture


def test_train_flags_are_made_from_the_settings_table():
    """Every TrainConfig setting is a train flag with its aliases and default; a new field gets one too."""
    import argparse
    from dataclasses import dataclass

    from ganlab.cli import build_parser
    from ganlab.cli.train import add_setting_arguments, config_from_args
    from ganlab.config import TrainConfig, setting, settings

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    train = {f: a for a in sub.choices["train"]._actions for f in a.option_strings}
    for s in settings():
        for flag in (s.flag, *s.aliases):
            assert train[flag].dest == s.name and train[flag].default == (s.default if s.type is not dict else [])
    assert train["--d-steps"] is train["--k"] and train["--precision"].choices == ("auto", "float32",
                                                                                     "mixed_bfloat16", "mixed_float16")
    assert "64 for all" not in train["--batch-size"].help and "the model's" in train["--batch-size"].help
    args = sub.choices["train"].parse_args(["--d-steps", "3", "--option", "width=0.5", "--labels-per-class", "4",
                                            "--xla", "--lr-g", "0.002"])
    config = config_from_args(args)
    assert (config.k, config.xla, config.lr_g) == (3, True, 0.002)
    assert config.options == {"width": 0.5, "labels_per_class": 4}

    @dataclass(frozen=True)
    class WithWarmup(TrainConfig):
        warmup: int = setting(5, "Warm-up", "steps before D trains", lo=0)

    parser = argparse.ArgumentParser()
    add_setting_arguments(parser, WithWarmup)
    assert config_from_args(parser.parse_args(["--warmup", "7"]), WithWarmup).warmup == 7
    assert config_from_args(parser.parse_args([]), WithWarmup).warmup == 5


def test_resume_keeps_the_cards_options_under_new_ones(tmp_path, capsys):
    """--resume with --option changes that option; the card's other options stay (else the weights would not fit)."""
    import json

    out = tmp_path / "ring"
    common = ["--model", "vanilla", "--dataset", "ring", "--batch-size", "16", "--quiet", "--no-eval"]
    assert main(["train", *common, "--steps", "2", "--option", "hidden=8", "--out", str(out)]) == 0
    assert main(["train", *common, "--steps", "4", "--resume", str(out), "--option", "note=2",
                 "--out", str(out)]) == 0
    card = json.loads((out / "card.json").read_text())
    assert card["config"]["options"] == {"hidden": 8, "note": 2} and card["step"] == 4
    assert "; then python -m ganlab train" in card["command"]


def test_one_helper_writes_quality_into_a_card(tmp_path):
    import json

    from ganlab.cli.common import write_quality

    (tmp_path / "card.json").write_text(json.dumps({"format": "ganlab-checkpoint", "quality": {"fd": 1.0}}))
    write_quality(tmp_path, {"sgan": {"classifier_accuracy": 0.9}})
    assert json.loads((tmp_path / "card.json").read_text())["quality"] == {
        "fd": 1.0, "sgan": {"classifier_accuracy": 0.9}}
    write_quality(tmp_path, {"class_accuracy": 0.5}, replace=True)
    assert json.loads((tmp_path / "card.json").read_text())["quality"] == {"class_accuracy": 0.5}
