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


def register(name):
    """Adds a builder to `NETWORKS` under `name`."""

    def decorator(builder):
        NETWORKS[name] = builder
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


@register("gan")
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


# Widths chosen for quality per second on a 2-core CPU (README "Results"):
# about a third of the TF tutorial's FLOPs, and cleaner digits per minute.
DCGAN_G_CHANNELS = 128
DCGAN_D_CHANNELS = 64


@register("dcgan")
def build_dcgan(latent_dim=100, from_logits=True):
    """A DCGAN (Radford et al. 2015) sized for MNIST.

    G: z -> Dense projection to 7x7x128 -> ConvT(64, s2) 14x14 -> ConvT(1, s2)
    28x28 tanh, batch norm + ReLU after every layer but the last.
    D: Conv(32, s2) 14x14 -> Conv(64, s2) 7x7 -> one logit; LeakyReLU(0.2),
    batch norm on every layer but the input one. No pooling, no hidden Dense.
    """
    g = DCGAN_G_CHANNELS
    d = DCGAN_D_CHANNELS
    # 4x4 kernels with stride 2 divide evenly, avoiding checkerboard artefacts.
    conv_t = dict(kernel_size=4, strides=2, padding="same", use_bias=False)
    conv = dict(kernel_size=4, strides=2, padding="same")
    generator = keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(7 * 7 * g, use_bias=False),  # the single projection of z
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Reshape((7, 7, g)),
            layers.Conv2DTranspose(g // 2, **conv_t),  # 14x14
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.Conv2DTranspose(1, kernel_size=4, strides=2, padding="same", activation="tanh"),  # 28x28
        ],
        name="generator",
    )
    discriminator = keras.Sequential(
        [
            keras.Input(IMAGE_SHAPE),
            layers.Conv2D(d // 2, **conv),  # 14x14, no batch norm on the input layer
            layers.LeakyReLU(0.2),
            layers.Conv2D(d, use_bias=False, **conv),  # 7x7
            layers.BatchNormalization(),
            layers.LeakyReLU(0.2),
            layers.Flatten(),
            _output_layer(from_logits),  # the single logit
        ],
        name="discriminator",
    )
    return generator, discriminator
