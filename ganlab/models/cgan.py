"""Conditional DCGAN: the class label goes into both G (embedding + z) and D (label map + projection)."""

from __future__ import annotations

from typing import Any

import keras
from keras import layers, ops

from ganlab.data import Dataset
from ganlab.data.labels import labelled_only
from ganlab.models.base import GAN
from ganlab.models.layers import conv_critic_body, model, upsampling_generator_body


class ConditionalGAN(GAN):
    """cGAN (Mirza & Osindero 2014), sized to learn MNIST digits in minutes on a laptop CPU.

    G: [z, embed(label)] → Dense 7·7·128 → ConvT 64 → ConvT 1.
    D: [image, label map] → Conv 64 → Conv 128 → Dense 1, plus a projection term
    <embed(label), features> (Miyato & Koyama 2018) so D checks the class, not only realism.
    """

    name = "cgan"
    summary = "conditional DCGAN: pick the class to generate (label into G and D)"
    conditional = True
    default_latent_dim = 64
    # labels_per_class: train on only that many labelled examples per class (a fixed seeded choice,
    # ganlab.data.labels), e.g. for the few-labels augmentation experiment; None: all the data
    default_options = {"width": 1.0, "embed_dim": 32, "dropout": 0.0, "labels_per_class": None, "label_seed": 0}

    @classmethod
    def prepare_data(cls, dataset: Dataset, options: dict[str, Any]) -> Dataset:
        """All the data, or only ``labels_per_class`` labelled examples per class when that is set."""
        merged = {**cls.default_options, **options}
        if merged["labels_per_class"] is None:
            return dataset
        return labelled_only(dataset, int(merged["labels_per_class"]), int(merged["label_seed"]))

    def build_generator(self) -> keras.Model:
        dt, s = self.hidden_dtype(), self.spec
        z = keras.Input((s.latent_dim,), name="z")
        label = keras.Input((), dtype="int32", name="label")
        e = layers.Embedding(s.num_classes, int(self.options["embed_dim"]), dtype=dt)(label)
        h = layers.Concatenate(dtype=dt)([z, e])
        out = upsampling_generator_body(h, s.data_shape, int(128 * self.options["width"]), dt)
        return model([z, label], out, "generator")

    def build_discriminator(self) -> keras.Model:
        dt, s = self.hidden_dtype(), self.spec
        height, width, _ = s.data_shape
        x = keras.Input(s.data_shape, name="x")
        label = keras.Input((), dtype="int32", name="label")
        label_map = layers.Embedding(s.num_classes, height * width, dtype=dt)(label)
        label_map = layers.Reshape((height, width, 1), dtype=dt)(label_map)
        h = layers.Concatenate(dtype=dt)([x, label_map])
        w = float(self.options["width"])
        filters = (int(64 * w), int(128 * w)) + ((int(256 * w),) if height > 32 else ())
        h = conv_critic_body(h, filters, dt, dropout=float(self.options["dropout"]))
        unconditional = layers.Dense(1, dtype="float32")(h)
        class_vector = layers.Embedding(s.num_classes, h.shape[-1], dtype="float32")(label)
        projection = layers.Dot(axes=1, dtype="float32")([class_vector, h])
        out = layers.Add(dtype="float32")([unconditional, projection])
        return model([x, label], out, "discriminator")

    def sample_latent(self, batch_size: int, batch: dict | None = None) -> dict:
        """Noise plus labels: the real batch's labels (keeps classes balanced like the data)."""
        latent = super().sample_latent(batch_size, batch)
        if batch is not None:
            latent["label"] = ops.cast(batch["y"], "int32")
        else:
            latent["label"] = keras.random.randint((batch_size,), 0, self.spec.num_classes,
                                                   seed=self.seed_generator)
        return latent

    def generator_inputs(self, latent: dict) -> list:
        return [latent["z"], latent["label"]]

    def discriminate(self, x, condition: dict, training: bool = True):
        label = condition["label"] if "label" in condition else condition["y"]
        return self.discriminator([x, ops.cast(label, "int32")], training=training)
