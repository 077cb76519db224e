"""Data-parallel training on this CPU split into 2 logical devices, on both backends: the same seed and
global batch give the single-device losses at the first step and track them for 50 steps; the CLI names
the devices and the per-device batch. Each backend runs in a fresh process (tests/distributed_check.py),
because devices are set up before the backend starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ganlab.devices import XLA_FLAG, parse_devices, request_host_devices
from tests.conftest import REPO

FIELDS = ("d_loss", "g_loss", "d_real", "d_fake")


def check(backend: str, tmp_path) -> dict:
    if backend == "jax":
        pytest.importorskip("jax")
    out = tmp_path / f"{backend}.json"
    env = {**os.environ, "KERAS_BACKEND": backend, "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, str(REPO / "tests" / "distributed_check.py"), str(out)], env=env,
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


def max_diff(a: list[dict], b: list[dict], fields=FIELDS) -> float:
    return max(abs(x[f] - y[f]) for x, y in zip(a, b) for f in fields)


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_two_devices_match_one(backend, tmp_path):
    r = check(backend, tmp_path)
    assert r["cli_rc"] == 0
    engine = "keras.distribution.DataParallel" if backend == "jax" else "tf.distribute.MirroredStrategy"
    assert "2 devices (" in r["cli_out"] and engine in r["cli_out"]
    assert "16 examples per device (global batch 32)" in r["cli_out"]
    one, two = r["vanilla"]["1"], r["vanilla"]["2"]
    assert r["vanilla"]["batch_devices"] == 2  # the batch really is split
    assert len(one) == len(two) == 50
    assert max_diff(one[:1], two[:1]) < 1e-5  # the first step: the same numbers
    assert max_diff(one, two) < 1e-3  # 50 steps later: still the same run
    assert abs(one[-1]["d_loss"] - one[0]["d_loss"]) > 1e-3  # (and it did train)
    c1, c2 = r["cgan"]["1"], r["cgan"]["2"]
    # cGAN: the class labels travel with the split batch; TF's replicas normalise G's batch-norm layers
    # with their own half batch (MirroredStrategy without synchronized=True), JAX with the global batch.
    assert max_diff(c1[:1], c2[:1], ("d_real",)) < 1e-5  # D sees the same reals: no batch norm in D
    assert max_diff(c1, c2) < (1e-5 if backend == "jax" else 2e-2)


def test_devices_argument_and_xla_flag(monkeypatch):
    assert parse_devices("all") is None and parse_devices("2") == 2
    for bad in ("0", "-1", "two", "1.5"):
        with pytest.raises(ValueError, match="--devices"):
            parse_devices(bad)
    monkeypatch.setenv("XLA_FLAGS", f"--xla_cpu_foo=1 {XLA_FLAG}=8")
    request_host_devices(4)
    assert os.environ["XLA_FLAGS"] == f"--xla_cpu_foo=1 {XLA_FLAG}=4"


def test_batch_must_split_evenly():
    from ganlab.train.distributed import DataParallel

    plan = DataParallel(["cpu:0", "cpu:1", "cpu:2"], engine=None)
    assert plan.per_device(48) == 16
    with pytest.raises(ValueError, match="multiple of 3"):
        plan.per_device(64)
