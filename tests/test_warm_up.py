"""TrainingRun.warm_up compiles a run's first programs without changing the run."""

from __future__ import annotations

import numpy as np

from ganlab.config import TrainConfig
from ganlab.train.run import TrainingRun


def test_warm_up_compiles_and_leaves_the_run_as_it_was(tiny_points):
    config = TrainConfig(model="vanilla", dataset="cluster", batch_size=32, latent_dim=2, steps=40, k=2)
    warm, cold = TrainingRun(config, dataset=tiny_points), TrainingRun(config, dataset=tiny_points)
    assert warm.warm_up() > 0 and warm.step_count == 0 and not warm.history
    assert warm.fns.train_many.compiles() == 1
    for s in (warm, cold):
        s.step()
        s.steps(6)
    for a, b in zip(warm.fns.state, cold.fns.state):
        np.testing.assert_array_equal(np.asarray(a.value), np.asarray(b.value))
    assert [r.d_loss for r in warm.history] == [r.d_loss for r in cold.history]
    assert warm.fns.train_many.compiles() == 1  # the warm-up's program served the fused calls
