"""Text to image at classroom scale: a sentence ("a thick seven slanted right") in, a digit out.

The AttnGAN idea (Xu et al. 2018) sized for MNIST on a laptop CPU, with GAN-INT-CLS's
matching-aware discriminator (Reed et al. 2016). Captions are made from what each training image
really shows (``ganlab.data.captions``: its label plus measured thickness, slant and width).

G: tokens → embedding → a one-block transformer → word vectors e (T, D) and a sentence vector s (their
masked mean); [z, s] → Dense 7·7·128w → ConvT 64w (14×14) → **word attention**: each of the 196
positions h_i attends to the words, β_ij = softmax_j(h_i·W e_j) over the real (non-padding) words,
context c_i = Σ_j β_ij e_j is concatenated to h_i → Conv 3×3 64w → ConvT 1 (28×28, tanh); w = ``width``,
0.5 by default. The attention weights β (196, T) are the "which word drew where" maps;
``attention_model`` returns them.

D has its own text encoder (same shape, its own weights). Image: Conv 64w → Conv 128w (7×7); the
sentence vector, reduced to 32 and tiled over 7×7, is concatenated (GAN-INT-CLS) → Conv 1×1 128w →
Dense 1: does this image match this sentence? Matching-aware loss: real + right sentence → real;
G(z, sentence) → fake; real + wrong sentence (one named attribute changed) → fake, i.e.
L_D = L(real) + ½ L(fake) + ½ L(wrong). A documented help beside it: auxiliary heads on D's image
features (digit, thickness, slant, width classes; AC-GAN style) are trained on real images, and G
is asked (``aux_weight``) to make them read the attributes its sentence names. With those heads alone
G can collapse (one image per sentence whatever z), so G also carries MSGAN's mode-seeking term
(``mode_seeking``): each batch's second half repeats the first half's sentences with other noise,
and G is penalised when the two images of a pair are alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import keras
import numpy as np
from keras import layers, ops

from ganlab.data import captions
from ganlab.models.base import GAN, ModelSpec, checked_codes
from ganlab.models.layers import model

if TYPE_CHECKING:
    from ganlab.data import Dataset

HEADS = (10, 3, 3, 3)  # classes of the auxiliary heads: digit, thickness, slant, width


@keras.saving.register_keras_serializable(package="ganlab")
class MaskedMean(layers.Layer):
    """Mean of word vectors (B, T, D) over the real words (token id > 0): the sentence vector."""

    def call(self, inputs: list) -> Any:
        """[words (B, T, D), tokens (B, T)] → (B, D)."""
        words, tokens = inputs
        mask = ops.cast(ops.greater(tokens, 0), words.dtype)[..., None]
        return ops.sum(words * mask, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1.0)

    def compute_output_shape(self, input_shape: list) -> tuple:
        """(B, D)."""
        return (input_shape[0][0], input_shape[0][2])


@keras.saving.register_keras_serializable(package="ganlab")
class TinyTransformer(layers.Layer):
    """A one-block transformer encoder over word embeddings: learned positions, one self-attention
    (padding masked) and a feed-forward layer, each with a residual and layer norm.

    [embedded words (B, T, D), tokens (B, T)] → word vectors (B, T, D) that know their neighbours
    ("thick" next to "seven"). No recurrence: it compiles and runs in a fraction of a GRU's time.
    """

    def build(self, input_shape: list) -> None:
        """Positions, attention and feed-forward weights."""
        t, d = int(input_shape[0][1]), int(input_shape[0][2])
        glorot = "glorot_uniform"
        self.position = self.add_weight(shape=(t, d), name="position",
                                        initializer=keras.initializers.RandomNormal(0.0, 0.1))
        self.wq, self.wk, self.wv, self.wo = (self.add_weight(shape=(d, d), name=n, initializer=glorot)
                                              for n in ("wq", "wk", "wv", "wo"))
        self.w1 = self.add_weight(shape=(d, 2 * d), name="w1", initializer=glorot)
        self.b1 = self.add_weight(shape=(2 * d,), name="b1", initializer="zeros")
        self.w2 = self.add_weight(shape=(2 * d, d), name="w2", initializer=glorot)
        self.b2 = self.add_weight(shape=(d,), name="b2", initializer="zeros")
        self.norm = [(self.add_weight(shape=(d,), name=f"gamma{i}", initializer="ones"),
                      self.add_weight(shape=(d,), name=f"beta{i}", initializer="zeros")) for i in (1, 2)]

    @staticmethod
    def _layer_norm(x, gamma, beta):
        mean = ops.mean(x, axis=-1, keepdims=True)
        var = ops.mean(ops.square(x - mean), axis=-1, keepdims=True)
        return (x - mean) / ops.sqrt(var + 1e-5) * gamma + beta

    def call(self, inputs: list) -> Any:
        """Word vectors in context."""
        x, tokens = inputs
        x = ops.cast(x, "float32") + ops.cast(self.position, "float32")
        w = [ops.cast(v, "float32") for v in (self.wq, self.wk, self.wv, self.wo, self.w1, self.b1, self.w2, self.b2)]
        q, k, v = ops.matmul(x, w[0]), ops.matmul(x, w[1]), ops.matmul(x, w[2])
        scores = ops.matmul(q, ops.transpose(k, (0, 2, 1))) / float(np.sqrt(x.shape[-1]))
        scores = ops.where(ops.greater(tokens, 0)[:, None, :], scores, -1e9)
        # float32 throughout, norms included: under mixed_bfloat16 Keras hands variables read in call()
        # over as bfloat16, and float32 + bfloat16 is an error on TensorFlow (a loaded model on a bf16 CPU)
        norm = [[ops.cast(v, "float32") for v in pair] for pair in self.norm]
        x = self._layer_norm(x + ops.matmul(ops.matmul(ops.softmax(scores, axis=-1), v), w[3]), *norm[0])
        ff = ops.matmul(ops.relu(ops.matmul(x, w[4]) + w[5]), w[6]) + w[7]
        return ops.cast(self._layer_norm(x + ff, *norm[1]), self.compute_dtype)

    def compute_output_shape(self, input_shape: list) -> tuple:
        """(B, T, D)."""
        return tuple(input_shape[0])


@keras.saving.register_keras_serializable(package="ganlab")
class WordAttention(layers.Layer):
    """AttnGAN's word attention: every image position queries the words.

    [image (B, H, W, C), words (B, T, D), tokens (B, T)] → [context (B, H, W, D), weights (B, H·W, T)];
    weights are a softmax over the real words of W_q h_i · W_k e_j / √dim (padding gets none).
    """

    def __init__(self, dim: int = 64, **kwargs: Any):
        super().__init__(**kwargs)
        self.dim = int(dim)

    def build(self, input_shape: list) -> None:
        """Query and key projections."""
        channels, word_dim = int(input_shape[0][-1]), int(input_shape[1][-1])
        self.wq = self.add_weight(shape=(channels, self.dim), name="wq", initializer="glorot_uniform")
        self.wk = self.add_weight(shape=(word_dim, self.dim), name="wk", initializer="glorot_uniform")

    def call(self, inputs: list) -> list:
        """Context vectors and attention weights."""
        image, words, tokens = inputs
        shape = ops.shape(image)
        h, w = image.shape[1], image.shape[2]
        flat = ops.reshape(ops.cast(image, "float32"), (shape[0], h * w, image.shape[3]))
        words32 = ops.cast(words, "float32")
        q = ops.matmul(flat, ops.cast(self.wq, "float32"))
        k = ops.matmul(words32, ops.cast(self.wk, "float32"))
        scores = ops.matmul(q, ops.transpose(k, (0, 2, 1))) / float(np.sqrt(self.dim))  # (B, HW, T)
        real = ops.greater(tokens, 0)[:, None, :]
        scores = ops.where(real, scores, -1e9)
        weights = ops.softmax(scores, axis=-1)
        context = ops.reshape(ops.matmul(weights, words32), (shape[0], h, w, words.shape[-1]))
        return [ops.cast(context, self.compute_dtype), weights]

    def compute_output_shape(self, input_shape: list) -> list:
        """[(B, H, W, D), (B, H·W, T)]."""
        image, words = input_shape[0], input_shape[1]
        return [(image[0], image[1], image[2], words[2]), (image[0], image[1] * image[2], words[1])]

    def get_config(self) -> dict[str, Any]:
        """Serialisable config."""
        return {**super().get_config(), "dim": self.dim}


class TextToImage(GAN):
    """text2img: AttnGAN-style word attention in G, a matching-aware D; MNIST digits from sentences."""

    name = "text2img"
    summary = "text to image: type 'a thick seven slanted right' (word attention, matching-aware D)"
    losses = ("non_saturating", "least_squares", "hinge")  # minimax: G gradients vanish under the extra terms
    conditional = True  # class labels feed it as one-word sentences ("seven"); captions come from prepare_data
    default_latent_dim = 64
    default_options = {"width": 0.5, "text_dim": 64, "attention_dim": 64,
                       "aux_weight": 0.3, "mode_seeking": 1.0, "caption_seed": 0}
    generates_from = "text"  # a typed sentence (text_latent); in the Playground, noise and a class
    quality_key = "text2img"  # ganlab.evaluate.text2img: digit accuracy per digit word, ordering, diversity

    @classmethod
    def quality_line(cls, quality: dict[str, Any] | None) -> str | None:
        """How often its pictures show the digit typed, by an independent classifier."""
        acc = cls.own_quality(quality).get("digit_accuracy")
        return None if acc is None else (f"{100 * acc:.1f}% of its pictures read as the digit typed, "
                                         "by an independent classifier")

    def __init__(self, spec: ModelSpec, loss: str | None = None, seed: int = 0):
        if spec.num_classes != 10 or tuple(spec.data_shape) != (28, 28, 1):
            raise ValueError("Model 'text2img' draws MNIST digits from sentences: it needs 28×28 grey images "
                             "with the 10 digit classes (--dataset mnist).")
        self._digit_table = captions.digit_tokens(np.arange(10))
        super().__init__(spec, loss, seed)

    # -- data ----------------------------------------------------------------------------
    @classmethod
    def prepare_data(cls, dataset: Dataset, options: dict[str, Any]) -> Dataset:
        """Measure every image (thickness, slant, width), cut the measures into words, and give each
        image a true sentence and a wrong one (seeded): extra arrays tokens, wrong_tokens, named
        (the attributes the sentence names, −1 where none) and attrs (all four classes)."""
        from dataclasses import replace

        from ganlab.data import MNIST_CLASSES

        if dataset.y is None or tuple(dataset.class_names) != MNIST_CLASSES or dataset.shape != (28, 28, 1):
            raise ValueError("Model 'text2img' needs MNIST (28×28 digits labelled 0-9): use --dataset mnist.")
        merged = {**cls.default_options, **options}
        measures = captions.measure(dataset.x)
        edges = captions.thresholds(measures, dataset.y)
        attrs = captions.attribute_classes(measures, dataset.y, edges)
        tokens, wrong, named, texts = captions.training_captions(attrs, seed=int(merged["caption_seed"]))
        extras = {"tokens": tokens, "wrong_tokens": wrong, "named": named, "attrs": attrs}
        meta = {**dataset.meta, "caption_edges": edges.as_dict(), "captions": texts[:100]}
        return replace(dataset, extras={**dataset.extras, **extras}, meta=meta)

    @classmethod
    def data_options(cls, dataset: Dataset, options: dict[str, Any]) -> dict[str, Any]:
        """Every option, defaults included, plus where the words change (recorded in the card)."""
        out = {**cls.default_options, **options}
        if "caption_edges" in dataset.meta:
            out["caption_edges"] = dataset.meta["caption_edges"]
        return out

    # -- architecture --------------------------------------------------------------------
    def _text_encoder(self, tokens, prefix: str) -> tuple:
        """Word vectors (B, T, text_dim) and the sentence vector (B, text_dim)."""
        dt, o = self.hidden_dtype(), self.options
        e = layers.Embedding(len(captions.VOCAB), int(o["text_dim"]), dtype=dt, name=f"{prefix}_embedding")(tokens)
        words = TinyTransformer(dtype=dt, name=f"{prefix}_transformer")([e, tokens])
        return words, MaskedMean(dtype=dt, name=f"{prefix}_sentence")([words, tokens])

    def build_generator(self) -> keras.Model:
        dt, s, o = self.hidden_dtype(), self.spec, self.options
        base = int(128 * float(o["width"]))
        z = keras.Input((s.latent_dim,), name="z")
        tokens = keras.Input((captions.MAX_WORDS,), dtype="int32", name="tokens")
        words, sentence = self._text_encoder(tokens, "g_text")
        h = layers.Concatenate(dtype=dt)([z, sentence])
        h = layers.Dense(7 * 7 * base, use_bias=False, dtype=dt)(h)
        h = layers.BatchNormalization(dtype=dt)(h)
        h = layers.LeakyReLU(0.2, dtype=dt)(h)
        h = layers.Reshape((7, 7, base), dtype=dt)(h)
        h = layers.Conv2DTranspose(base // 2, 5, strides=2, padding="same", use_bias=False, dtype=dt)(h)
        h = layers.BatchNormalization(dtype=dt)(h)
        h = layers.LeakyReLU(0.2, dtype=dt)(h)
        context, weights = WordAttention(int(o["attention_dim"]), dtype=dt, name="word_attention")(
            [h, words, tokens])
        h = layers.Concatenate(dtype=dt)([h, context])
        h = layers.Conv2D(base // 2, 3, padding="same", use_bias=False, dtype=dt)(h)
        h = layers.BatchNormalization(dtype=dt)(h)
        h = layers.LeakyReLU(0.2, dtype=dt)(h)
        out = layers.Conv2DTranspose(1, 5, strides=2, padding="same", activation="tanh", dtype="float32")(h)
        weights = layers.Activation("linear", dtype="float32", name="attention")(weights)
        self.attention_model = keras.Model([z, tokens], [out, weights], name="generator_with_attention")
        return model([z, tokens], out, "generator")

    def build_discriminator(self) -> keras.Model:
        """Two parts, so that a real batch's image features serve both its right and wrong sentence:
        ``d_image`` (image → 7×7 features and the auxiliary logits) and ``d_match`` (features +
        sentence → match logit), composed into one model."""
        dt, s, o = self.hidden_dtype(), self.spec, self.options
        w = float(o["width"])
        x = keras.Input(s.data_shape, name="x")
        h = layers.Conv2D(int(64 * w), 5, strides=2, padding="same", dtype=dt)(x)
        h = layers.LeakyReLU(0.2, dtype=dt)(h)
        h = layers.Conv2D(int(128 * w), 5, strides=2, padding="same", dtype=dt)(h)
        h = layers.LeakyReLU(0.2, dtype=dt)(h)  # (7, 7, 128w)
        aux = layers.Dense(sum(HEADS), dtype="float32", name="aux")(layers.Flatten(dtype=dt)(h))
        self.d_image = model(x, [h, aux], "d_image")
        features = keras.Input(tuple(h.shape[1:]), name="features")
        tokens = keras.Input((captions.MAX_WORDS,), dtype="int32", name="tokens")
        _, sentence = self._text_encoder(tokens, "d_text")
        t = layers.Dense(32, dtype=dt)(sentence)
        t = layers.LeakyReLU(0.2, dtype=dt)(t)
        t = layers.Reshape((7, 7, 32), dtype=dt)(layers.RepeatVector(49, dtype=dt)(t))
        j = layers.Concatenate(dtype=dt)([features, t])
        j = layers.Conv2D(int(128 * w), 1, dtype=dt)(j)
        j = layers.LeakyReLU(0.2, dtype=dt)(j)
        logit = layers.Dense(1, dtype="float32", name="logit")(layers.Flatten(dtype=dt)(j))
        self.d_match = model([features, tokens], logit, "d_match")
        x_in = keras.Input(s.data_shape, name="x")
        t_in = keras.Input((captions.MAX_WORDS,), dtype="int32", name="tokens")
        h_in, aux_out = self.d_image(x_in)
        return model([x_in, t_in], [self.d_match([h_in, t_in]), aux_out], "discriminator")

    # -- sampling ------------------------------------------------------------------------
    def label_tokens(self, label) -> Any:
        """The one-word sentence naming each class ("seven" for 7) as tokens (B, T)."""
        return ops.take(ops.convert_to_tensor(self._digit_table), ops.cast(label, "int32"), axis=0)

    def sample_latent(self, batch_size: int, batch: dict | None = None) -> dict:
        """Noise plus the batch's sentences (and what they name), the first half's sentences repeated
        in the second half (pairs for the mode-seeking term); without a batch, one-word sentences of
        random digits."""
        latent = super().sample_latent(batch_size, batch)
        if batch is not None and "tokens" in batch:
            half = batch_size - batch_size // 2

            def paired(v):
                v = ops.cast(v, "int32")
                return ops.concatenate([v[:half], v[: batch_size - half]], axis=0)

            latent["tokens"], latent["named"] = paired(batch["tokens"]), paired(batch["named"])
            return latent
        label = keras.random.randint((batch_size,), 0, 10, seed=self.seed_generator)
        latent["tokens"] = self.label_tokens(label)
        latent["named"] = ops.stack([label, *[ops.full_like(label, -1)] * 3], axis=1)
        return latent

    def latent_for(self, z: np.ndarray, labels: np.ndarray | None = None, seed: int = 0) -> dict[str, np.ndarray]:
        """Noise and the one-word sentences of ``labels`` (digits; random from ``seed`` when None)."""
        labels = checked_codes(labels, 10, len(z), seed, "labels")
        return {"z": z, "tokens": captions.digit_tokens(labels)}

    def text_latent(self, z: np.ndarray, text: str) -> dict[str, np.ndarray]:
        """Generator inputs for noise (N, D) and one sentence (CaptionError if it cannot be read)."""
        parsed = captions.parse(text)
        return {"z": np.asarray(z, np.float32), "tokens": np.tile(parsed.tokens, (len(z), 1))}

    def generator_inputs(self, latent: dict) -> list:
        """[z, tokens]; a latent with class labels instead of tokens gets their one-word sentences."""
        tokens = latent["tokens"] if "tokens" in latent else self.label_tokens(latent["label"])
        return [ops.convert_to_tensor(latent["z"], "float32"), ops.cast(tokens, "int32")]

    def attention(self, latent: dict) -> tuple:
        """(images, attention weights (B, 14·14, T)) for a latent dict."""
        images, weights = self.attention_model(self.generator_inputs(latent), training=False)
        return ops.cast(images, "float32"), ops.cast(weights, "float32")

    # -- objectives ----------------------------------------------------------------------
    def _tokens(self, condition: dict) -> Any:
        return ops.cast(condition["tokens"], "int32") if "tokens" in condition else self.label_tokens(
            condition["label"] if "label" in condition else condition["y"])

    def discriminate(self, x, condition: dict, training: bool = True):
        """The match logit of images and the sentences in ``condition``."""
        return self.discriminator([x, self._tokens(condition)], training=training)[0]

    @staticmethod
    def _aux_loss(aux, targets) -> tuple:
        """Cross-entropy of the four heads against targets (B, 4) (−1: not asked, left out), and
        the digit head's accuracy where a digit is asked."""
        total, start, digit_acc = 0.0, 0, 0.0
        targets = ops.cast(targets, "int32")
        for j, k in enumerate(HEADS):
            logits, t = aux[:, start : start + k], targets[:, j]
            start += k
            mask = ops.cast(ops.greater_equal(t, 0), "float32")
            ce = ops.sparse_categorical_crossentropy(ops.maximum(t, 0), logits, from_logits=True)
            total = total + ops.sum(ce * mask) / ops.maximum(ops.sum(mask), 1.0)
            if j == 0:
                hits = ops.cast(ops.equal(ops.cast(ops.argmax(logits, axis=-1), "int32"), t), "float32")
                digit_acc = ops.sum(hits * mask) / ops.maximum(ops.sum(mask), 1.0)
        return total, digit_acc

    def discriminator_objective(self, batch: dict, fake, latent: dict):
        """Matching-aware: L(real, right) + ½ L(fake, right) + ½ L(real, wrong); plus the auxiliary
        heads' cross-entropy on real images (all four attributes)."""
        real_h, real_aux = self.d_image(batch["x"], training=True)
        real_out = self.d_match([real_h, self._tokens(batch)], training=True)
        wrong_out = self.d_match([real_h, ops.cast(batch["wrong_tokens"], "int32")], training=True)
        fake_out, _ = self.discriminator([fake, self._tokens(latent)], training=True)
        adversarial = 0.5 * (self.loss.discriminator(real_out, fake_out) + self.loss.discriminator(real_out, wrong_out))
        aux, acc = self._aux_loss(real_aux, batch["attrs"])
        return adversarial + aux, {"d_real": self.loss.scores(real_out), "d_fake": self.loss.scores(fake_out),
                                   "d_wrong": self.loss.scores(wrong_out), "aux_real": aux, "aux_real_acc": acc}

    @staticmethod
    def _mode_seeking(fake, z) -> Any:
        """MSGAN's term (Mao et al. 2019) on pairs with one sentence and two noises (the batch's
        halves): 1 / (mean |G(s, z1) − G(s, z2)| / mean |z1 − z2|); small when G varies with z."""
        n = ops.shape(fake)[0] // 2
        if isinstance(n, int) and n == 0:
            return ops.zeros(())
        a, b = ops.cast(fake[:n], "float32"), ops.cast(fake[-n:], "float32")
        za, zb = ops.cast(z[:n], "float32"), ops.cast(z[-n:], "float32")
        ratio = ops.mean(ops.abs(a - b), axis=(1, 2, 3)) / ops.mean(ops.abs(za - zb), axis=1)
        return 1.0 / (ops.mean(ratio) + 1e-5)

    def generator_objective(self, batch: dict, fake, latent: dict):
        """Fool D with the right sentence; (``aux_weight``) make D's heads read what it names;
        (``mode_seeking``) keep G varied across noise for one sentence."""
        fake_out, fake_aux = self.discriminator([fake, self._tokens(latent)], training=True)
        aux, acc = self._aux_loss(fake_aux, latent["named"])
        ms = self._mode_seeking(fake, latent["z"])
        loss = self.loss.generator(fake_out) + float(self.options["aux_weight"]) * aux + \
            float(self.options["mode_seeking"]) * ms
        return loss, {"aux_fake": aux, "aux_fake_acc": acc, "mode_seeking": ms}

    @property
    def metric_names(self) -> tuple[str, ...]:
        return ("d_real", "d_fake", "d_wrong", "aux_real", "aux_real_acc", "aux_fake", "aux_fake_acc", "mode_seeking")
