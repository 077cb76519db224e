"""Standard exports of a checkpoint's generator: a ``.keras`` file, a TF SavedModel, an ONNX file.

Everything goes through Keras' own API (``Model.save`` and ``Model.export``); this module only picks
the file names, rebuilds the generator in float32 (ONNX needs a float32 dtype policy; shipped
checkpoints may hold float16 weights) and checks an export by running it beside Keras.
Generators with several inputs (cGAN: ``z`` and ``label``; InfoGAN: ``z``, ``c_cat``, ``c_cont``)
keep their input names, so a caller feeds them by name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ganlab.checkpoints import CheckpointError, LoadedGenerator, load_generator

FORMATS = ("keras", "tf_saved_model", "onnx")
SUFFIXES = {"keras": ".keras", "tf_saved_model": "", "onnx": ".onnx"}  # a SavedModel is a folder


def default_path(checkpoint: str | os.PathLike, fmt: str) -> Path:
    """Where ``export`` writes by default: exports/NAME-generator(.keras|/|.onnx)."""
    return Path("exports") / f"{Path(checkpoint).name}-generator{SUFFIXES[fmt]}"


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")


def export_generator(loaded: LoadedGenerator, path: str | os.PathLike, fmt: str) -> Path:
    """Write ``loaded``'s generator to ``path`` as ``fmt`` (keras, tf_saved_model or onnx)."""
    _check_format(fmt)
    path = Path(path)
    generator = loaded.gan.generator
    if fmt == "keras" and path.suffix != ".keras":
        raise ValueError(f"a Keras file must end in .keras; got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "keras":
        generator.save(path)
        return path
    feed = example_feed(loaded, 1)
    keras_output(loaded, feed)  # Keras exports only a model that has been called
    try:
        generator.export(str(path), format=fmt, verbose=False, input_signature=input_signature(loaded, feed))
    except ImportError as e:  # tf2onnx (TF backend) or jax2onnx (JAX backend) is missing
        raise CheckpointError(f"{fmt} export needs a package that is not installed: {e}. "
                              "pip install -r requirements.txt (ONNX from the JAX backend also "
                              "needs jax2onnx; or export with KERAS_BACKEND=tensorflow).") from None
    return path


def input_signature(loaded: LoadedGenerator, feed: dict[str, np.ndarray]) -> list | None:
    """None (Keras reads the model's inputs) unless an input has free spatial sizes (SRGAN takes any
    H×W): those are fixed to the training size, since UpSampling2D cannot be traced without them."""
    inputs = loaded.gan.generator.inputs
    if all(d is not None for t in inputs for d in t.shape[1:]):
        return None
    specs = [keras.InputSpec(shape=(None, *feed[t.name].shape[1:]), dtype=t.dtype, name=t.name) for t in inputs]
    return specs if len(specs) == 1 else [specs]


def load_for_export(checkpoint: str | os.PathLike) -> LoadedGenerator:
    """A checkpoint's generator rebuilt in float32 (what every export format can hold)."""
    return load_generator(checkpoint, precision="float32")


def example_feed(loaded: LoadedGenerator, count: int = 8, seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded inputs for the generator, keyed by its input names (z, label, c_cat, sketch, ...)."""
    generator = loaded.gan.generator
    inputs = loaded.gan.generator_inputs(loaded.gan.example_inputs(count, seed))
    inputs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    return {t.name: np.asarray(keras.ops.convert_to_numpy(x)).astype(t.dtype)
            for t, x in zip(generator.inputs, inputs)}


def keras_output(loaded: LoadedGenerator, feed: dict[str, np.ndarray]) -> np.ndarray:
    """The generator's own output for ``feed`` (inference mode)."""
    inputs = [feed[t.name] for t in loaded.gan.generator.inputs]
    out = loaded.gan.generator(inputs if len(inputs) > 1 else inputs[0], training=False)
    return np.asarray(keras.ops.convert_to_numpy(out), np.float32)


def run_export(path: str | os.PathLike, fmt: str, feed: dict[str, np.ndarray]) -> np.ndarray:
    """Run an exported generator outside Keras' model code: the .keras file reloaded, the SavedModel
    through TensorFlow's ``serving_default`` signature, the ONNX file through onnxruntime."""
    _check_format(fmt)
    if fmt == "keras":
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
        inputs = [feed[t.name] for t in model.inputs]
        return np.asarray(keras.ops.convert_to_numpy(model(inputs if len(inputs) > 1 else inputs[0])))
    if fmt == "tf_saved_model":
        import tensorflow as tf

        serve = tf.saved_model.load(str(path)).signatures["serving_default"]
        out: Any = serve(**{k: tf.constant(v) for k, v in feed.items()})
        return np.asarray(next(iter(out.values())).numpy())
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {i.name: feed[i.name] for i in session.get_inputs()})[0])


def max_difference(loaded: LoadedGenerator, path: str | os.PathLike, fmt: str, count: int = 8) -> float:
    """Largest absolute difference between the export's and Keras' outputs on ``count`` seeded inputs."""
    feed = example_feed(loaded, count)
    return float(np.max(np.abs(run_export(path, fmt, feed) - keras_output(loaded, feed))))
