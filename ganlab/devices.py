"""How many devices to train on, asked for before the backend starts (no Keras import here).

On a machine without accelerators, ``--devices N`` splits the CPU into N logical devices so data-parallel
training can be tried (and tested) anywhere: JAX reads ``--xla_force_host_platform_device_count`` from
``XLA_FLAGS`` when its CPU backend starts, so :func:`request_host_devices` must run before the first JAX
computation; TensorFlow's split (``tf.config.set_logical_device_configuration``) is made by
``ganlab.train.distributed.data_parallel`` before the first TensorFlow operation.
"""

from __future__ import annotations

import os
import re

XLA_FLAG = "--xla_force_host_platform_device_count"


def parse_devices(value: str | int) -> int | None:
    """``--devices`` as a number of devices (``None`` for 'all'); a clear error otherwise."""
    text = str(value).strip().lower()
    if text == "all":
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"--devices must be a whole number of devices (1, 2, ...) or 'all'; got {value!r}")
    return int(text)


def request_host_devices(count: int | None) -> None:
    """Ask JAX's CPU backend for ``count`` logical devices (no effect on GPUs, or once JAX has started)."""
    if count is None or count < 2:
        return
    flags = re.sub(rf"{XLA_FLAG}=\d+", "", os.environ.get("XLA_FLAGS", "")).strip()
    os.environ["XLA_FLAGS"] = f"{flags} {XLA_FLAG}={count}".strip()
