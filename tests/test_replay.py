"""Record at home, replay in class (#27, part 3): every run keeps snapshots, they survive save and resume,
``replay`` writes them as a GIF, ``record`` gives a shipped model its own, and the Train tab opens a recorded
run — a shipped one, or a run zip checked before anything is unpacked."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from ganlab.cli import main
from ganlab.config import TrainConfig
from ganlab.data import DataError, Dataset
from ganlab.train import snapshots as snapshots_module
from ganlab.train.monitor import EXTENT
from ganlab.train.replay import open_run, open_run_zip, recorded_shipped
from ganlab.train.run import TrainingRun
from ganlab.train.snapshots import MAX_BYTES, MAX_FRAMES, Snapshots, interval

POINTS = Dataset("cluster", (np.random.default_rng(0).normal(0, 0.3, (256, 2)) + 1).astype(np.float32), kind="points")
SHIPPED = "cgan-mnist"  # the shipped model recorded with `python -m ganlab record cgan-mnist`


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory) -> tuple[TrainingRun, Path]:
    """A 2D run of 200 steps (a snapshot every 2), trained with run() and saved."""
    session = TrainingRun(TrainConfig(model="vanilla", dataset="cluster", batch_size=16, steps=200, seed=1),
                              dataset=POINTS)
    for _ in session.run():
        pass
    return session, session.save(tmp_path_factory.mktemp("runs") / "ring")


def test_a_run_keeps_a_snapshot_every_n_steps_and_they_survive_save_and_resume(ring_run):
    session, folder = ring_run
    assert interval(200) == 2 and session.snapshots.every == 2
    assert session.snapshots.steps == list(range(0, 201, 2))  # run() ends its fused calls on the multiples
    first, last = session.snapshots.frame(0), session.snapshots.frame(-1)
    assert first["heatmap"].shape == (48, 48) and first["fakes"].shape == (512, 2)
    assert not np.allclose(first["fakes"], last["fakes"], atol=1e-2)  # G moved: the frames differ
    assert first["extent"] == [-EXTENT, EXTENT, -EXTENT, EXTENT]  # the live 2D view's extent
    back = TrainingRun.resume_from(folder, dataset=POINTS)
    assert back.snapshots.steps == session.snapshots.steps and back.snapshots.kind == "points"
    for mine, theirs in zip(session.snapshots.frames, back.snapshots.frames):
        assert all(np.array_equal(mine[k], theirs[k]) for k in mine)
    back.steps(2)
    back.steps(1)  # a resumed run goes on recording after the loaded ones (at the call after step 202)
    assert back.snapshots.steps[-2:] == [200, 202]


def test_memory_stays_bounded_however_long_a_run_goes():
    snaps = Snapshots(1, "image")
    for step in range(1000):
        snaps.add(step, {"grid": np.zeros((182, 182), np.uint8)})  # an MNIST-sized sample grid
    assert len(snaps) <= MAX_FRAMES and snaps.every >= 1000 // MAX_FRAMES
    assert snaps.steps[0] == 0 and snaps.steps[-1] == 999
    big = Snapshots(1, "image")
    for step in range(60):
        big.add(step, {"grid": np.zeros((1024, 1024, 3), np.uint8)})  # 3 MB each
    assert big.nbytes <= MAX_BYTES and len(big) >= 4


def test_replay_writes_one_gif_frame_per_snapshot(ring_run, tmp_path):
    _, folder = ring_run
    out = tmp_path / "training.gif"
    assert main(["replay", str(folder), "--out", str(out), "--hold", "0", "--size", "160"]) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 101
        gif.seek(50)
        frame = np.asarray(gif.convert("RGB"))
    band = frame[-20:-10, 80:150]  # the progress bar, half full at step 100 of 200
    assert (band == (29, 78, 216)).all(-1).any() and (band == (225, 228, 235)).all(-1).any()


def test_a_shipped_model_replays():
    assert SHIPPED in recorded_shipped(), f"assets/{SHIPPED}/snapshots.npz: run `python -m ganlab record {SHIPPED}`"
    run = open_run(SHIPPED)
    snaps = run.snapshots
    assert snaps.kind == "image" and len(snaps) >= 50 and snaps.steps[-1] == run.last_step
    grids = [snaps.frame(i)["grid"] for i in (0, len(snaps) - 1)]
    assert grids[0].shape == grids[1].shape and np.abs(grids[0].astype(int) - grids[1]).mean() > 10
    assert (Path(run.card["snapshots"]["file"]).name == "snapshots.npz"
            and run.card["snapshots"]["command"].startswith("python -m ganlab record"))
    assert all(p.stat().st_size < 2 * 2**20 for p in Path("assets").glob("*/snapshots.npz"))


def test_record_runs_the_cards_command_again(tmp_path, monkeypatch):
    card = {"format": "ganlab-checkpoint", "model": "vanilla", "step": 30, "loss": "non_saturating",
            "command": "python -m ganlab train --model vanilla --dataset ring --steps 30 --batch-size 16 "
                       "--save-every 10 --out runs/toy-ring"}
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "card.json").write_text(json.dumps(card))
    monkeypatch.setenv("GANLAB_ASSETS_DIR", str(tmp_path))
    assert main(["record", "toy", "--quiet", "--steps", "10"]) == 0
    snaps = Snapshots.read(tmp_path / "toy" / "snapshots.npz")
    assert snaps.kind == "points" and snaps.steps == list(range(0, 11))  # --steps 10: every step
    assert json.loads((tmp_path / "toy" / "card.json").read_text())["snapshots"]["command"] == \
        "python -m ganlab record toy --quiet --steps 10"
    assert sorted(p.name for p in (tmp_path / "toy").iterdir()) == ["card.json", "snapshots.npz"]


def test_record_reads_chained_commands():
    from ganlab.cli.record import training_commands

    runs = training_commands("python -m ganlab train --steps 600 --save-every 50 --out runs/a ; then "
                             "python -m ganlab train --resume runs/a --steps 1050 --out runs/b", Path("/w"))
    assert runs == [["train", "--steps", "600", "--out", "/w/a", "--no-eval"],
                    ["train", "--resume", "/w/a", "--steps", "1050", "--out", "/w/b", "--no-eval"]]
    with pytest.raises(ValueError, match="not `python -m ganlab train"):
        training_commands("rm -rf /", Path("/w"))


# -- run zips ---------------------------------------------------------------------------------

def _zip(path: Path, entries: dict[str, bytes], links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            if name in links:
                info.external_attr = (0o120777 << 16)
            zf.writestr(info, data, zipfile.ZIP_DEFLATED)
    return path


@pytest.fixture(scope="module")
def run_files(ring_run) -> dict[str, bytes]:
    _, folder = ring_run
    return {name: (folder / name).read_bytes() for name in ("card.json", "history.csv", "snapshots.npz")}


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def test_a_run_zip_opens_in_the_upload_area(run_files, tmp_path):
    good = _zip(tmp_path / "run.zip", {f"ring/{k}": v for k, v in run_files.items()})
    run = open_run_zip(good, tmp_path / "work")
    assert len(run.snapshots) == 101 and run.last_step == 200
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["card.json", "history.csv", "snapshots.npz"]


@pytest.mark.parametrize("case, message", [
    ("corrupt", "not a valid zip"),
    ("oversized", "the limit is"),
    ("bomb", "unpacks to"),
    ("wrong content", "not a file of a saved ganlab run"),
    ("no card", "no card.json"),
    ("not a card", "not a ganlab checkpoint card"),
    ("bad snapshots", "snapshots"),
    ("traversal", "leading outside"),
    ("absolute", "absolute path"),
    ("link", "symbolic link"),
])
def test_bad_run_zips_are_refused_and_write_nothing_outside_the_upload_area(run_files, tmp_path, case, message):
    path = tmp_path / "bad.zip"
    if case == "corrupt":
        path.write_bytes(b"PK\x03\x04 this is not a zip")
    elif case == "oversized":
        with open(path, "wb") as f:
            f.truncate(51 * 2**20)  # sparse: over the 50 MB upload limit, checked before it is opened
    else:
        entries = {
            "bomb": {**run_files, "history.csv": b"step,d_loss,g_loss\n" + b"0" * (60 * 2**20)},
            "wrong content": {**run_files, "notes.txt": b"hello"},
            "no card": {"history.csv": run_files["history.csv"]},
            "not a card": {**run_files, "card.json": b'{"format": "other"}'},
            "bad snapshots": {**run_files, "snapshots.npz": b"PK\x03\x04 garbage"},
            "traversal": {"../card.json": run_files["card.json"], "../history.csv": run_files["history.csv"]},
            "absolute": {"/tmp/card.json": run_files["card.json"]},
            "link": run_files,
        }[case]
        _zip(path, entries, links=("card.json",) if case == "link" else ())
    before = _files_under(tmp_path)
    with pytest.raises(DataError, match=message):
        open_run_zip(path, tmp_path / "work" / "area")
    new = _files_under(tmp_path) - before
    assert all(p == tmp_path / "work" or (tmp_path / "work" / "area") in [p, *p.parents] for p in new), new


# -- the panel ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    from ganlab.server.store import SessionStore
    from ganlab.ui.train.replay import ReplayPanel

    store = SessionStore(max_runs=1, root=tmp_path_factory.mktemp("store"))
    yield ReplayPanel(store), store
    store.close()


def test_the_panel_opens_a_shipped_run_and_scrubs_it(panel):
    p, _ = panel
    replay, _, _, slider, message = p.open_shipped(SHIPPED)
    assert "snapshots" in message and slider.maximum == replay.run.last_step
    early, early_curves, caption = p.frame(replay, 1000)
    late, late_curves, _ = p.frame(replay, replay.run.last_step)
    assert "Step **1,000**" in caption and np.abs(early.astype(int) - late).mean() > 5
    cursor = np.where((early_curves != late_curves).any(-1).any(0))[0]  # the columns where the cursors stand
    assert len(cursor) >= 2 and cursor.max() - cursor.min() > 50


def test_the_panel_refuses_a_bad_zip_and_clears_its_upload_area(panel, run_files, tmp_path):
    p, store = panel
    request = SimpleNamespace(session_hash="replay-test")
    bad = _zip(tmp_path / "evil.zip", {"../../card.json": run_files["card.json"]})
    with pytest.warns(UserWarning, match="leading outside"):
        out = p.open_zip(str(bad), request)
    assert out[-1].startswith("**Run zip refused:**") and not bad.exists()
    assert not any(store.uploads.folder("other").parent.glob("replay*/*"))  # the unpacked files went at once
    good = _zip(tmp_path / "run.zip", run_files)
    replay, *_, message = p.open_zip(str(good), request)
    assert len(replay.run.snapshots) == 101 and "101 snapshots" in message


def test_snapshots_extent_is_the_live_views():
    assert snapshots_module.EXTENT == EXTENT
