"""The browser form of a generator: what TF.js runs fast, and at all, with the same outputs.

TF.js' wasm backend runs `Conv2DTranspose` (Conv2DBackpropInput) as a plain
loop; a stride-1 convolution runs on XNNPACK. The "sub-pixel" form, a
stride-1 `Conv2D` and a depth-to-space shuffle, computes the same outputs
(to float32 round-off) several times faster there. And TF.js 4.22 cannot
run tanh fused into a MatMul, which the converter makes of a Dense layer
with tanh, so that tanh moves past the next Reshape.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gan.errors import UserError


def subpixel_kernel(kernel, strides):
    """The stride-1 convolution kernel that, followed by depth-to-space, equals a transposed convolution.

    A `Conv2DTranspose` with kernel K (k x k x C_out x C_in), stride s and
    "same" padding computes y[s*m + a] = sum_d x[m + d] K[a + p - s*d], where
    p = (k - s) // 2 and the sum runs over the d that index K in range. For
    each output phase (a_y, a_x) that is an ordinary correlation of x, so all
    s*s phases together are one `Conv2D` with s*s*C_out output channels,
    arranged as depth-to-space expects.

    Args:
        kernel: NumPy array [k, k, C_out, C_in], a Keras `Conv2DTranspose` kernel.
        strides: The transposed convolution's stride s (the same in both axes).

    Returns:
        (conv kernel [D, D, C_in, s*s*C_out], (pad_before, pad_after)): apply it
        with that zero padding on each spatial axis, stride 1.
    """
    k, _, c_out, c_in = kernel.shape
    s = strides
    p = max(k - s, 0) // 2
    offsets = [d for a in range(s) for d in range(-k, k + 1) if 0 <= a + p - s * d < k]
    d_min, d_max = min(offsets), max(offsets)
    size = d_max - d_min + 1
    out = np.zeros((size, size, c_in, s * s * c_out), kernel.dtype)
    for ay in range(s):
        for ax in range(s):
            phase = (ay * s + ax) * c_out
            for jy in range(size):
                ty = ay + p - s * (d_min + jy)
                for jx in range(size):
                    tx = ax + p - s * (d_min + jx)
                    if 0 <= ty < k and 0 <= tx < k:
                        out[jy, jx, :, phase : phase + c_out] = kernel[ty, tx].T
    return out, (-d_min, d_max)


class SubPixelConv2D(keras.layers.Layer):
    """`Conv2DTranspose` recomputed as `Conv2D` + depth-to-space (TensorFlow backend only)."""

    def __init__(self, transpose, **kwargs):
        super().__init__(name=transpose.name, dtype=transpose.dtype_policy, **kwargs)
        config = transpose.get_config()
        unsupported = {
            "padding": config["padding"] != "same",
            "data_format": config["data_format"] != "channels_last",
            "dilation_rate": tuple(config["dilation_rate"]) != (1, 1),
            "output_padding": config.get("output_padding") is not None,
            "strides": config["strides"][0] != config["strides"][1],
        }
        if any(unsupported.values()):
            bad = ", ".join(name for name, is_bad in unsupported.items() if is_bad)
            raise UserError(f"cannot export {transpose.name} to TF.js: unsupported {bad}")
        self.stride = config["strides"][0]
        kernel, (before, after) = subpixel_kernel(keras.ops.convert_to_numpy(transpose.kernel), self.stride)
        self.padding = "SAME" if before == after == (kernel.shape[0] - 1) // 2 else [
            [0, 0], [before, after], [before, after], [0, 0]
        ]  # fmt: skip
        self.kernel = self.add_weight(shape=kernel.shape, initializer="zeros", trainable=False, name="kernel")
        self.kernel.assign(kernel)
        self.bias = None
        if transpose.use_bias:
            bias = keras.ops.convert_to_numpy(transpose.bias)
            shape = (bias.size * self.stride**2,)
            self.bias = self.add_weight(shape=shape, initializer="zeros", trainable=False, name="bias")
            self.bias.assign(np.tile(bias, self.stride**2))
        self.activation = transpose.activation

    def call(self, x):
        y = tf.nn.conv2d(x, self.kernel, strides=1, padding=self.padding)
        if self.bias is not None:
            y = tf.nn.bias_add(y, self.bias)
        if self.stride > 1:
            y = tf.nn.depth_to_space(y, self.stride)
        return self.activation(y)


class ActivatedReshape(keras.layers.Reshape):
    """`Reshape`, then the activation its input layer no longer applies (see `browser_generator`)."""

    def __init__(self, target_shape, activation, **kwargs):
        super().__init__(target_shape, **kwargs)
        self.activation = keras.activations.get(activation)

    def call(self, inputs):
        return self.activation(super().call(inputs))


def _deferred_activations(generator):
    """Names of the Reshape layers that should apply their input Dense layer's tanh.

    TF.js 4.22 has no tanh inside a fused MatMul on its cpu and wasm
    backends, and the converter fuses MatMul + BiasAdd + Tanh whenever they
    are adjacent. Tanh commutes with a reshape, so applying it after the
    Reshape that follows keeps it out of the fused op.
    """
    moved = {}
    for layer in generator.layers:
        if not isinstance(layer, keras.layers.Reshape):
            continue
        source = layer._inbound_nodes[0].parent_nodes[0].operation if layer._inbound_nodes else None
        if isinstance(source, keras.layers.Dense) and source.activation is keras.activations.tanh:
            moved[layer.name] = source.name
    return moved


def browser_generator(generator):
    """A copy of `generator` that runs fast and correctly in TF.js; the same outputs.

    Every `Conv2DTranspose` becomes its sub-pixel form, and a Dense layer's
    tanh moves past the Reshape after it (`_deferred_activations`).
    """
    moved = _deferred_activations(generator)

    def clone(layer):
        if isinstance(layer, keras.layers.Conv2DTranspose):
            return SubPixelConv2D(layer)
        config = layer.get_config()
        if layer.name in moved.values():
            config["activation"] = "linear"
        if layer.name in moved:
            return ActivatedReshape(activation="tanh", **config)
        return layer.__class__.from_config(config)

    model = keras.models.clone_model(generator, clone_function=clone)
    for old, new in zip(generator.layers, model.layers):
        if not isinstance(old, keras.layers.Conv2DTranspose):
            new.set_weights(old.get_weights())
    return model
