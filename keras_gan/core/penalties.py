"""Gradient penalties on D, as pure functions of D's gradient with respect to its input images.

- R1 (Mescheder et al. 2018): gamma / 2 * E ||grad_x D(x)||^2 on real images.
  It keeps D flat on the data, which lets both networks take larger steps.
- R2 (as in R3GAN, Huang et al. 2024): the same on generated images.
- WGAN-GP (Gulrajani et al. 2017): lambda * E (||grad D(x_hat)||_2 - 1)^2 on
  interpolates x_hat = eps * x + (1 - eps) * G(z), eps ~ U[0, 1] drawn once
  per sample (not per pixel, not normal: the bugs of several public copies).

The gradient itself comes from the backend's step (a nested
`tf.GradientTape`, or `jax.grad`), always with respect to the images, never
the weights. Everything here computes in float32, also under mixed
precision. Like the losses, sums are divided by the global batch.
"""

from keras import ops

# Added under the square root of a squared norm: d sqrt(s) / ds is infinite at
# s = 0, which turns one all-zero gradient into NaN weights.
NORM_EPSILON = 1e-12


def squared_norms(gradients):
    """||g_i||^2 of each example's gradient, shape [batch], in float32."""
    g = ops.cast(gradients, "float32")
    return ops.sum(ops.reshape(ops.square(g), (ops.shape(g)[0], -1)), axis=1)


def zero_centered(gradients, gamma, global_batch_size):
    """R1 / R2: gamma / 2 * the mean over the global batch of ||g_i||^2."""
    return gamma / 2.0 * ops.sum(squared_norms(gradients)) / global_batch_size


def one_centered(gradients, weight, global_batch_size):
    """WGAN-GP: weight * the mean over the global batch of (||g_i||_2 - 1)^2, with a norm safe at 0."""
    norms = ops.sqrt(squared_norms(gradients) + NORM_EPSILON)
    return weight * ops.sum(ops.square(norms - 1.0)) / global_batch_size


def interpolate(real_images, fake_images, weights):
    """eps * real + (1 - eps) * fake, with one weight eps in [0, 1] per sample (`weights`: [batch])."""
    eps = ops.reshape(ops.cast(weights, real_images.dtype), (-1, 1, 1, 1))
    return eps * real_images + (1.0 - eps) * ops.cast(fake_images, real_images.dtype)
