"""The architecture registry: one `ArchSpec` per network pair, looked up by name.

A spec's builder takes `(latent_dim, from_logits)` and, when the spec is
conditional, `num_classes`; it returns `(generator, discriminator)`:

- the generator maps z [batch, latent_dim] (conditional: `[z, labels]`) to
  images [batch, 28, 28, 1] in [-1, 1] (tanh);
- the discriminator maps images (conditional: `[images, labels]`) to one
  value per image [batch, 1]: a logit when `from_logits`, else a
  probability. With a latent code (InfoGAN, `codes`) it also returns the
  code's logits [batch, codes]: `[outputs, code_logits]`.

Add an architecture by decorating its builder with `@register(...)`; the
engine, the command line, the docs and the tests read everything about it
from its spec. Conditional pairs reuse the unconditional bodies: only how
the label gets in differs. Why each size is what it is: docs/results.md.
"""

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping

import keras
from keras import layers

from keras_gan.core.layers import FusedBatchNormalization, LatentCode, MinibatchStddev
from keras_gan.errors import UserError, invalid

IMAGE_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


@dataclasses.dataclass(frozen=True)
class ArchSpec:
    """Everything the package knows about one architecture.

    Args:
        name: The `--arch` value.
        build: `(latent_dim, from_logits, d_batch_norm[, num_classes]) -> (generator, discriminator)`.
        summary: One line for `--help` and the docs.
        conditional: G takes `[z, labels]` and D `[images, labels]`.
        codes: Values of the InfoGAN code that G reads off z and D's code
            head recovers; 0 for none.
        defaults: `TrainConfig` fields whose default differs for this
            architecture (for example its epochs), by field name.
        measured_epochs: For a default time budget, the epochs it plans on the
            2-core machine where the documented scores were measured; a
            slower machine's plan of fewer epochs says so (`budget.Plan`).
    """

    name: str
    build: Callable
    summary: str
    conditional: bool = False
    codes: int = 0
    defaults: Mapping = dataclasses.field(default_factory=dict)
    measured_epochs: int | None = None

    def documented_epochs(self, minutes):
        """`measured_epochs` when `minutes` is this architecture's own budget, else None.

        Only the recipe's budget was measured; a budget the user chose plans what it plans.
        """
        return self.measured_epochs if minutes == self.defaults.get("minutes") else None

    @property
    def takes_d_width(self):
        """Whether the builder takes `d_width`, D's width at its last layer."""
        return "d_width" in inspect.signature(self.build).parameters

    def check_d_width(self, d_width):
        """Refuses a `d_width` (other than `None`) that this architecture's builder does not take.

        Raises:
            UserError: naming the architectures that take one.
        """
        if d_width is not None and not self.takes_d_width:
            raise UserError(f"`d_width` does not apply to {self.name}: only to {d_width_archs()}", argument="d_width")

    def networks(self, latent_dim=100, from_logits=True, d_batch_norm=True, d_width=None):
        """Builds a fresh (generator, discriminator) pair.

        `d_batch_norm=False` drops batch norm from D (under a gradient
        penalty, whose per-sample gradients batch norm would mix).
        `d_width`, where the architecture takes one (`takes_d_width`), widens or
        narrows D; `None` keeps the architecture's width.
        """
        kwargs = dict(latent_dim=latent_dim, from_logits=from_logits, d_batch_norm=d_batch_norm)
        if self.conditional:
            kwargs["num_classes"] = NUM_CLASSES
        self.check_d_width(d_width)
        if d_width is not None:
            kwargs["d_width"] = d_width
        return self.build(**kwargs)


ARCHITECTURES = {}


def register(name, summary, conditional=False, codes=0, measured_epochs=None, **defaults):
    """Decorator: adds a builder to `ARCHITECTURES` as an `ArchSpec` called `name`."""

    def decorator(builder):
        ARCHITECTURES[name] = ArchSpec(name, builder, summary, conditional, codes, dict(defaults), measured_epochs)
        return builder

    return decorator


def get_arch(name):
    """The `ArchSpec` registered as `name`.

    Raises:
        UserError: no architecture has that name.
    """
    if name not in ARCHITECTURES:
        raise invalid("arch", name, f"one of {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[name]


def build_networks(arch, latent_dim=100, from_logits=True, d_batch_norm=True, d_width=None):
    """Builds the (generator, discriminator) pair registered as `arch`."""
    return get_arch(arch).networks(latent_dim, from_logits, d_batch_norm, d_width)


def d_width_archs():
    """The architectures whose D width can be set (`ArchSpec.takes_d_width`)."""
    return sorted(name for name, spec in ARCHITECTURES.items() if spec.takes_d_width)


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


@register("gan", "fully connected: G 100-128-256-512-784, D 784-512-256-1", epochs=30)
def build_mlp_pair(latent_dim=100, from_logits=True, d_batch_norm=True):
    """The seed's fully connected GAN.

    G: z -> 128 -> 256 -> 512 -> 784 (tanh) -> 28x28x1.
    D: 784 -> 512 -> 256 -> 1. LeakyReLU(0.2) between hidden layers, and
    dropout 0.4 after them in D. (No batch norm, so `d_batch_norm` changes nothing.)
    """
    # Dropout in D keeps G from settling on the easy digits; in cgan it cost
    # label agreement, so only here.
    body = functools.partial(_mlp_discriminator_body, dropout=0.4)
    return _build_pair(_mlp_generator_body, body, latent_dim, from_logits)


@register("cgan", "gan conditioned on the digit (projection D)", conditional=True, epochs=40)
def build_conditional_mlp_pair(latent_dim=100, from_logits=True, d_batch_norm=True, num_classes=NUM_CLASSES):
    """`gan` conditioned on the digit: G sees [z, embed(label)], D (without dropout) a projection head."""
    return _build_pair(_mlp_generator_body, _mlp_discriminator_body, latent_dim, from_logits, num_classes)


# --- Convolutional: dcgan, cdcgan ------------------------------------------

# Layers at 28x28 are the expensive ones on a CPU, so G spends its capacity
# at 7x7 (an extra stride-1 layer) and D gets a third layer at 4x4.


def _batch_norm():
    # Synchronized under tf.distribute, so N replicas train the model one
    # device would; on one replica TensorFlow's fused kernel does the work.
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


def _dcgan_discriminator_body(images, d=128, batch_norm=True, stddev=False, first=None):
    """Images -> flattened 4x4x`d` features; `stddev` shows the last layer the batch's spread.

    The widths are (`first`, d/2, d) at 14x14, 7x7 and 4x4; `first` defaults to d/4.
    """
    x = _down_block(images, first or d // 4, batch_norm=False)  # 14x14, no batch norm on the input layer
    x = _down_block(x, d // 2, batch_norm)  # 7x7
    if stddev:
        # Before a convolution rather than the logit, so the spread can weigh each feature, not only shift the score.
        x = MinibatchStddev()(x)
    x = _down_block(x, d, batch_norm)  # 4x4
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


# The convolutional pairs' default recipe. It trains for a time budget, not a number of epochs, so that
# the default run ends in 10 minutes (dcgan) or 15 (cdcgan) on a slow machine too, and a fast one spends
# the time on more epochs; the half-minute to spare covers start-up. Each lever and what it gave on
# MNIST, losers included: docs/results.md.
FAST_RECIPE = {
    "lr": 1e-3,
    "d_lr": 2e-3,  # two time-scale rule (Heusel et al. 2017)
    "beta2": 0.99,  # a shorter memory of gradient scale: the game's gradients drift fast
    "lr_decay": 0.7,
    "ema_kimg": 10.0,
}
# Under the decay to 0, dcgan learns faster at twice the rates, and with the decay over the last 40% of
# the run instead of 70% (FCD 5.19 -> 4.69 and 6.33 -> 5.66 on seeds 0 and 1); cdcgan did worse at those
# rates. cdcgan gains from a longer average of G (half-life 40k images: 2.25 -> 2.13, 2.36 -> 2.29), which
# dcgan's decay makes moot, and, at its own rates, from the same 40% decay (docs/results.md, 2026-12-07).
DCGAN_RECIPE = {**FAST_RECIPE, "minutes": 9.5, "lr": 2e-3, "d_lr": 4e-3, "lr_decay": 0.4}
CDCGAN_RECIPE = {**FAST_RECIPE, "minutes": 14.0, "ema_kimg": 40.0, "lr_decay": 0.4}
# The epochs those budgets plan on the 2-core machine of the documented scores (docs/results.md; the
# lower of the counts seen there). A slower CPU plans fewer in the same minutes, and draws rougher
# digits: its plan says so, and what these epochs would cost it.
DCGAN_MEASURED_EPOCHS = 21
CDCGAN_MEASURED_EPOCHS = 18


# An InfoGAN code: G can jump between digits instead of morphing through
# the malformed ones between them.
DCGAN_CODES = 10
# G's width at 7x7 and D's at 4x4: narrow enough to train fast on a CPU.
DCGAN_WIDTHS = (96, 64)
# D's input layer, at 14x14, whatever `d_width`: each of its channels costs 4 times one at 7x7.
DCGAN_D_FIRST = 16


@register(
    "dcgan",
    "convolutional: transposed convs up, strided convs down, batch norm, an InfoGAN code",
    codes=DCGAN_CODES,
    measured_epochs=DCGAN_MEASURED_EPOCHS,
    **DCGAN_RECIPE,
)
def build_conv_pair(latent_dim=100, from_logits=True, d_batch_norm=True, d_width=None):
    """A DCGAN (Radford et al. 2015) sized for MNIST on a CPU, with an InfoGAN code.

    G: z -> Dense projection to 7x7x96 -> ConvT(96, s1) 7x7 -> ConvT(48, s2)
    14x14 -> ConvT(1, s2) 28x28 tanh; batch norm + ReLU after every layer but
    the last. The projection sees z with its first 10 entries replaced by
    the one-hot code they pick (`LatentCode`).
    D: Conv(16, s2) 14x14 -> Conv(32, s2) 7x7 -> minibatch stddev (one
    more channel: how much the batch varies) -> Conv(64, s2) 4x4 -> one
    logit, and a 10-way code head beside it; LeakyReLU(0.2), batch norm on
    every layer but the input one (unless `d_batch_norm` is False).
    `d_width` replaces D's 64 at 4x4 (and 32 = d/2 at 7x7); the input layer
    stays at 16 channels, where a wider D costs the most time.
    """
    g, d = DCGAN_WIDTHS
    d = d if d_width is None else d_width
    # The stddev is for recall: D can tell a batch of too-alike fakes from a real batch, so G spreads
    # its digits. What it gave on both seeds: docs/results.md.
    return _build_pair(
        functools.partial(_dcgan_generator_body, g=g),
        functools.partial(_dcgan_discriminator_body, d=d, batch_norm=d_batch_norm, stddev=True, first=DCGAN_D_FIRST),
        latent_dim,
        from_logits,
        codes=DCGAN_CODES,
    )


@register(
    "cdcgan",
    "dcgan conditioned on the digit (projection D)",
    conditional=True,
    measured_epochs=CDCGAN_MEASURED_EPOCHS,
    **CDCGAN_RECIPE,
)
def build_conditional_conv_pair(latent_dim=100, from_logits=True, d_batch_norm=True, num_classes=NUM_CLASSES):
    """`dcgan` at widths 128/128, conditioned on the digit: G sees [z, embed(label)], D a projection head.

    Without `dcgan`'s minibatch stddev, which did not help here (docs/results.md).
    """
    body = functools.partial(_dcgan_discriminator_body, batch_norm=d_batch_norm)
    return _build_pair(_dcgan_generator_body, body, latent_dim, from_logits, num_classes)
