"""A run's checkpoints: save (networks, optimizer state, history, card, snapshots, written atomically)
and resume_from (the same run rebuilt from a checkpoint folder), for TrainingRun."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from ganlab import checkpoints
from ganlab.config import TrainConfig
from ganlab.data import Dataset
from ganlab.train.distributed import DataParallel
from ganlab.train.history import SettingChange, StepClock, StepMetrics, history_rows
from ganlab.train.snapshots import Snapshots


class Checkpointed:
    """TrainingRun's saving and resuming (a mixin: it reads the run's networks, optimizers and history)."""

    def save(self, path: str | Path, quality: dict | None = None) -> Path:
        """Write a checkpoint folder atomically: networks, optimizer state, history, card."""
        with self._lock:
            card = checkpoints.make_card(self.gan, self.config.to_dict(), self.class_names, self.step_count,
                                         self.command, self.config.dataset, quality, self.dataset.credit)
            card["changes"] = [asdict(c) for c in self.changes]  # settings changed while it trained
            if self.parallel is not None:
                card["data_parallel"] = self.parallel.as_dict(self.config.batch_size)
            self.snapshots.take(self, final=True)
            return checkpoints.write_checkpoint(path, self.gan, self.g_opt, self.d_opt, self.history_rows(), card,
                                                also=self.snapshots.write)

    def history_rows(self) -> list[dict[str, Any]]:
        """The per-step records as rows for history.csv (with the settings in force, after a change)."""
        return history_rows(list(self.history), self.changes, self.config)

    @classmethod
    def resume_from(cls, path: str | Path, dataset: Dataset | None = None,
                    parallel: DataParallel | None = None, **overrides: Any) -> Any:
        """Rebuild a session from a checkpoint: weights, optimizer state, step and history; ``overrides``
        change config fields (``options`` go over the card's, e.g. SRGAN from its SRResNet baseline:
        ``options={"adversarial_weight": 0.001}``)."""
        folder = checkpoints.resolve(path)
        card = checkpoints.read_card(folder)
        if "options" in overrides:
            overrides = {**overrides, "options": {**card["config"].get("options", {}), **overrides["options"]}}
        config = TrainConfig.from_dict({**card["config"], "precision": "auto", **overrides})
        run = cls(config, dataset=dataset, command=card.get("command"), parallel=parallel)
        checkpoints.load_keras_weights(run.gan.generator, folder / "generator.keras")
        checkpoints.load_keras_weights(run.gan.discriminator, folder / "discriminator.keras")
        if (folder / "g_optimizer.npz").is_file():  # exported (shipped) checkpoints have none
            checkpoints.load_optimizer(run.g_opt, folder / "g_optimizer.npz")
            checkpoints.load_optimizer(run.d_opt, folder / "d_optimizer.npz")
        run.step_count = int(card["step"])
        run.history.extend(StepMetrics.from_dict(row) for row in checkpoints.read_history(folder / "history.csv"))
        run.changes = [SettingChange(**c) for c in card.get("changes", [])]  # the card's config is after them
        if run.history:
            run.clock = StepClock(float(run.history[-1].time))
        run.snapshots = Snapshots.read_or(folder, run.snapshots)
        return run
