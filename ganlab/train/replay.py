"""A recorded run, for replaying it: its card, its per-step history and its snapshots, read from a
checkpoint folder (a shipped model's, or one of ``train --out``) or from a run zip a browser sends.

A run zip (what the Train tab's Save offers) is checked before anything is unpacked: its size on disk,
then every entry's name (only a run's own files, at the top or in one folder), its kind (no links, no
encryption) and its declared size; then just card.json, history.csv and snapshots.npz are written, under
those fixed names, into the folder the caller gives (the session's upload area). Every refusal is a
DataError with a plain message.
"""

from __future__ import annotations

import csv
import json
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ganlab import checkpoints
from ganlab.data import DataError
from ganlab.data.uploads import MAX_UPLOAD_BYTES, check_file_size
from ganlab.train.snapshots import FILE as SNAPSHOTS_FILE
from ganlab.train.snapshots import SnapshotError, Snapshots

MB = 2**20
RUN_FILES = ("card.json", "history.csv", SNAPSHOTS_FILE, "generator.keras", "discriminator.keras",
             "g_optimizer.npz", "d_optimizer.npz", "samples.png", "directions.json", "projection.json")
READ_LIMITS = {"card.json": 1 * MB, "history.csv": 48 * MB, SNAPSHOTS_FILE: 48 * MB}  # unpacked, each


@dataclass
class RecordedRun:
    """A run to replay: its name, card, history rows (as history.csv holds them) and snapshots (empty
    ones for a run saved before ganlab kept them)."""

    name: str
    card: dict[str, Any]
    history: list[dict[str, Any]]
    snapshots: Snapshots

    @property
    def last_step(self) -> int:
        """The run's last step (history's or the card's)."""
        return int(self.history[-1]["step"]) if self.history else int(self.card.get("step", 0))


def recorded_shipped() -> list[str]:
    """The shipped models that come with snapshots (``python -m ganlab record`` made them)."""
    return [n for n in checkpoints.shipped_names() if (checkpoints.assets_dir() / n / SNAPSHOTS_FILE).is_file()]


def _read(folder: Path, name: str) -> RecordedRun:
    """The card, history and snapshots of a folder holding a run's files; DataError when unreadable."""
    try:
        card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise DataError("card.json is unreadable: this is not a saved ganlab run.") from None
    if not isinstance(card, dict) or card.get("format") != checkpoints.FORMAT:
        raise DataError("card.json is not a ganlab checkpoint card: this is not a saved ganlab run.")
    try:
        history = checkpoints.read_history(folder / "history.csv")
    except (OSError, UnicodeDecodeError, csv.Error):
        raise DataError("history.csv is unreadable.") from None
    if history and not {"step", "d_loss", "g_loss"} <= history[0].keys():
        raise DataError("history.csv lacks the step, d_loss and g_loss columns of a ganlab run.")
    try:
        snaps = Snapshots.read_or(folder, Snapshots(1, None))
    except SnapshotError as e:
        raise DataError(str(e)) from None
    return RecordedRun(name, card, history, snaps)


def open_run(name_or_folder: str | Path) -> RecordedRun:
    """The recorded run of a checkpoint folder or a shipped model's name."""
    folder = checkpoints.resolve(name_or_folder)
    return _read(folder, Path(name_or_folder).name)


def _run_entries(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The entries of a run zip by file name, every one checked; DataError for anything else."""
    infos = [i for i in zf.infolist() if not i.filename.endswith("/")]
    parts = [PurePosixPath(i.filename.replace("\\", "/")).parts for i in infos]
    tops = {p[0] for p in parts if len(p) == 2}
    top = next(iter(tops)) if len(tops) == 1 and all(len(p) == 2 for p in parts) else None
    found: dict[str, zipfile.ZipInfo] = {}
    for info, p in zip(infos, parts):
        if not p or p[0] == "/" or ".." in p or ":" in p[0]:
            raise DataError(f"The zip holds an entry with an absolute path or leading outside it "
                            f"({info.filename!r}); refused.")
        rel = p[1] if top is not None else "/".join(p)
        if rel not in RUN_FILES:
            raise DataError(f"The zip holds {info.filename!r}, which is not a file of a saved ganlab run "
                            f"({', '.join(RUN_FILES[:3])}, the networks ...); refused.")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise DataError(f"The zip holds a symbolic link ({info.filename!r}); refused.")
        if info.flag_bits & 0x1:
            raise DataError(f"The zip entry {info.filename!r} is encrypted; send an unencrypted zip.")
        if rel in found:
            raise DataError(f"The zip holds {rel} twice; refused.")
        found[rel] = info
    if "card.json" not in found or "history.csv" not in found:
        raise DataError("The zip holds no card.json and history.csv: it is not a saved ganlab run (the Train "
                        "tab's Save gives one).")
    return found


def open_run_zip(path: str | Path, work_dir: str | Path, max_bytes: int = MAX_UPLOAD_BYTES) -> RecordedRun:
    """The recorded run in a run zip, its card, history and snapshots unpacked into ``work_dir`` (the
    caller deletes it); DataError for a zip too large, corrupt, with other files, links or traversal."""
    path, work = Path(path), Path(work_dir)
    check_file_size(path, max_bytes, "Run zip")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(f"{path.name!r} is not a valid zip file.") from None
    with zf:
        entries = _run_entries(zf)
        for name, limit in READ_LIMITS.items():
            info = entries.get(name)
            if info is not None and info.file_size > limit:
                raise DataError(f"{name} in the zip unpacks to {info.file_size / MB:.0f} MB; the limit is "
                                f"{limit / MB:.0f} MB.")
        work.mkdir(parents=True, exist_ok=True)
        for name, limit in READ_LIMITS.items():
            if name in entries:
                _unpack(zf, entries[name], work / name, limit)  # a fixed name: nothing the zip names is a path
    return _read(work, path.stem)


def _unpack(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limit: int) -> None:
    """One entry to ``target``, at most ``limit`` bytes whatever its header says."""
    written = 0
    try:
        with zf.open(info) as src, open(target, "wb") as dst:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise DataError(f"{info.filename} unpacks to more than {limit / MB:.0f} MB; refused.")
                dst.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as e:
        raise DataError(f"The zip entry {info.filename!r} is corrupt: {e}") from None
