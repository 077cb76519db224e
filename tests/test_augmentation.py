"""GAN data augmentation with few labels: a cGAN on only the labelled few, and the experiment that
compares a classifier trained with and without its samples."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ganlab.cli import main
from ganlab.config import TrainConfig
from ganlab.data.labels import labelled_only, labelled_subset
from ganlab.evaluate.augmentation import CONDITIONS, AugmentationResult, augmentation_table, labelled_training_set
from ganlab.train.run import TrainingRun
from tests.conftest import needs_mnist


def test_labelled_only_keeps_the_same_fixed_choice_as_the_semi_supervised_split(tiny_images):
    y = np.arange(len(tiny_images.x)) % 2
    data = tiny_images.__class__("two", tiny_images.x, y.astype(np.int32), ("a", "b"))
    few = labelled_only(data, 3, seed=5)
    chosen = labelled_subset(y, 3, seed=5)
    np.testing.assert_array_equal(few.x, data.x[chosen])
    assert np.bincount(few.y).tolist() == [3, 3]
    assert len(data.x) == len(tiny_images.x)  # the given dataset is not changed


@pytest.mark.slow  # a cGAN training and the augmentation experiment
@needs_mnist
def test_cgan_on_few_labels_trains_on_exactly_them_and_the_experiment_finds_them_again(tmp_path, capsys):
    config = TrainConfig(model="cgan", dataset="mnist", steps=2, batch_size=8, limit=500,
                         options={"labels_per_class": 2, "width": 0.25})
    session = TrainingRun(config)
    assert len(session.dataset.x) == 20 and np.bincount(session.dataset.y).tolist() == [2] * 10
    list(session.run())
    folder = session.save(tmp_path / "cgan-few")
    card = json.loads((folder / "card.json").read_text())
    assert card["options"]["labels_per_class"] == 2
    again = labelled_training_set(card, None)  # the same labelled images, chosen again from the card
    np.testing.assert_array_equal(again.x, session.dataset.x)
    np.testing.assert_array_equal(again.y, session.dataset.y)

    rc = main(["evaluate-augmentation", "--checkpoint", str(folder), "--generated-per-class", "2",
               "--steps", "3", "--seeds", "1", "--limit", "200", "--write-card"])
    assert rc == 0
    assert "real + generated" in capsys.readouterr().out
    record = json.loads((folder / "card.json").read_text())["quality"]["augmentation"]
    assert record["labels"] == 20 and record["generated"] == 20 and record["steps"] == 3
    assert set(record["accuracy"]) == set(CONDITIONS)
    assert all(len(a) == 1 and 0.0 <= a[0] <= 1.0 for a in record["accuracy"].values())


@needs_mnist
def test_experiment_refuses_a_cgan_trained_on_all_the_data():
    with pytest.raises(ValueError, match="--labels-per-class"):
        labelled_training_set({"dataset": "mnist", "options": {}}, None)


def test_table_reports_mean_and_spread_per_condition():
    result = AugmentationResult("c", 100, 10, 5000, 10, {"real": [0.7, 0.8], "real + generated": [0.9, 0.9],
                                                         "generated only": [0.5, 0.6]})
    table = augmentation_table([result])
    assert "| 100 | 75.0 % ± 5.0 | 90.0 % ± 0.0 | 55.0 % ± 5.0 |" in table
