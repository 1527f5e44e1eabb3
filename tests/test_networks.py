import keras
import numpy as np
import pytest
from keras import layers

from keras_gan.networks import NETWORKS, build_networks

ARCHS = sorted(NETWORKS)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("from_logits", [True, False])
def test_shapes_and_ranges(arch, from_logits):
    generator, discriminator = build_networks(arch, latent_dim=100, from_logits=from_logits)
    z = np.random.default_rng(0).standard_normal((5, 100)).astype("float32") * 3
    images = keras.ops.convert_to_numpy(generator(z, training=False))
    assert images.shape == (5, 28, 28, 1)
    assert images.min() >= -1 and images.max() <= 1  # tanh
    outputs = keras.ops.convert_to_numpy(discriminator(images, training=False))
    assert outputs.shape == (5, 1)
    if not from_logits:
        assert outputs.min() >= 0 and outputs.max() <= 1  # sigmoid


@pytest.mark.parametrize("arch", ARCHS)
def test_latent_dim_is_respected(arch):
    generator, _ = build_networks(arch, latent_dim=16)
    assert generator.input_shape == (None, 16)


def test_gan_layer_sizes_match_the_spec():
    generator, discriminator = build_networks("gan")
    dense = lambda model: [layer.units for layer in model.layers if isinstance(layer, layers.Dense)]  # noqa: E731
    assert dense(generator) == [128, 256, 512, 784]
    assert dense(discriminator) == [512, 256, 1]
    assert generator.layers[-2].activation.__name__ == "tanh"
    assert sum(isinstance(layer, layers.LeakyReLU) for layer in generator.layers) == 3


def test_dcgan_is_fully_convolutional():
    generator, discriminator = build_networks("dcgan")
    for model in (generator, discriminator):
        kinds = [type(layer) for layer in model.layers]
        assert not any(issubclass(k, (layers.MaxPooling2D, layers.AveragePooling2D)) for k in kinds)
        # Only the projection of z (G's first layer) and the logit (D's last) are Dense.
        assert sum(k is layers.Dense for k in kinds) == 1
    assert isinstance(generator.layers[0], layers.Dense)
    assert isinstance(discriminator.layers[-1], layers.Dense)
    assert any(isinstance(layer, layers.Conv2DTranspose) and layer.strides == (2, 2) for layer in generator.layers)
    assert all(layer.strides == (2, 2) for layer in discriminator.layers if isinstance(layer, layers.Conv2D))
    # Batch norm in G; in D everywhere but after the input layer.
    assert any(isinstance(layer, layers.BatchNormalization) for layer in generator.layers)
    assert isinstance(discriminator.layers[1], layers.LeakyReLU)
    assert any(isinstance(layer, layers.BatchNormalization) for layer in discriminator.layers[2:])
    assert any(isinstance(layer, layers.ReLU) for layer in generator.layers)


def test_unknown_arch_names_the_choices():
    with pytest.raises(ValueError, match=r"Received: arch='resnet'"):
        build_networks("resnet")
