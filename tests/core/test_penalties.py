"""Gradient penalties: hand-computed values on Ds whose input gradient can be written down, and their traps."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from keras_gan.core import penalties
from keras_gan.core.engine import GAN


def linear_gan(w, r1=0.0, r2=0.0, loss="bce", reg_every=1):
    """A GAN whose D is x -> w . flatten(x): its gradient with respect to every image is w."""
    z = keras.Input((4,))
    generator = keras.Model(z, layers.Reshape((28, 28, 1))(layers.Dense(784, activation="tanh")(z)))
    images = keras.Input((28, 28, 1))
    dense = layers.Dense(1, use_bias=False)
    discriminator = keras.Model(images, dense(layers.Flatten()(images)))
    dense.kernel.assign(w.reshape(784, 1))
    gan = GAN(generator, discriminator, latent_dim=4, seed=0, loss=loss, r1=r1, r2=r2, reg_every=reg_every)
    gan.compile()
    return gan


W = np.random.default_rng(0).normal(0, 0.1, 784).astype("float32")
REAL = np.random.default_rng(1).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
FAKE = np.random.default_rng(2).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")


def penalty_of(gan, interpolation=None, step=0, global_batch=4.0):
    gradient = gan.input_gradient(None, None)
    return float(gan.penalty(gradient, REAL, FAKE, interpolation, global_batch, step))


def test_r1_is_gamma_over_2_times_the_squared_input_gradient():
    # grad_x (w . x) = w for every image, so R1 = gamma / 2 * ||w||^2 (the mean over 4 equal terms).
    expected = 0.5 / 2 * float(np.sum(W.astype(np.float64) ** 2))
    assert penalty_of(linear_gan(W, r1=0.5)) == pytest.approx(expected, rel=1e-5)
    # R2 is the same on fakes, and the two add up.
    assert penalty_of(linear_gan(W, r2=0.5)) == pytest.approx(expected, rel=1e-5)
    assert penalty_of(linear_gan(W, r1=0.5, r2=0.5)) == pytest.approx(2 * expected, rel=1e-5)


def test_wgan_gp_is_lambda_times_the_squared_distance_of_the_norm_to_1():
    # For a linear D the gradient at every interpolate is w: 10 * (||w|| - 1)^2.
    norm = float(np.linalg.norm(W.astype(np.float64)))
    gan = linear_gan(W, loss="wgan-gp")
    assert penalty_of(gan, interpolation=np.full(4, 0.3, "float32")) == pytest.approx(10 * (norm - 1) ** 2, rel=1e-5)


def test_the_penalty_is_taken_with_respect_to_the_images_not_the_weights():
    """D(x) = sum(x^2) / 2 has gradient x: R1 is gamma / 2 * mean ||x_i||^2, which depends on the data."""
    images = keras.Input((28, 28, 1))
    discriminator = keras.Model(
        images, layers.Lambda(lambda x: keras.ops.sum(x**2, axis=(1, 2, 3))[:, None] / 2)(images)
    )
    z = keras.Input((4,))
    generator = keras.Model(z, layers.Reshape((28, 28, 1))(layers.Dense(784)(z)))
    gan = GAN(generator, discriminator, latent_dim=4, r1=1.0)
    expected = 0.5 * float(np.mean(np.sum(REAL.astype(np.float64) ** 2, axis=(1, 2, 3))))
    assert penalty_of(gan) == pytest.approx(expected, rel=1e-5)


def test_interpolation_uses_one_uniform_weight_per_sample():
    gan = linear_gan(W, loss="wgan-gp")
    weights = keras.ops.convert_to_numpy(gan.uniform_weights(4096))
    assert weights.shape == (4096,)  # one per sample, not per pixel
    assert weights.min() >= 0.0 and weights.max() <= 1.0  # uniform on [0, 1], not normal
    assert abs(weights.mean() - 0.5) < 0.02 and abs(weights.var() - 1 / 12) < 0.01
    mixed = keras.ops.convert_to_numpy(penalties.interpolate(REAL, FAKE, np.array([0.0, 1.0, 0.25, 0.5], "float32")))
    np.testing.assert_allclose(mixed[0], FAKE[0])
    np.testing.assert_allclose(mixed[1], REAL[1])
    np.testing.assert_allclose(mixed[2], 0.25 * REAL[2] + 0.75 * FAKE[2], rtol=1e-6)


def test_the_norm_has_a_finite_gradient_at_zero():
    zeros = tf.zeros((2, 28, 28, 1))
    with tf.GradientTape() as tape:
        tape.watch(zeros)
        value = penalties.one_centered(zeros, 10.0, 2.0)
    gradient = tape.gradient(value, zeros)
    assert float(value) == pytest.approx(10.0, rel=1e-5)
    assert np.isfinite(gradient.numpy()).all()


def test_lazy_regularization_applies_k_times_the_penalty_every_k_steps():
    gan = linear_gan(W, r1=0.5, reg_every=4)
    every_step = penalty_of(linear_gan(W, r1=0.5))
    assert [penalty_of(gan, step=s) for s in range(6)] == pytest.approx([4 * every_step, 0, 0, 0, 4 * every_step, 0])


def test_penalties_are_float32_and_divided_by_the_global_batch():
    gan = linear_gan(W, r1=0.5)
    gradient = gan.input_gradient(None, None)
    value = gan.penalty(gradient, REAL, FAKE, None, 8.0, 0)
    assert keras.backend.standardize_dtype(value.dtype) == "float32"
    assert float(value) == pytest.approx(penalty_of(gan) / 2, rel=1e-6)  # 4 of a global batch of 8
    bf16 = penalties.zero_centered(tf.cast(REAL, "bfloat16"), 1.0, 4.0)
    assert keras.backend.standardize_dtype(bf16.dtype) == "float32"
