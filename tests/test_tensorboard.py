"""TensorBoard logs: a few training steps written with --tensorboard, read back with TensorBoard's own
EventAccumulator: one scalar per step for each record field, sample grids every N steps, HParams."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganlab.cli import main
from ganlab.config import TrainConfig
from ganlab.train.run import TrainingRun
from ganlab.train.tensorboard import TensorBoardLogger, hparams_of, scalar_tags

ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def read_events(logdir: Path) -> ea.EventAccumulator:
    """Every event in ``logdir`` (no sampling)."""
    acc = ea.EventAccumulator(str(logdir), size_guidance={ea.TENSORS: 0})
    acc.Reload()
    return acc


def steps_of(acc: ea.EventAccumulator, tag: str) -> list[int]:
    return [e.step for e in acc.Tensors(tag)]


def value_of(event) -> float:
    from tensorboard.util import tensor_util

    return float(tensor_util.make_ndarray(event.tensor_proto))


def test_logger_writes_every_step_images_and_hparams(tmp_path, tiny_images, monkeypatch):
    config = TrainConfig(model="infogan", dataset="tiny", steps=5, batch_size=8, latent_dim=8, seed=3,
                         precision="float32", options={"width": 0.125})
    session = TrainingRun(config, dataset=tiny_images)
    # Pictures show the weights at a call boundary: keep one step per call here, so the grid falls on
    # exact steps (with fused calls it falls on the first call boundary at or after each due step).
    monkeypatch.setattr(session, "_measure", lambda *a: None)
    board = TensorBoardLogger(session, tmp_path / "tb", image_every=2)
    for _ in session.run():
        board.update()
    session.step("d")  # a single D-only step (the Train tab's button) is logged by the next update
    board.close()
    acc = read_events(tmp_path / "tb")
    tags = set(acc.Tags()["tensors"])
    expected = set(scalar_tags(session.history[0]))
    assert {"loss/d_loss", "loss/g_loss", "D/d_real (D(x))", "D/d_fake (D(G(z)))"} <= expected
    assert any(t.startswith("extra/") for t in expected)  # InfoGAN's mutual-information terms
    assert expected <= tags
    for tag in expected:
        assert steps_of(acc, tag) == [1, 2, 3, 4, 5, 6], tag
    first = acc.Tensors("loss/d_loss")[0]
    assert value_of(first) == pytest.approx(session.history[0].d_loss, rel=1e-6)
    assert steps_of(acc, "samples") == [1, 2, 4, 6]  # first update, then every 2 steps, and the end
    picture = acc.Tensors("samples")[0].tensor_proto.string_val  # [width, height, PNG]
    assert picture[2].startswith(b"\x89PNG")
    assert "_hparams_/session_start_info" in tags
    hp = hparams_of(session)
    assert hp["model"] == "infogan" and hp["option.width"] == 0.125 and hp["seed"] == 3


def _colour_folder(root: Path, count: int = 24, size: int = 16) -> Path:
    """A tiny folder of colour pictures (a coloured square on a gradient)."""
    rng = np.random.default_rng(0)
    root.mkdir(parents=True)
    for i in range(count):
        im = np.tile(np.linspace(0, 255, size, dtype=np.uint8)[None, :, None], (size, 1, 3))
        a = int(rng.integers(2, size // 2))
        im[a : a + 6, a : a + 6] = rng.integers(0, 255, 3, dtype=np.uint8)
        Image.fromarray(im).save(root / f"{i:03d}.png")
    return root


def test_cli_tensorboard_flag(tmp_path, capsys):
    folder = _colour_folder(tmp_path / "pictures")
    logdir = tmp_path / "tb"
    assert main(["train", "--model", "dcgan", "--dataset", str(folder), "--image-size", "16", "--steps", "3",
                 "--batch-size", "8", "--option", "width=0.125", "--precision", "float32", "--quiet",
                 "--out", str(tmp_path / "ckpt"), "--tensorboard", str(logdir), "--tensorboard-images", "2"]) == 0
    assert f"tensorboard --logdir {logdir}" in capsys.readouterr().out
    acc = read_events(logdir)
    assert steps_of(acc, "loss/g_loss") == [1, 2, 3]
    assert steps_of(acc, "samples") == [1, 2, 3]
