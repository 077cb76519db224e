"""SessionStore without a server: shared datasets, upload caps, server folders, idle sessions freed."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from ganlab.config import TrainConfig
from ganlab.data import DataError, Dataset
from ganlab.server.limits import UPLOAD_PREFIX
from ganlab.server.store import SessionStore
from tests.conftest import needs_mnist


@needs_mnist
def test_named_dataset_is_loaded_once_whatever_the_seed(tmp_path):
    store = SessionStore(root=tmp_path)
    a = store.dataset(TrainConfig(model="cgan", dataset="mnist", seed=1, limit=300))
    b = store.dataset(TrainConfig(model="cgan", dataset="MNIST", seed=2, limit=300))
    assert a is b and not a.x.flags.writeable
    assert len(store.cached_datasets()) == 1
    # different seeds still give different batch orders
    d1, d2 = a.sampler(8, 1)(1)["y"], a.sampler(8, 2)(1)["y"]
    assert not np.array_equal(d1, d2)


def test_toys_keep_their_seed_and_cache_is_bounded(tmp_path):
    store = SessionStore(root=tmp_path, cache_bytes=1)  # keeps only the newest when nobody uses them
    r1 = store.dataset(TrainConfig(model="vanilla", dataset="ring", seed=1))
    r2 = store.dataset(TrainConfig(model="vanilla", dataset="ring", seed=2))
    assert not np.array_equal(r1.x, r2.x)
    assert store.dataset(TrainConfig(model="vanilla", dataset="ring", seed=1)) is r1  # still in use: shared
    ref = weakref.ref(r1)
    del r1
    store.dataset(TrainConfig(model="vanilla", dataset="grid", seed=1))  # pushes ring seed 1 out of the cache
    gc.collect()
    assert ref() is None  # evicted and unused: freed


def test_server_folders_need_a_root_and_stay_inside(tmp_path):
    (tmp_path / "root" / "ok").mkdir(parents=True)
    store = SessionStore(root=tmp_path / "runs")
    with pytest.raises(DataError, match="--data-root"):
        store.dataset(TrainConfig(model="dcgan", dataset="/usr/share/icons"))
    rooted = SessionStore(root=tmp_path / "runs", data_root=tmp_path / "root")
    for bad in ("../../..", "/usr/share/icons", ".."):
        with pytest.raises(DataError, match="outside"):
            rooted.dataset(TrainConfig(model="dcgan", dataset=bad))


def test_uploads_capped_and_freed_with_the_session(tmp_path):
    store = SessionStore(root=tmp_path, session_upload_bytes=40_000, server_upload_bytes=60_000)
    small = Dataset("up", np.zeros((8, 28, 28, 1), np.float32))  # 25 KB
    store.uploads.folder("s1")
    store.set_upload("s1", small)
    cfg = TrainConfig(model="dcgan", dataset=UPLOAD_PREFIX + "up")
    assert store.dataset(cfg, "s1") is small
    with pytest.raises(DataError, match="No uploaded data"):
        store.dataset(cfg, "s2")
    with pytest.raises(DataError, match="each session"):
        store.set_upload("s2", Dataset("big", np.zeros((20, 28, 28, 1), np.float32)))
    with pytest.raises(DataError, match="too much uploaded data"):
        store.set_upload("s2", Dataset("up2", np.zeros((12, 28, 28, 1), np.float32)))
    store.close_session("s1")
    assert store.uploads.get("s1") is None and store.uploads.total_bytes() == 0
    store.set_upload("s2", Dataset("up2", np.zeros((12, 28, 28, 1), np.float32)))


def test_idle_sessions_are_reclaimed(tmp_path):
    store = SessionStore(root=tmp_path, idle_timeout_s=60)
    job = store.create("idle", TrainConfig(model="vanilla", dataset="ring", steps=50))
    ref = weakref.ref(job.run)
    store.set_upload("idle", Dataset("up", np.zeros((4, 2), np.float32), kind="points"))
    store.touch("busy")
    del job
    import time

    assert store.reap(time.monotonic() + 30) == []
    assert sorted(store.reap(time.monotonic() + 61)) == ["busy", "idle"]
    assert store.get("idle") is None and store.uploads.get("idle") is None
    gc.collect()
    assert ref() is None  # the models went with it
    with pytest.raises(ValueError, match="at most"):
        SessionStore(root=tmp_path, max_steps=10).create("x", TrainConfig(model="vanilla", dataset="ring", steps=11))
    store.close()


def test_links_inside_the_data_root_cannot_read_outside(tmp_path):
    from PIL import Image

    (tmp_path / "root" / "ok").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    Image.new("RGB", (8, 8), "red").save(tmp_path / "root" / "ok" / "mine.png")
    Image.new("RGB", (8, 8), "blue").save(tmp_path / "secret" / "theirs.png")
    (tmp_path / "root" / "ok" / "leak.png").symlink_to(tmp_path / "secret" / "theirs.png")
    store = SessionStore(root=tmp_path / "runs", data_root=tmp_path / "root")
    ds = store.dataset(TrainConfig(model="dcgan", dataset="ok"))
    assert len(ds) == 1
