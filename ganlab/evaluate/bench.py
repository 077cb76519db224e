"""``python -m ganlab bench``: training steps/s, the ratio to the TF DCGAN tutorial's own step,
and inference latency of the shipped generators. Rounds alternate so drift hits both sides."""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable

from ganlab import backend
from ganlab.config import TrainConfig
from ganlab.data import Dataset, mnist_like, toy_2d


def tutorial_reference_step(batch_size: int = 256, noise_dim: int = 100) -> Callable[[object], object]:
    """The train step of tensorflow.org/tutorials/generative/dcgan, verbatim in substance:
    Sequential G and D, float32, BinaryCrossentropy(from_logits), Adam(1e-4), one
    @tf.function with two GradientTapes (simultaneous update)."""
    import keras
    import tensorflow as tf
    from keras import layers

    generator = keras.Sequential([
        keras.Input((noise_dim,)),
        layers.Dense(7 * 7 * 256, use_bias=False), layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Reshape((7, 7, 256)),
        layers.Conv2DTranspose(128, (5, 5), strides=(1, 1), padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Conv2DTranspose(64, (5, 5), strides=(2, 2), padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same", use_bias=False,
                               activation="tanh"),
    ])
    discriminator = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(64, (5, 5), strides=(2, 2), padding="same"), layers.LeakyReLU(),
        layers.Dropout(0.3),
        layers.Conv2D(128, (5, 5), strides=(2, 2), padding="same"), layers.LeakyReLU(),
        layers.Dropout(0.3),
        layers.Flatten(), layers.Dense(1),
    ])
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([batch_size, noise_dim])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated, training=True)
            gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
            disc_loss = (cross_entropy(tf.ones_like(real_output), real_output)
                         + cross_entropy(tf.zeros_like(fake_output), fake_output))
        g_grads = gen_tape.gradient(gen_loss, generator.trainable_variables)
        d_grads = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
        g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
        d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))
        return gen_loss, disc_loss

    return train_step


# With oneDNN on (TensorFlow's default on x86 CPUs with AVX-512 VNNI/bf16), grappler's remapper tries to
# fuse a discriminator's Conv2D + BiasAdd + LeakyReLU into one _FusedConv2D, finds that LeakyReluGrad
# in the backward pass still reads the BiasAdd output, logs "remapper failed: INVALID_ARGUMENT:
# Mutation::Apply error: fanout '.../LeakyReluGrad' exist for missing node '.../BiasAdd'" and keeps
# that graph unfused. The tutorial's step does it (its code, as anyone runs it there, so it is measured
# as it is); so do ganlab's float32 conv discriminators, also on CPUs where TF_ENABLE_ONEDNN_OPTS=1
# turns oneDNN on. The line is explained rather than hidden.
GRAPPLER_NOTE = ("  note: TensorFlow's 'remapper failed: INVALID_ARGUMENT ... LeakyReluGrad ... BiasAdd' "
                 "lines are harmless: with oneDNN on, grappler could not fuse a discriminator's "
                 "Conv2D+BiasAdd+LeakyReLU (its gradient needs the BiasAdd output) and ran that graph "
                 "unfused, as the tutorial itself runs on this CPU")


def _grappler_line_expected() -> bool:
    """True when TensorFlow with oneDNN on prints its error lines (see GRAPPLER_NOTE)."""
    import os

    try:
        from tensorflow.python.util import _pywrap_util_port

        onednn = bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):
        return False
    return onednn and os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") < "3"  # 3 hides errors


def _rate(fn: Callable[[], object], steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    return steps / (time.perf_counter() - t0)


def settle(run, seconds: float = 2.0) -> None:
    """Train until run()'s fused program is compiled and its chunk size adapted (warm-up for
    fused_rate): at least ``seconds`` and a few calls after the compile."""
    t0 = time.perf_counter()
    while True:
        for _ in run.run(3 * run.chunk + 1):
            pass
        if time.perf_counter() - t0 > seconds and (run.chunk == 1 or run.fns.train_many.compiles()):
            return  # settled: fused and compiled, or a step too slow to fuse (over CALL_S alone)


def fused_rate(run, steps: int) -> float:
    """Steps/s of session.run(): fused calls of session.chunk steps, every step recorded."""
    n = max(steps, 8 * run.chunk)
    t0 = time.perf_counter()
    for _ in run.run(n):
        pass
    return n / (time.perf_counter() - t0)


def compare_with_tutorial(dataset: Dataset, steps: int = 10, rounds: int = 3,
                          batch_size: int = 256) -> dict[str, float]:
    """Steps/s of ganlab's DCGAN step and the tutorial's step, interleaved; returns both and the ratio."""
    import tensorflow as tf

    from ganlab.train.run import TrainingRun

    ref_step = tutorial_reference_step(batch_size)
    ds = iter(tf.data.Dataset.from_tensor_slices(dataset.x).shuffle(10000).repeat()
              .batch(batch_size, drop_remainder=True))
    run = TrainingRun(TrainConfig(model="dcgan", dataset=dataset.name, batch_size=batch_size,
                                          lr_g=1e-4, lr_d=1e-4), dataset=dataset)
    ref = lambda: ref_step(next(ds))[0].numpy()
    ours = run.step
    for f in (ref, ours, ref, ours):  # compile and warm up
        f()
    settle(run)
    r_ref, r_ours, r_fused = [], [], []
    for _ in range(rounds):
        r_ref.append(_rate(ref, steps))
        r_ours.append(_rate(ours, steps))
        r_fused.append(fused_rate(run, steps))
    a, b, f = statistics.median(r_ref), statistics.median(r_ours), statistics.median(r_fused)
    return {"tutorial": a, "ganlab": b, "ratio": b / a, "fused": f, "fused_ratio": f / a, "chunk": run.chunk,
            "precision": run.config.precision}


BENCH_MODELS = (("vanilla", "ring", 256), ("wgan_gp", "ring", 256), ("dcgan", "mnist", 64),
                ("cgan", "mnist", 64), ("wgan_gp", "mnist", 64))
QUICK_MODELS = (BENCH_MODELS[0], BENCH_MODELS[2])


def model_rates(data: dict[str, Dataset], steps: int,
                models: tuple = BENCH_MODELS) -> list[tuple[str, float, float, int]]:
    """(label, steps/s one step per call, steps/s fused, fused chunk) of model/dataset/batch combinations;
    both record every step's metrics on the host."""
    from ganlab.train.run import TrainingRun

    rows = []
    for model, ds, batch in models:
        s = TrainingRun(TrainConfig(model=model, dataset=ds, batch_size=batch, steps=10_000_000),
                            dataset=data[ds])
        s.step()
        s.step()
        n = steps * (20 if ds == "ring" else 1)
        single = _rate(s.step, n)
        settle(s)
        rows.append((f"{model:8s} {ds:6s} batch {batch:3d} k={s.config.k} ({s.config.precision})",
                     single, fused_rate(s, n), s.chunk))
    return rows


def inference_latency(names: list[str], repeats: int = 50) -> list[tuple[str, float, float, str]]:
    """(name, ms for one image, ms per image in a batch of 64, what the generator takes) for shipped
    generators, each fed by its own ``example_inputs`` (noise, labels, codes or an input image)."""
    # One compiled generator per model, each run at batch 1 and 64: TensorFlow's "triggered
    # tf.function retracing" warning counts them all together (same code in Sampler) and would
    # wrongly suggest a mistake, so it is filtered out here, and only here.
    tf_logger, quiet = logging.getLogger("tensorflow"), _DropRetracingWarning()
    tf_logger.addFilter(quiet)
    try:
        return [_latency(name, repeats) for name in names]
    finally:
        tf_logger.removeFilter(quiet)


class _DropRetracingWarning(logging.Filter):
    """Drops TensorFlow's retracing warning (see inference_latency)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


def _latency(name: str, repeats: int) -> tuple[str, float, float, str]:
    """One row of inference_latency."""
    from ganlab.checkpoints import load_generator
    from ganlab.sampling import Sampler

    gan = load_generator(name).gan
    sampler = Sampler(gan)
    one, many = gan.example_inputs(1, seed=0), gan.example_inputs(64, seed=0)
    sampler(one)
    sampler(many)
    t0 = time.perf_counter()
    for _ in range(repeats):
        sampler(one)
    single = (time.perf_counter() - t0) / repeats * 1000
    batch_repeats = max(repeats // 5, 1)
    t0 = time.perf_counter()
    for _ in range(batch_repeats):
        sampler(many)
    batched = (time.perf_counter() - t0) / batch_repeats / 64 * 1000
    return name, single, batched, ", ".join(one)


def run_bench(steps: int = 10, rounds: int = 3, data_dir: str | None = None, quick: bool = False) -> None:
    """Print the benchmark table."""
    from ganlab.checkpoints import shipped_names

    if quick:
        steps, rounds = 2, 1
    print(f"device: {backend.device_description()}", flush=True)
    mnist = mnist_like("mnist", "train", data_dir, limit=2000 if quick else None)
    data = {"mnist": mnist, "ring": toy_2d("ring")}
    if backend.BACKEND == "tensorflow":
        c = compare_with_tutorial(mnist, steps=steps, rounds=rounds)
        print(f"DCGAN (tutorial architecture), MNIST, batch 256, median of {rounds} alternating "
              f"rounds of {steps} steps:", flush=True)
        print(f"  TF tutorial train step (float32, @tf.function, 2 tapes): {c['tutorial']:.2f} steps/s")
        print(f"  ganlab step ({c['precision']}, k=1 alternating):           {c['ganlab']:.2f} steps/s")
        print(f"  ganlab fused ({c['chunk']} steps per call, all recorded):        {c['fused']:.2f} steps/s")
        print(f"  ratio ganlab / tutorial: {c['ratio']:.2f}x one step per call, "
              f"{c['fused_ratio']:.2f}x fused", flush=True)
        if _grappler_line_expected():
            print(GRAPPLER_NOTE, flush=True)
    else:
        print("(the tutorial reference step is TensorFlow code: ratio skipped on this backend)")
    print("training speed (steps/s, one step = k D updates + 1 G update; every step's metrics read):")
    print(f"  {'':45s} {'1 per call':>10s} {'fused':>9s} {'N':>4s} {'gain':>5s}")
    models = QUICK_MODELS if quick else BENCH_MODELS  # --quick is a smoke test: one MLP, one conv model
    for label, single, fused, chunk in model_rates(data, steps, models):
        print(f"  {label:45s} {single:10.1f} {fused:9.1f} {chunk:4d} {fused / single:4.1f}x", flush=True)
    names = [n for n in shipped_names() if not n.startswith("classifier")]
    if names:
        print("inference (compiled generator call, no model.predict):")
        for name, single, batched, inputs in inference_latency(names, repeats=10 if quick else 50):
            print(f"  {name:16s} {single:6.2f} ms for 1 image, {batched:6.3f} ms/image in a batch of 64"
                  f"  (input: {inputs})", flush=True)
