"""Training throughput: our architectures against the TensorFlow DCGAN tutorial's step.

    python benchmarks/train_speed.py                 # all archs, batch 64, 128, 256
    python benchmarks/train_speed.py --archs dcgan --batch-sizes 64

For each architecture and batch size it runs `fit()` on random data (speed
does not depend on pixel values), times every step with a callback, and
reports the median images/s after warm-up, and the estimated time of one
60,000-image epoch. The reference is the tutorial's own generator,
discriminator and `@tf.function` training step, written from its published
description, at its batch size of 256. The last line is machine-readable:
`dcgan/tutorial images/s ratio: R` (our dcgan at batch 256).
"""

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from keras_gan.engine import GAN  # noqa: E402
from keras_gan.networks import CONDITIONAL, NUM_CLASSES, build_networks  # noqa: E402

EPOCH_IMAGES = 60_000


class StepTimer(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self._start)

    def on_train_begin(self, logs=None):
        self.times = []


def time_ours(arch, batch_size, steps, warmup):
    keras.utils.set_random_seed(0)
    generator, discriminator = build_networks(arch)
    gan = GAN(generator, discriminator, seed=0, num_classes=NUM_CLASSES if arch in CONDITIONAL else None)
    gan.compile()
    n = batch_size * (steps + warmup)
    x = np.random.default_rng(0).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")
    y = np.random.default_rng(0).integers(0, 10, n).astype("int32")
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size, drop_remainder=True).prefetch(2)
    timer = StepTimer()
    gan.fit(dataset, epochs=1, verbose=0, callbacks=[timer], shuffle=False)
    return batch_size / statistics.median(timer.times[warmup:])


def tutorial_models():
    """The TF DCGAN tutorial's networks (tensorflow.org/tutorials/generative/dcgan)."""
    generator = keras.Sequential(
        [
            keras.Input((100,)),
            layers.Dense(7 * 7 * 256, use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Reshape((7, 7, 256)),
            layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False, activation="tanh"),
        ]
    )
    discriminator = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(64, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Conv2D(128, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    return generator, discriminator


def time_tutorial(batch_size, steps, warmup):
    generator, discriminator = tutorial_models()
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([batch_size, 100])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated, training=True)
            gen_loss = bce(tf.ones_like(fake_output), fake_output)
            disc_loss = bce(tf.ones_like(real_output), real_output) + bce(tf.zeros_like(fake_output), fake_output)
        g_opt.apply_gradients(
            zip(gen_tape.gradient(gen_loss, generator.trainable_variables), generator.trainable_variables)
        )
        d_opt.apply_gradients(
            zip(disc_tape.gradient(disc_loss, discriminator.trainable_variables), discriminator.trainable_variables)
        )
        return gen_loss

    images = tf.random.uniform((batch_size, 28, 28, 1), -1, 1)
    times = []
    for _ in range(steps + warmup):
        start = time.perf_counter()
        train_step(images).numpy()
        times.append(time.perf_counter() - start)
    return batch_size / statistics.median(times[warmup:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=["gan", "dcgan"])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[64, 128, 256])
    parser.add_argument("--steps", type=int, default=30, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (tracing, caches)")
    args = parser.parse_args()

    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    print(f"# {machine}, TF {tf.__version__}, Keras {keras.__version__}, {time.strftime('%Y-%m-%d')}")
    print("| model | batch | images/s (median) | 60k-image epoch (s) |")
    print("|---|---|---|---|")
    ours = {}
    for arch in args.archs:
        for batch_size in args.batch_sizes:
            rate = time_ours(arch, batch_size, args.steps, args.warmup)
            ours[arch, batch_size] = rate
            print(f"| {arch} | {batch_size} | {rate:,.0f} | {EPOCH_IMAGES / rate:.1f} |", flush=True)
    tutorial = time_tutorial(256, args.steps, args.warmup)
    print(f"| TF tutorial DCGAN step | 256 | {tutorial:,.0f} | {EPOCH_IMAGES / tutorial:.1f} |")
    if ("dcgan", 256) in ours:
        print(f"dcgan/tutorial images/s ratio: {ours['dcgan', 256] / tutorial:.2f}")


if __name__ == "__main__":
    main()
