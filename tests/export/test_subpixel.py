"""The sub-pixel rewrite for the browser: each Conv2DTranspose as Conv2D + depth-to-space, same outputs."""

import keras
import numpy as np
import pytest

from keras_gan.errors import UserError
from keras_gan.export import subpixel
from tests.helpers import randomized_generator


@pytest.mark.parametrize("kernel_size, strides", [(4, 2), (3, 1), (3, 2), (5, 2), (2, 2), (4, 1), (6, 3)])
def test_subpixel_form_equals_conv2d_transpose(kernel_size, strides):
    rng = np.random.default_rng(kernel_size * 10 + strides)
    inputs = keras.Input((5, 6, 3))
    layer = keras.layers.Conv2DTranspose(4, kernel_size, strides=strides, padding="same", activation="tanh")
    model = keras.Model(inputs, layer(inputs))
    layer.bias.assign(rng.normal(size=4).astype("float32"))
    x = rng.normal(size=(2, 5, 6, 3)).astype("float32")
    rewritten = subpixel.browser_generator(model)
    assert type(rewritten.layers[1]).__name__ == "SubPixelConv2D"
    expected = model.predict(x, verbose=0)
    assert expected.shape == (2, 5 * strides, 6 * strides, 4)
    np.testing.assert_allclose(rewritten.predict(x, verbose=0), expected, atol=1e-6, rtol=0)


def test_subpixel_kernel_of_a_stride_1_transpose_is_the_flipped_kernel():
    kernel = np.arange(3 * 3 * 2 * 5, dtype="float32").reshape(3, 3, 2, 5)  # [k, k, C_out, C_in]
    conv, padding = subpixel.subpixel_kernel(kernel, 1)
    assert padding == (1, 1)
    np.testing.assert_array_equal(conv, kernel[::-1, ::-1].transpose(0, 1, 3, 2))


@pytest.mark.parametrize("arch", ["dcgan", "cdcgan"])
def test_browser_generator_equals_the_generator(arch):
    generator = randomized_generator(arch)
    rewritten = subpixel.browser_generator(generator)
    assert not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in rewritten.layers)
    z = np.random.default_rng(0).standard_normal((8, 100)).astype("float32")
    inputs = [z, np.arange(8) % 10] if arch == "cdcgan" else z
    np.testing.assert_allclose(
        rewritten.predict(inputs, verbose=0), generator.predict(inputs, verbose=0), atol=1e-5, rtol=0
    )


def test_unsupported_transpose_gets_a_clear_error():
    inputs = keras.Input((5, 5, 3))
    model = keras.Model(inputs, keras.layers.Conv2DTranspose(4, 3, strides=2, padding="valid")(inputs))
    with pytest.raises(UserError, match="unsupported padding"):
        subpixel.browser_generator(model)
