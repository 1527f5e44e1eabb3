"""Generator/discriminator pairs, looked up by name in `NETWORKS`.

A builder takes `(latent_dim, from_logits)` (and `num_classes` when it is
conditional) and returns `(generator, discriminator)`:

- the generator maps z [batch, latent_dim] (conditional: `[z, labels]`) to
  images [batch, 28, 28, 1] in [-1, 1] (tanh);
- the discriminator maps images (conditional: `[images, labels]`) to one
  value per image [batch, 1]: a logit when `from_logits`, else a probability.
  With latent codes (InfoGAN, `LATENT_CODES`) it also returns the code's
  logits [batch, codes]: `[outputs, code_logits]`.

Add an architecture by decorating its builder with `@register("name", ...)`;
the engine, the CLI and the tests pick it up from the registry. Conditional
pairs reuse the unconditional bodies: only how the label gets in differs.
"""

import functools

import keras
from keras import layers

from keras_gan.layers import FusedBatchNormalization, LatentCode

IMAGE_SHAPE = (28, 28, 1)
NUM_CLASSES = 10

NETWORKS = {}
# Epochs that train each architecture to clean digits (README "Results");
# the default of --epochs.
DEFAULT_EPOCHS = {}
# D's learning rate where it differs from G's (the default of --d-lr).
DEFAULT_D_LR = {}
# Values of the categorical code that G reads off z and D's code head
# recovers (InfoGAN); architectures without one are absent.
LATENT_CODES = {}
CONDITIONAL = set()


def register(name, epochs, conditional=False, d_lr=None, codes=0):
    """Adds a builder to `NETWORKS` under `name`, with its default epochs and, if set, D's lr and code size."""

    def decorator(builder):
        NETWORKS[name] = builder
        DEFAULT_EPOCHS[name] = epochs
        if d_lr is not None:
            DEFAULT_D_LR[name] = d_lr
        if codes:
            LATENT_CODES[name] = codes
        if conditional:
            CONDITIONAL.add(name)
        return builder

    return decorator


def build_networks(arch, latent_dim=100, from_logits=True):
    """Builds the (generator, discriminator) pair registered as `arch`."""
    if arch not in NETWORKS:
        raise ValueError(f"Unknown arch. Expected one of {sorted(NETWORKS)}. Received: arch={arch!r}")
    if arch in CONDITIONAL:
        return NETWORKS[arch](latent_dim=latent_dim, from_logits=from_logits, num_classes=NUM_CLASSES)
    return NETWORKS[arch](latent_dim=latent_dim, from_logits=from_logits)


# --- Shared heads and inputs -------------------------------------------------


# Under mixed precision the layers that make an output compute in float32:
# G's last layer (the image) and D's heads (logits feed the losses).
OUTPUT_DTYPE = "float32"


def _logit(features, from_logits):
    # One Dense unit: a logit, or a probability when the loss expects one.
    activation = None if from_logits else "sigmoid"
    return layers.Dense(1, activation=activation, name="d_out", dtype=OUTPUT_DTYPE)(features)


def _projection_logit(features, labels, num_classes, from_logits):
    """D's output with the label projected in (Miyato & Koyama 2018).

    logit = w . phi(x) + embed(y) . phi(x). The label scores how well the
    image's features match *that* class, which conditions D far more
    strongly than concatenating the label to its input.

    (An auxiliary classifier head, AC-GAN, was tried on top: cgan's label
    agreement rose from 98.4% to 98.7%, but recall fell from 0.35 to 0.06
    and FCD rose from 13.5 to 22.5. Not kept.)
    """
    unconditional = layers.Dense(1, name="d_logit", dtype=OUTPUT_DTYPE)(features)
    embedded = layers.Embedding(num_classes, features.shape[-1], name="d_label_embedding", dtype=OUTPUT_DTYPE)(labels)
    projection = layers.Dot(axes=1, name="d_projection", dtype=OUTPUT_DTYPE)([embedded, features])
    logit = layers.Add(dtype=OUTPUT_DTYPE)([unconditional, projection])
    return logit if from_logits else layers.Activation("sigmoid", name="d_out", dtype=OUTPUT_DTYPE)(logit)


def _conditioned_z(latent_dim, num_classes):
    """Inputs [z, labels] and z concatenated with a learned label embedding."""
    z = keras.Input((latent_dim,), name="z")
    labels = keras.Input((), dtype="int32", name="label")
    embedded = layers.Embedding(num_classes, 50, name="g_label_embedding")(labels)
    return [z, labels], layers.Concatenate()([z, embedded])


def _build_pair(generator_body, discriminator_body, latent_dim, from_logits, num_classes=None, codes=0):
    """Wraps two bodies into (generator, discriminator) models.

    Unconditional: G(z) and D(images) with a plain logit. With `codes`, G
    reads a categorical code off z (`LatentCode`) and D gets a second head,
    one Dense layer that predicts that code from its features (InfoGAN).
    Conditional (with `num_classes`): G([z, labels]) and D([images, labels])
    with a projection head. The bodies are the same either way.
    """
    images = keras.Input(IMAGE_SHAPE, name="images")
    if num_classes is None:
        z = keras.Input((latent_dim,), name="z")
        generator = keras.Model(z, generator_body(LatentCode(codes)(z) if codes else z), name="generator")
        features = discriminator_body(images)
        outputs = _logit(features, from_logits)
        if codes:
            outputs = [outputs, layers.Dense(codes, name="d_code", dtype=OUTPUT_DTYPE)(features)]
        return generator, keras.Model(images, outputs, name="discriminator")
    g_inputs, g_input = _conditioned_z(latent_dim, num_classes)
    generator = keras.Model(g_inputs, generator_body(g_input), name="generator")
    labels = keras.Input((), dtype="int32", name="label")
    output = _projection_logit(discriminator_body(images), labels, num_classes, from_logits)
    return generator, keras.Model([images, labels], output, name="discriminator")


# --- Fully connected: gan, cgan -------------------------------------------


def _mlp_generator_body(x):
    for units in (128, 256, 512):
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.Dense(784, activation="tanh", dtype=OUTPUT_DTYPE)(x)
    return layers.Reshape(IMAGE_SHAPE, dtype=OUTPUT_DTYPE)(x)


def _mlp_discriminator_body(images, dropout=0.0):
    x = layers.Flatten()(images)
    for units in (512, 256):
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    return x


@register("gan", epochs=30)  # ~5 minutes on 2 CPU cores
def build_gan(latent_dim=100, from_logits=True):
    """The seed's fully connected GAN.

    G: z -> 128 -> 256 -> 512 -> 784 (tanh) -> 28x28x1.
    D: 784 -> 512 -> 256 -> 1. LeakyReLU(0.2) between hidden layers, and
    dropout 0.4 after them in D.
    """
    # Dropout in D keeps G from settling on the easy digits. With the
    # averaged G: none gave FCD 50.7 and a largest class of 17.2%; 0.3 gave
    # 37.0 and 15.1%; 0.4 gave 39.7 and 14.9%; 0.5 gave 42.8 and 16.0%
    # (README "Results"). Not in `cgan`: there it cost label agreement.
    body = functools.partial(_mlp_discriminator_body, dropout=0.4)
    return _build_pair(_mlp_generator_body, body, latent_dim, from_logits)


@register("cgan", epochs=40, conditional=True)  # ~7 minutes; at 30 its eights were 97.0%, at 40 98.6%
def build_cgan(latent_dim=100, from_logits=True, num_classes=NUM_CLASSES):
    """`gan` conditioned on the digit: G sees [z, embed(label)], D (without dropout) a projection head."""
    return _build_pair(_mlp_generator_body, _mlp_discriminator_body, latent_dim, from_logits, num_classes)


# --- Convolutional: dcgan, cdcgan ------------------------------------------

# Sizes chosen by measuring quality per second of training on a 2-core CPU
# (README "Results"). Layers at 28x28 are the expensive ones there, so G
# spends its capacity at 7x7 (an extra stride-1 layer) and D gets a third
# layer at 4x4; both were clear wins per minute over the bare two-layer nets.


def _batch_norm():
    # Synchronized: under tf.distribute the statistics cover the global batch,
    # so N replicas train the model that one device would (tested to 1e-6;
    # per-replica statistics drift by 3e-2 after one step). TensorFlow only.
    # On one replica it trains with TensorFlow's fused kernel (README "Performance").
    return FusedBatchNormalization(synchronized=keras.backend.backend() == "tensorflow")


def _dcgan_generator_body(x, g=128):
    """z (or [z, label embedding]) -> 28x28x1; `g` is the channel width at 7x7."""
    x = layers.Dense(7 * 7 * g, use_bias=False)(x)  # the single projection of z
    x = _batch_norm()(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((7, 7, g))(x)
    x = _up_block(x, g, kernel_size=3, strides=1)  # 7x7: cheap capacity
    x = _up_block(x, g // 2, kernel_size=4, strides=2)  # 14x14
    # 4x4 kernels with stride 2 divide evenly: no checkerboard artefacts.
    return layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh", dtype=OUTPUT_DTYPE)(x)  # 28x28


def _dcgan_discriminator_body(images, d=128):
    """Images -> flattened 4x4x`d` features."""
    x = _down_block(images, d // 4, batch_norm=False)  # 14x14, no batch norm on the input layer
    x = _down_block(x, d // 2)  # 7x7
    x = _down_block(x, d)  # 4x4
    return layers.Flatten()(x)


def _up_block(x, channels, kernel_size, strides):
    # No bias: batch norm's offset replaces it.
    x = layers.Conv2DTranspose(channels, kernel_size, strides=strides, padding="same", use_bias=False)(x)
    x = _batch_norm()(x)
    return layers.ReLU()(x)


def _down_block(x, channels, batch_norm=True):
    x = layers.Conv2D(channels, kernel_size=4, strides=2, padding="same", use_bias=not batch_norm)(x)
    if batch_norm:
        x = _batch_norm()(x)
    return layers.LeakyReLU(negative_slope=0.2)(x)


# D at twice G's learning rate (Heusel et al. 2017): FCD 10.6 instead of
# 12.2 after 16 epochs, precision 0.674 instead of 0.658 (README "Results").
# A 10-valued latent code (InfoGAN, Chen et al. 2016): after 16 epochs FCD
# 8.4 instead of 10.6 (seed 0) and 8.0 instead of 12.0 (seed 1), precision
# +0.01 and +0.04, recall -0.03, at no measurable cost in speed (README "Results").
DCGAN_CODES = 10


# Channel widths: G's at 7x7 (halved at 14x14), D's at 4x4 (halved twice
# before). 96 and 64 train at 3.8x the TF tutorial's images/s, 128 and 128
# at 2.2x (README "Performance"); per epoch they learn a little slower, so
# dcgan trains 60 epochs, in fewer minutes than 40 at 128/128 took
# (README "Results"). cdcgan keeps 128/128, with which it was measured.
DCGAN_WIDTHS = (96, 64)


# 60 epochs (~38 minutes on 2 CPU cores): FCD (N=10k) 4.1 with seeds 0 and 1,
# precision 0.775 and 0.788 (README "Results").
@register("dcgan", epochs=60, d_lr=4e-4, codes=DCGAN_CODES)
def build_dcgan(latent_dim=100, from_logits=True):
    """A DCGAN (Radford et al. 2015) sized for MNIST on a CPU, with an InfoGAN code.

    G: z -> Dense projection to 7x7x96 -> ConvT(96, s1) 7x7 -> ConvT(48, s2)
    14x14 -> ConvT(1, s2) 28x28 tanh; batch norm + ReLU after every layer but
    the last. The projection sees z with its first 10 entries replaced by
    the one-hot code they pick (`LatentCode`).
    D: Conv(16, s2) 14x14 -> Conv(32, s2) 7x7 -> Conv(64, s2) 4x4 -> one
    logit, and a 10-way code head beside it; LeakyReLU(0.2), batch norm on
    every layer but the input one.
    No pooling, and no Dense layers but the projection of z and the heads.
    """
    g, d = DCGAN_WIDTHS
    return _build_pair(
        functools.partial(_dcgan_generator_body, g=g),
        functools.partial(_dcgan_discriminator_body, d=d),
        latent_dim,
        from_logits,
        codes=DCGAN_CODES,
    )


@register("cdcgan", epochs=16, conditional=True)  # ~26 minutes; FCD (N=10k) 3.5 -> 3.2 -> 2.7 at 8, 12, 16
def build_cdcgan(latent_dim=100, from_logits=True, num_classes=NUM_CLASSES):
    """`dcgan` conditioned on the digit: G sees [z, embed(label)], D a projection head."""
    return _build_pair(_dcgan_generator_body, _dcgan_discriminator_body, latent_dim, from_logits, num_classes)
