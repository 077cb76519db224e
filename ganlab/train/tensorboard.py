"""TensorBoard logs of a training run: every step's scalars, the sample grid every N steps, the
hyperparameters (HParams dashboard), written with ``tf.summary`` into event files that
``tensorboard --logdir DIR`` reads.

The logger follows ``session.history`` (the session's own per-step records) instead of hooking into
the step: ``update()`` writes whatever records are new since its last call, so it works the same
after ``run()``'s steps, single Step buttons or a resumed checkpoint's history, whatever the step
loop does inside. TensorFlow is imported only when a logger is made (it is installed with both
backends: on JAX only its summary writer is used).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ganlab.config import TENSORBOARD_IMAGE_EVERY
from ganlab.train.run import StepMetrics, TrainingRun

# Tag of each record field; any other field (the model's extra terms: gp, mi, l1, ...) goes under extra/.
TAGS = {"d_loss": "loss/d_loss", "g_loss": "loss/g_loss", "d_real": "D/d_real (D(x))",
        "d_fake": "D/d_fake (D(G(z)))", "steps_per_sec": "speed/steps_per_sec"}
SKIPPED = ("step", "time", "kind")


def scalar_tags(record: StepMetrics) -> dict[str, float]:
    """The TensorBoard tag and value of every number in a record."""
    return {TAGS.get(k, f"extra/{k}"): float(v) for k, v in record.as_dict().items()
            if k not in SKIPPED and isinstance(v, (int, float))}


def hparams_of(run: TrainingRun) -> dict[str, bool | int | float | str]:
    """The run's settings as HParams values (model options flattened as option.NAME; None left out)."""
    config = run.config.to_dict()
    out: dict[str, Any] = {k: v for k, v in config.items() if k != "options" and v is not None}
    out.update({f"option.{k}": v for k, v in config.get("options", {}).items()})
    return {k: v if isinstance(v, (bool, int, float, str)) else json.dumps(v) for k, v in out.items()}


class TensorBoardLogger:
    """Writes a TrainingRun's history, sample grids and hyperparameters into ``logdir``."""

    def __init__(self, run: TrainingRun, logdir: str | Path,
                 image_every: int = TENSORBOARD_IMAGE_EVERY):
        import tensorflow as tf
        from tensorboard.plugins.hparams import api as hp

        if int(image_every) < 1:
            raise ValueError(f"image_every must be at least 1 step; got {image_every}")
        self._tf, self.run, self.image_every = tf, run, int(image_every)
        self.logdir = Path(logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        self._writer = tf.summary.create_file_writer(str(self.logdir))
        self._lock = threading.Lock()
        self._written = 0  # records of session.history already written
        self._image_step = -1  # the step of the last sample grid written
        self._closed = False
        with self._writer.as_default():
            c = run.config
            hp.hparams(hparams_of(run), trial_id=f"{c.model}-{Path(c.dataset).name}-seed{c.seed}")
        self._writer.flush()

    def update(self) -> int:
        """Write the records added to the session's history since the last call, and the sample grid
        when a multiple of ``image_every`` steps was passed; returns how many records were written."""
        with self._lock:
            if self._closed:
                return 0
            records = list(self.run.history[self._written :])
            tf = self._tf
            with self._writer.as_default():
                for r in records:
                    for tag, value in scalar_tags(r).items():
                        tf.summary.scalar(tag, value, step=r.step)
                step, every = self.run.step_count, self.image_every  # a grid at the first update, then
                if self.run.spec.is_image and step > 0 and step // every > self._image_step // every:
                    self._write_samples(step)  # one each time a multiple of image_every is passed
            self._written += len(records)
            return len(records)

    def _write_samples(self, step: int) -> None:
        """The session's fixed-latent sample grid (the Train tab's picture) as an image summary."""
        picture = np.asarray(self.run.preview())
        if picture.ndim == 2:
            picture = picture[..., None]
        self._tf.summary.image("samples", picture[None], step=step)
        self._image_step = step

    def flush(self) -> None:
        """Write what is buffered to the event file now."""
        with self._lock:
            if not self._closed:
                self._writer.flush()

    def close(self) -> None:
        """Write the last records and the final sample grid, and close the event file."""
        self.update()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            step = self.run.step_count
            if self.run.spec.is_image and step > self._image_step:
                with self._writer.as_default():
                    self._write_samples(step)
            self._writer.close()
