"""Data-parallel training on this CPU split into 2 logical devices, on both backends: the same seed and
global batch give the single-device losses at the first step and track them for 50 steps; the CLI names
the devices and the per-device batch. Each backend runs in a fresh process (tests/distributed_check.py),
because devices are set up before the backend starts.

Several machines, on localhost: two worker processes (TF_CONFIG / KERAS_DISTRIBUTION_*) run the same
``python -m ganlab train --devices all`` command beside a single-process run; the first steps match it and
only the chief writes a checkpoint."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import time

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


@pytest.mark.slow
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


TRAIN = ["-m", "ganlab", "train", "--model", "vanilla", "--dataset", "ring", "--steps", "3", "--batch-size", "32",
         "--quiet", "--no-eval"]
CLUSTER_VARIABLES = ("TF_CONFIG", "KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES",
                     "KERAS_DISTRIBUTION_PROCESS_ID")


def free_ports(n: int) -> list[int]:
    """n distinct free TCP ports on localhost (bound to port 0 together, then released)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("localhost", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def worker_env(backend: str, ports: list[int], index: int) -> dict:
    """The engine's own variables for worker ``index`` of a localhost cluster."""
    if backend == "tensorflow":
        return {"TF_CONFIG": json.dumps({"cluster": {"worker": [f"localhost:{p}" for p in ports]},
                                         "task": {"type": "worker", "index": index}})}
    return {"KERAS_DISTRIBUTION_JOB_ADDRESSES": f"localhost:{ports[0]}",
            "KERAS_DISTRIBUTION_NUM_PROCESSES": str(len(ports)), "KERAS_DISTRIBUTION_PROCESS_ID": str(index)}


def first_steps(folder) -> list[dict]:
    """The checkpoint's history rows, as floats."""
    with open(folder / "history.csv", newline="", encoding="utf-8") as f:
        return [{k: float(row[k]) for k in FIELDS} for row in csv.DictReader(f)]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_two_processes_match_one(backend, tmp_path):
    if backend == "jax":
        jax = pytest.importorskip("jax")
        if not hasattr(jax.config, "jax_cpu_collectives_implementation"):
            pytest.skip(f"JAX {jax.__version__} has no CPU collectives (jax_cpu_collectives_implementation)")
    base = {k: v for k, v in os.environ.items() if k not in CLUSTER_VARIABLES}
    base.update({"KERAS_BACKEND": backend, "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3",
                 "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))})
    ports = free_ports(2)
    runs = {"w0": ([*TRAIN, "--devices", "all"], worker_env(backend, ports, 0)),
            "w1": ([*TRAIN, "--devices", "all"], worker_env(backend, ports, 1)),
            "one": (TRAIN, {})}  # the single-process, single-device run (beside them: 2 cores, 3 processes)
    start, procs = time.monotonic(), {}
    for name, (args, env) in runs.items():
        with open(tmp_path / f"{name}.log", "w", encoding="utf-8") as log:  # the child keeps its own handle
            procs[name] = subprocess.Popen([sys.executable, *args, "--out", str(tmp_path / name)],
                                           env={**base, **env}, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        for proc in procs.values():
            proc.wait(timeout=max(1.0, 400 - (time.monotonic() - start)))
    except subprocess.TimeoutExpired:
        pass
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    out = {name: (tmp_path / f"{name}.log").read_text(encoding="utf-8") for name in runs}
    for name, proc in procs.items():
        assert proc.returncode == 0, f"{name} (rc {proc.returncode}):\n{out[name][-3000:]}"
    engine = "keras.distribution.DataParallel" if backend == "jax" else "tf.distribute.MultiWorkerMirroredStrategy"
    assert "worker 0 of 2 (chief)" in out["w0"] and "worker 1 of 2," in out["w1"]
    assert engine in out["w0"] and "16 examples per device (global batch 32)" in out["w1"]
    assert "the chief (worker 0) writes the checkpoint" in out["w1"]
    assert (tmp_path / "w0" / "card.json").is_file() and not (tmp_path / "w1").exists()  # only the chief wrote
    card = json.loads((tmp_path / "w0" / "card.json").read_text())["data_parallel"]
    assert card["workers"] == 2 and card["engine"] == engine and len(card["devices"]) == 2
    one, two = first_steps(tmp_path / "one"), first_steps(tmp_path / "w0")
    assert len(one) == len(two) == 3
    print(f"{backend}: 2 processes vs 1, first step {max_diff(one[:1], two[:1]):.2g}, "
          f"3 steps {max_diff(one, two):.2g}, {time.monotonic() - start:.0f} s")
    assert max_diff(one[:1], two[:1]) < 1e-5  # the same global batch, latents and update as one device
    assert max_diff(one, two) < 1e-4


def test_cluster_from_the_engines_variables():
    from ganlab.train.distributed import _jax_cluster, _tf_cluster

    assert _tf_cluster("") is None
    assert _tf_cluster(json.dumps({"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 0}})) is None
    c = _tf_cluster(json.dumps({"cluster": {"chief": ["a:1"], "worker": ["b:1", "c:1"]},
                                "task": {"type": "worker", "index": 1}}))
    assert c.index == 2 and not c.chief and c.workers[0] == "/job:chief/replica:0/task:0"
    with pytest.raises(ValueError, match="ps"):
        _tf_cluster(json.dumps({"cluster": {"worker": ["a:1", "b:1"], "ps": ["c:1"]}, "task": {"type": "ps"}}))
    with pytest.raises(ValueError, match="JSON"):
        _tf_cluster("{not json")
    assert _jax_cluster({}) is None
    c = _jax_cluster(dict(zip(CLUSTER_VARIABLES[1:], ("h:1", "2", "0"))))
    assert c.chief and len(c.workers) == 2
    with pytest.raises(ValueError, match="KERAS_DISTRIBUTION_PROCESS_ID"):
        _jax_cluster({"KERAS_DISTRIBUTION_NUM_PROCESSES": "2", "KERAS_DISTRIBUTION_JOB_ADDRESSES": "h:1"})
