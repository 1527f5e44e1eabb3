"""A generator as a SavedModel for TF Serving, with its two serving signatures.

The SavedModel has two signatures:

- `serving_default`: `z` (float32 [batch, latent_dim]) -> `images`
  (float32 [batch, 28, 28, 1] in [0, 1], white digit on black); a batch
  above `max_n` is refused with an `InvalidArgumentError`.
- `sample`: `n` (int32) and `seed` (int32) -> `images` and the `z` used.
  It draws z with stateless random ops, so a seed always gives the same
  digits; `n` above `max_n` is refused with an `InvalidArgumentError`.

A conditional generator adds a `label` input (int32 [batch] to
`serving_default`; a scalar to `sample`, where -1 draws uniform labels and
returns them as `labels`).

The TF.js model (`keras_gan.export.tfjs`) is converted from the same
`serving_default` signature.
"""

import keras
import tensorflow as tf

from keras_gan.core.architectures import NUM_CLASSES
from keras_gan.core.sampling import is_conditional, latent_dim_of

DEFAULT_MAX_N = 1024


def serving_functions(generator, max_n=DEFAULT_MAX_N):
    """The two serving signatures of `generator` as `tf.function`s.

    Both refuse more than `max_n` digits per request (`serving_default` by
    the batch of `z`, `sample` by `n`) with an `InvalidArgumentError`, so a
    request cannot ask the server for unbounded memory.

    Returns:
        `{"serving_default": fn, "sample": fn}`; each fn returns a dict of
        named outputs.
    """
    latent_dim = latent_dim_of(generator)
    conditional = is_conditional(generator)

    def to_unit(images):
        # tanh output [-1, 1] -> [0, 1]; float32 even if the model ran in mixed precision.
        return {"images": (tf.cast(images, tf.float32) + 1.0) / 2.0}

    def check_n(n):
        return [
            tf.debugging.assert_greater_equal(n, 1, message="n must be at least 1"),
            tf.debugging.assert_less_equal(n, max_n, message=f"n must be at most {max_n} (max_n of this export)"),
        ]

    def check_labels(labels):
        return [
            tf.debugging.assert_greater_equal(labels, 0, message="label must be a digit 0..9"),
            tf.debugging.assert_less_equal(labels, NUM_CLASSES - 1, message="label must be a digit 0..9"),
        ]

    def check_batch(z, labels=None):
        # serving_default takes its batch from the request: cap it like `sample` caps n.
        batch = tf.shape(z)[0]
        checks = [tf.debugging.assert_less_equal(batch, max_n, message=f"batch must be at most {max_n} (max_n)")]
        if labels is not None:
            message = "z and label must have the same batch size"
            checks.append(tf.debugging.assert_equal(tf.shape(labels)[0], batch, message=message))
            checks += check_labels(labels)
        return checks

    def draw_z(n, seed):
        with tf.control_dependencies(check_n(n)):
            return tf.random.stateless_normal(tf.stack([n, latent_dim]), seed=tf.stack([seed, 0]))

    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    if not conditional:

        @tf.function(input_signature=[z_spec])
        def serve(z):
            with tf.control_dependencies(check_batch(z)):
                return to_unit(generator(z, training=False))

        @tf.function(input_signature=[tf.TensorSpec([], tf.int32, name="n"), tf.TensorSpec([], tf.int32, name="seed")])
        def sample(n, seed):
            z = draw_z(n, seed)
            return {**to_unit(generator(z, training=False)), "z": z}

        return {"serving_default": serve, "sample": sample}

    @tf.function(input_signature=[z_spec, tf.TensorSpec([None], tf.int32, name="label")])
    def serve_conditional(z, label):
        with tf.control_dependencies(check_batch(z, label)):
            return to_unit(generator([z, label], training=False))

    @tf.function(
        input_signature=[
            tf.TensorSpec([], tf.int32, name="n"),
            tf.TensorSpec([], tf.int32, name="seed"),
            tf.TensorSpec([], tf.int32, name="label"),
        ]
    )
    def sample_conditional(n, seed, label):
        z = draw_z(n, seed)
        uniform = tf.random.stateless_uniform([n], seed=tf.stack([seed, 1]), maxval=NUM_CLASSES, dtype=tf.int32)
        labels = tf.where(label < 0, uniform, tf.fill([n], label))
        with tf.control_dependencies(check_labels(labels)):
            return {**to_unit(generator([z, labels], training=False)), "z": z, "labels": labels}

    return {"serving_default": serve_conditional, "sample": sample_conditional}


def float32_copy(generator):
    """`generator` itself if it computes in float32, else a float32 copy with the same weights.

    A generator trained with `--mixed-precision` computes in float16 or
    bfloat16; serving and TF.js want float32 (TF.js has no bfloat16 kernels).
    """
    if all(layer.compute_dtype == "float32" for layer in generator.layers):
        return generator

    def clone(layer):
        config = layer.get_config()
        config["dtype"] = "float32"
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(generator, clone_function=clone)
    copy.set_weights(generator.get_weights())
    return copy


def save_serving_model(generator, path, max_n=DEFAULT_MAX_N):
    """Writes `generator` with its serving signatures as a SavedModel at `path` (not atomic)."""
    archive = keras.export.ExportArchive()
    archive.track(generator)
    for name, fn in serving_functions(generator, max_n).items():
        archive.add_endpoint(name, fn)
    archive.write_out(str(path), verbose=False)
