"""Generator/discriminator pairs, looked up by name in `NETWORKS`.

A builder takes `(latent_dim, from_logits)` and returns
`(generator, discriminator)`:

- the generator maps z [batch, latent_dim] to images [batch, 28, 28, 1] in
  [-1, 1] (tanh);
- the discriminator maps images to one value per image [batch, 1]: a logit
  when `from_logits`, else a probability (sigmoid).

Add an architecture by decorating its builder with `@register("name")`; the
engine, the CLI and the tests pick it up from the registry.
"""

import keras
from keras import layers

IMAGE_SHAPE = (28, 28, 1)

NETWORKS = {}
# Epochs that train each architecture to clean digits (README "Results");
# the default of --epochs.
DEFAULT_EPOCHS = {}


def register(name, epochs):
    """Adds a builder to `NETWORKS` under `name`, with its default epoch count."""

    def decorator(builder):
        NETWORKS[name] = builder
        DEFAULT_EPOCHS[name] = epochs
        return builder

    return decorator


def build_networks(arch, latent_dim=100, from_logits=True):
    """Builds the (generator, discriminator) pair registered as `arch`."""
    if arch not in NETWORKS:
        raise ValueError(f"Unknown arch. Expected one of {sorted(NETWORKS)}. Received: arch={arch!r}")
    return NETWORKS[arch](latent_dim=latent_dim, from_logits=from_logits)


def _output_layer(from_logits):
    # One Dense unit: a logit, or a probability when the loss expects one.
    return layers.Dense(1, activation=None if from_logits else "sigmoid", name="d_out")


@register("gan", epochs=30)  # ~5 minutes on 2 CPU cores
def build_gan(latent_dim=100, from_logits=True):
    """The seed's fully connected GAN.

    G: z -> 128 -> 256 -> 512 -> 784 (tanh) -> 28x28x1.
    D: 784 -> 512 -> 256 -> 1. LeakyReLU(0.2) between hidden layers.
    """
    generator = keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(128),
            layers.LeakyReLU(0.2),
            layers.Dense(256),
            layers.LeakyReLU(0.2),
            layers.Dense(512),
            layers.LeakyReLU(0.2),
            layers.Dense(784, activation="tanh"),
            layers.Reshape(IMAGE_SHAPE),
        ],
        name="generator",
    )
    discriminator = keras.Sequential(
        [
            keras.Input(IMAGE_SHAPE),
            layers.Flatten(),
            layers.Dense(512),
            layers.LeakyReLU(0.2),
            layers.Dense(256),
            layers.LeakyReLU(0.2),
            _output_layer(from_logits),
        ],
        name="discriminator",
    )
    return generator, discriminator


# Sizes chosen by measuring quality per second of training on a 2-core CPU
# (README "Results"). Layers at 28x28 are the expensive ones there, so G
# spends its capacity at 7x7 (an extra stride-1 layer) and D gets a third
# layer at 4x4; both were clear wins per minute over the bare two-layer nets.
DCGAN_G_CHANNELS = 128
DCGAN_D_CHANNELS = 128


@register("dcgan", epochs=8)  # ~9 minutes on 2 CPU cores
def build_dcgan(latent_dim=100, from_logits=True):
    """A DCGAN (Radford et al. 2015) sized for MNIST on a CPU.

    G: z -> Dense projection to 7x7x128 -> ConvT(128, s1) 7x7 -> ConvT(64, s2)
    14x14 -> ConvT(1, s2) 28x28 tanh; batch norm + ReLU after every layer but
    the last.
    D: Conv(32, s2) 14x14 -> Conv(64, s2) 7x7 -> Conv(128, s2) 4x4 -> one
    logit; LeakyReLU(0.2), batch norm on every layer but the input one.
    No pooling, and no Dense layers but the projection of z and the logit.
    """
    g = DCGAN_G_CHANNELS
    d = DCGAN_D_CHANNELS
    generator = keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(7 * 7 * g, use_bias=False),  # the single projection of z
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Reshape((7, 7, g)),
            *_up_block(g, kernel_size=3, strides=1),  # 7x7, cheap capacity
            *_up_block(g // 2, kernel_size=4, strides=2),  # 14x14
            # 4x4 kernels with stride 2 divide evenly: no checkerboard artefacts.
            layers.Conv2DTranspose(1, kernel_size=4, strides=2, padding="same", activation="tanh"),  # 28x28
        ],
        name="generator",
    )
    discriminator = keras.Sequential(
        [
            keras.Input(IMAGE_SHAPE),
            *_down_block(d // 4, batch_norm=False),  # 14x14, no batch norm on the input layer
            *_down_block(d // 2),  # 7x7
            *_down_block(d),  # 4x4
            layers.Flatten(),
            _output_layer(from_logits),  # the single logit
        ],
        name="discriminator",
    )
    return generator, discriminator


def _up_block(channels, kernel_size, strides):
    # No bias: batch norm's offset replaces it.
    return [
        layers.Conv2DTranspose(channels, kernel_size, strides=strides, padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(),
    ]


def _down_block(channels, batch_norm=True):
    block = [layers.Conv2D(channels, kernel_size=4, strides=2, padding="same", use_bias=not batch_norm)]
    if batch_norm:
        block.append(layers.BatchNormalization())
    return [*block, layers.LeakyReLU(0.2)]
