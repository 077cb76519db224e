"""The one door through which a training run gets its data: :func:`dataset_for` a config, and a
server-wide :class:`DatasetCache` that loads each named dataset once and shares it read-only.

A toy draws its points from the run's seed (a copy per seed, 160 KB each); every other dataset is
the same whatever the seed (the seed only picks the batch order), so the cache keys it without one.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from ganlab.data import DATASET_ALIASES, DATASETS, TOY_2D, Dataset, image_folder, is_paired_folder, load_dataset
from ganlab.data.uploads import dataset_bytes, resolve_under_root

if TYPE_CHECKING:
    from ganlab.config import TrainConfig

MB = 2**20
NAMED = {*DATASETS, *DATASET_ALIASES}  # names load_dataset knows (anything else is a path)


def _key(config: TrainConfig, root: Path | None, confined: bool) -> tuple:
    """What identifies the loaded data of ``config``: (name or resolved path, data_dir, size, seed, limit).
    ``confined`` (a shared server): a folder or file must lie under ``root``, and none is allowed without one."""
    name = config.dataset.strip().lower()
    if name not in NAMED:
        name = str(resolve_under_root(config.dataset.strip(), root)) if confined else config.dataset.strip()
    name = DATASET_ALIASES.get(name, name)
    seed = config.seed if name in TOY_2D else 0  # toys draw their points from the seed
    return name, config.data_dir, config.image_size, seed, config.limit


def _load(key: tuple, root: Path | None) -> Dataset:
    """Load the data ``key`` names (a folder under ``root`` is read without following links out of it)."""
    name, data_dir, image_size, seed, limit = key
    if root is not None and name not in NAMED and Path(name).is_dir() and not is_paired_folder(name):
        return image_folder(name, image_size, within=root)  # links inside it must not reach files elsewhere
    return load_dataset(name, data_dir, image_size, seed=seed, limit=limit)


def dataset_for(config: TrainConfig) -> Dataset:
    """The dataset ``config`` names: a named set, or any folder or points file (the CLI's door)."""
    return _load(_key(config, None, confined=False), None)


class DatasetCache:
    """Loaded datasets shared read-only by every run of a server: kept while a run uses them, and the
    most recent ones up to ``max_bytes`` when none does. Folders and files only under ``root``."""

    def __init__(self, max_bytes: int, root: Path | None = None):
        self.max_bytes, self.root = max_bytes, root
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()  # one load at a time: two sessions never load two copies
        self._kept: OrderedDict[tuple, Dataset] = OrderedDict()  # LRU, bounded by max_bytes
        self._alive: weakref.WeakValueDictionary[tuple, Dataset] = weakref.WeakValueDictionary()  # in use

    def get(self, config: TrainConfig) -> Dataset:
        """The dataset ``config`` names, loaded on first use and shared (its arrays are read-only)."""
        key = _key(config, self.root, confined=True)
        with self._load_lock:
            with self._lock:
                found = self._kept.get(key) or self._alive.get(key)
            if found is None:
                found = _load(key, self.root)
                for a in (found.x, found.y, found.cond):
                    if a is not None:
                        a.flags.writeable = False  # shared by every session: nobody may change it
            with self._lock:
                self._alive[key] = found
                self._kept[key] = found
                self._kept.move_to_end(key)
                total = sum(dataset_bytes(d) for d in self._kept.values())
                while total > self.max_bytes and len(self._kept) > 1:
                    _, old = self._kept.popitem(last=False)  # still shared while a run uses it (_alive)
                    total -= dataset_bytes(old)
        return found

    def loaded(self) -> dict[tuple, int]:
        """Loaded datasets (kept or in use) and their bytes."""
        with self._lock:
            return {k: dataset_bytes(d) for k, d in self._alive.items()}
