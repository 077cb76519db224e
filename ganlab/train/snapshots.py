"""Snapshots of a run, for replaying it later: every ``every`` steps the fixed-latent sample grid (image
runs, uint8 with 32 levels) or the 2D view's layers (2D runs: D's heatmap as uint8, G's fakes, their push and G's
manifold as float16; the real points once), kept in memory within a byte budget and written beside
history.csv as ``snapshots.npz`` (``write`` / ``read``). A run of ``steps`` steps keeps about
TARGET_FRAMES of them; past MAX_FRAMES or MAX_BYTES every other one goes and the interval doubles.

It knows nothing of the UI or of ganlab.train.views (which stands above the session): the 2D layers
come from ganlab.train.layers_2d (below the session, like this module), as the live 2D view's, and are
drawn by the UI.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ganlab.train import layers_2d

FILE = "snapshots.npz"
TARGET_FRAMES = 100  # snapshots over a run's planned steps
MAX_FRAMES = 200  # kept in memory at most (a run trained on past its planned steps thins them)
MAX_BYTES = 24 * 2**20  # of frames kept in memory at most (large sample grids thin sooner)
MAX_READ_BYTES = 64 * 2**20  # unpacked size of a snapshots file that ``read`` accepts
# the 2D layers as the live 2D view has them (ganlab.train.layers_2d, the one module of the view's numbers)
EXTENT, GRID, MANIFOLD, LATENT_SPAN, REAL_POINTS = (layers_2d.EXTENT, layers_2d.GRID, layers_2d.MANIFOLD,
                                                    layers_2d.LATENT_SPAN, layers_2d.REAL_POINTS)
GRID_LEVELS = 32  # levels per channel of a stored sample grid (see ``levels``)


def levels(grid: np.ndarray) -> np.ndarray:
    """A uint8 sample grid kept with GRID_LEVELS levels per channel (each the middle of its band): a replay
    looks the same, and the file of an MNIST run's 100 grids is about half the size."""
    step = 256 // GRID_LEVELS
    return (np.asarray(grid, np.uint8) // step * step + step // 2).astype(np.uint8)


class SnapshotError(ValueError):
    """A snapshots file is unreadable or not one; the message says why."""


def interval(steps: int) -> int:
    """Steps between snapshots for a run of ``steps`` steps: about TARGET_FRAMES over the run."""
    return max(1, int(steps) // TARGET_FRAMES)


def kind_of(run: Any) -> str | None:
    """"image" for image runs, "points" for 2D runs, None for data neither view draws."""
    spec = run.spec
    return "image" if spec.is_image else "points" if tuple(spec.data_shape) == (2,) else None


def _layers_2d(run: Any) -> dict[str, np.ndarray]:
    """The 2D view's layers now, compact: D on a GRID² grid (uint8 over ``heat_range``), the fakes of the
    fixed latent batch and on each G's push (float16), G's manifold over two latent dimensions (float16)."""
    heat = layers_2d.heatmap(run, GRID, EXTENT)
    lo, hi = layers_2d.heat_range(heat, run.gan.loss.score == "probability")
    fakes, push = layers_2d.arrows(run)
    mesh = layers_2d.manifold_mesh(run, MANIFOLD, LATENT_SPAN)
    return {"heatmap": layers_2d.quantize(heat, lo, hi), "heat_range": np.array([lo, hi], np.float32),
            "fakes": fakes.astype(np.float16), "arrows": push.astype(np.float16), "manifold": mesh.astype(np.float16)}


class Snapshots:
    """The snapshots of one run: ``steps`` and, per frame, named uint8 / float16 arrays (``frames``);
    ``meta`` holds what every frame shares (the real points, the extent, the heatmap's kind)."""

    def __init__(self, every: int, kind: str | None):
        self.every = max(1, int(every))
        self.kind = kind
        self.steps: list[int] = []
        self.frames: list[dict[str, np.ndarray]] = []
        self.meta: dict[str, np.ndarray] = {}
        self.nbytes = 0

    @classmethod
    def for_session(cls, run: Any) -> Snapshots:
        """Empty snapshots for a new session: the interval from its planned steps, the kind from its data.
        A run over several machines keeps none (a snapshot would be a computation of every worker)."""
        cluster = getattr(run.parallel, "cluster", None) is not None
        return cls(interval(run.config.steps), None if cluster else kind_of(run))

    def __len__(self) -> int:
        return len(self.steps)

    def due(self, step: int) -> bool:
        """Whether a snapshot is due at ``step``: the first one, then once a multiple of the interval is
        reached or passed (run() ends its fused calls on the multiples; other callers may pass them)."""
        if self.kind is None:
            return False
        return not self.steps or step // self.every > self.steps[-1] // self.every

    def until_next(self, step: int) -> int:
        """Steps from ``step`` to the next multiple of the interval (a fused call should end there)."""
        return self.every - step % self.every

    def take(self, run: Any, final: bool = False) -> bool:
        """Take a snapshot of ``session`` at its current step if one is due (``final``: unless this step has
        one already, as at a save); True when one was taken."""
        step = int(run.step_count)
        if not (self.due(step) or (final and self.kind is not None and (not self.steps or self.steps[-1] != step))):
            return False
        if self.kind == "image":
            frame = {"grid": levels(run.preview())}
        else:
            frame = _layers_2d(run)
            if "real" not in self.meta:
                self.meta = {"real": np.asarray(layers_2d.real_points(run, REAL_POINTS), np.float16),
                             "extent": np.array(layers_2d.extent_box(EXTENT), np.float32),
                             "heatmap_kind": np.array(layers_2d.heatmap_kind(run))}
        self.add(step, frame)
        return True

    def add(self, step: int, frame: dict[str, np.ndarray]) -> None:
        """Keep one frame (the step after the last kept one); thin the frames when over the budget."""
        if self.steps and step <= self.steps[-1]:  # a run put back to an earlier step: drop what came after
            keep = int(np.searchsorted(self.steps, step))
            self.steps, self.frames = self.steps[:keep], self.frames[:keep]
            self.nbytes = sum(a.nbytes for f in self.frames for a in f.values())
        self.steps.append(int(step))
        self.frames.append(frame)
        self.nbytes += sum(a.nbytes for a in frame.values())
        while len(self.steps) > 2 and (len(self.steps) > MAX_FRAMES or self.nbytes > MAX_BYTES):
            self._thin()

    def _thin(self) -> None:
        """Keep every other frame (the first and the last stay) and double the interval."""
        keep = sorted({*range(0, len(self.steps) - 1, 2), len(self.steps) - 1})
        self.steps = [self.steps[i] for i in keep]
        self.frames = [self.frames[i] for i in keep]
        self.nbytes = sum(a.nbytes for f in self.frames for a in f.values())
        self.every *= 2

    def frame(self, index: int) -> dict[str, Any]:
        """Frame ``index`` as plain arrays, with ``step`` and the shared ``meta`` (2D: float32 points and
        the heatmap back in its own range, ready for the 2D view's drawing)."""
        f = self.frames[index]
        out: dict[str, Any] = {"step": self.steps[index]}
        if self.kind == "image":
            out["grid"] = f["grid"]
            return out
        lo, hi = (float(v) for v in f["heat_range"])
        out.update({"heatmap": lo + f["heatmap"].astype(np.float32) / 255 * (hi - lo),
                    "fakes": f["fakes"].astype(np.float32), "arrows": f["arrows"].astype(np.float32),
                    "manifold": f["manifold"].astype(np.float32), "real": self.meta["real"].astype(np.float32),
                    "extent": [float(v) for v in self.meta["extent"]],
                    "heatmap_kind": str(self.meta["heatmap_kind"])})
        return out

    def nearest(self, step: int) -> int:
        """The index of the last frame at or before ``step`` (the first frame before it)."""
        return max(0, int(np.searchsorted(self.steps, step, side="right")) - 1)

    # -- files ---------------------------------------------------------------------------
    def write(self, folder: str | Path) -> Path | None:
        """Write ``folder/snapshots.npz`` (compressed); nothing when there are no frames."""
        if not self.steps:
            return None
        path = Path(folder) / FILE
        keys = self.frames[0].keys()
        arrays = {f"frame_{k}": np.stack([f[k] for f in self.frames]) for k in keys}
        np.savez_compressed(path, kind=np.array(self.kind), every=np.array(self.every),
                            steps=np.array(self.steps, np.int64), **arrays,
                            **{f"meta_{k}": v for k, v in self.meta.items()})
        return path

    @classmethod
    def read(cls, path: str | Path, max_bytes: int = MAX_READ_BYTES) -> Snapshots:
        """Read a snapshots file written by ``write``: its unpacked size checked before anything is
        decoded, no pickles, every array's shape checked against the steps; SnapshotError otherwise."""
        path = Path(path)
        try:
            with zipfile.ZipFile(path) as zf:
                unpacked = sum(i.file_size for i in zf.infolist())
        except (zipfile.BadZipFile, OSError) as e:
            raise SnapshotError(f"{path.name} is not a snapshots file: {e}") from None
        if unpacked > max_bytes:
            raise SnapshotError(f"{path.name} unpacks to {unpacked / 2**20:.0f} MB; the limit is "
                                f"{max_bytes / 2**20:.0f} MB.")
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
            raise SnapshotError(f"{path.name} is unreadable: {e}") from None
        return cls.from_arrays(arrays, path.name)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], name: str = FILE) -> Snapshots:
        """Snapshots from the arrays of a snapshots file, checked (SnapshotError names what is wrong)."""
        try:
            kind, every, steps = str(arrays["kind"]), int(arrays["every"]), arrays["steps"]
        except (KeyError, TypeError, ValueError):
            raise SnapshotError(f"{name} lacks its kind, interval or steps: not a snapshots file.") from None
        needed = {"image": ("grid",), "points": ("heatmap", "heat_range", "fakes", "arrows", "manifold")}
        if kind not in needed or steps.ndim != 1 or not np.issubdtype(steps.dtype, np.integer):
            raise SnapshotError(f"{name}: unknown kind {kind!r} or malformed steps.")
        if np.any(np.diff(steps) <= 0):
            raise SnapshotError(f"{name}: the steps are not increasing.")
        frames = {k: arrays.get(f"frame_{k}") for k in needed[kind]}
        if any(v is None or len(v) != len(steps) for v in frames.values()):
            raise SnapshotError(f"{name}: its frames do not match its {len(steps)} steps.")
        meta = {k[5:]: v for k, v in arrays.items() if k.startswith("meta_")}
        if kind == "points" and not {"real", "extent", "heatmap_kind"} <= meta.keys():
            raise SnapshotError(f"{name}: a 2D run's snapshots need the real points and the extent.")
        out = cls(every, kind)
        out.meta = meta
        out.steps = [int(s) for s in steps]
        out.frames = [{k: v[i] for k, v in frames.items()} for i in range(len(steps))]
        out.nbytes = sum(v.nbytes for v in frames.values())
        return out

    @classmethod
    def read_or(cls, folder: str | Path, default: Snapshots) -> Snapshots:
        """The snapshots of a checkpoint folder, or ``default`` (a checkpoint saved before snapshots)."""
        path = Path(folder) / FILE
        return cls.read(path) if path.is_file() else default
