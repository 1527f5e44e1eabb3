"""Runs in its own process: 2 logical CPU devices must exist before TensorFlow starts.

Prints one JSON line that tests/training/test_distribute.py checks.
"""

import dataclasses
import json
import os
import sys
import threading
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan.core.architectures import build_networks  # noqa: E402
from keras_gan.core.engine import GAN  # noqa: E402
from keras_gan.training import distribute  # noqa: E402
from keras_gan.training import run as training  # noqa: E402
from keras_gan.training.checkpoint import load_checkpoint  # noqa: E402
from keras_gan.training.config import TrainConfig  # noqa: E402


def make_gan(arch):
    keras.utils.set_random_seed(0)
    generator, discriminator = build_networks(arch)
    # A zero discriminator outputs logit 0 for everything: every BCE term is
    # log 2, whatever the noise. SGD(0) leaves it there.
    for weight in discriminator.weights:
        weight.assign(np.zeros(weight.shape, "float32"))
    gan = GAN(generator, discriminator, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    return gan


def main(arch):
    x = np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    y = np.zeros(32, "int32")
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        mirrored = make_gan(arch)
    logs = mirrored.fit(dataset, epochs=1, verbose=0, shuffle=False).history

    @tf.function
    def draw():
        return strategy.run(lambda: mirrored.sample_noise(4))

    noises = [t.numpy() for t in strategy.experimental_local_results(draw())]
    single = make_gan(arch).fit(dataset, epochs=1, verbose=0, shuffle=False).history
    print(
        json.dumps(
            {
                "replicas": strategy.num_replicas_in_sync,
                "mirrored": {k: v[-1] for k, v in logs.items()},
                "single": {k: v[-1] for k, v in single.items()},
                "replica_noise_differs": bool(not np.allclose(noises[0], noises[1])),
            }
        )
    )


class ImageNoiseGAN(GAN):
    """z taken from the real batch, so each replica's z is its slice of one device's z.

    (Random noise differs per replica by design, so an exact comparison with
    one device needs noise that follows the data. MirroredStrategy traces
    each replica in its own thread, hence the thread-local batch.)
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def train_step(self, data):
        self._local.images = data[0]
        return super().train_step(data)

    def sample_noise(self, batch_size):
        return keras.ops.reshape(self._local.images, (batch_size, -1))[:, 300 : 300 + self.latent_dim] * 2.0


class MisScaledGAN(ImageNoiseGAN):
    """The classic bug: each replica averages over its own batch, not the global one."""

    def train_discriminator(self, real_images, real_labels, global_batch):
        local = global_batch / tf.distribute.get_strategy().num_replicas_in_sync
        return super().train_discriminator(real_images, real_labels, local)

    def train_generator(self, batch_size, global_batch, *real):
        local = global_batch / tf.distribute.get_strategy().num_replicas_in_sync
        return super().train_generator(batch_size, local, *real)


class GeneratorStepGAN(ImageNoiseGAN):
    """Takes only the G step: D keeps the weights it was given."""

    def train_discriminator(self, real_images, real_labels, global_batch):
        zero = keras.ops.zeros((), "float32")
        outputs = keras.ops.zeros((tf.shape(real_images)[0], 1))
        return zero, zero, zero, outputs, outputs


def one_sgd_step(gan_class, strategy, arch, r1=0.0, d_weights=None):
    """(G's, D's) trainable weights after one SGD step from seed 0's networks (D from `d_weights` if given)."""
    with strategy.scope():
        keras.utils.set_random_seed(0)
        generator, discriminator = build_networks(arch, d_batch_norm=not r1)
        for layer in discriminator.layers:
            if isinstance(layer, keras.layers.Dropout):
                # Dropout masks are random per replica, like z: the exact comparison needs none.
                layer.rate = 0.0
        for variable, value in zip(discriminator.trainable_weights, d_weights or ()):
            variable.assign(value)
        gan = gan_class(generator, discriminator, seed=0, r1=r1)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
    x = np.random.default_rng(1).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices((x, np.zeros(32, "int32"))).batch(32)
    gan.fit(dataset, epochs=1, verbose=0, shuffle=False)
    numpy = lambda variables: [keras.ops.convert_to_numpy(v) for v in variables]  # noqa: E731
    return numpy(gan.generator.trainable_weights), numpy(gan.discriminator.trainable_weights)


def equivalence(arch, r1=0.0):
    """Max weight differences after one SGD step: 2 replicas vs 1 device, right and mis-scaled (optionally with R1).

    `d_step_diff` compares D after the step; `g_step_diff` compares G with
    one device's G step taken from the D that the 2-replica D step left.
    The whole step is two steps in a row, and G's can magnify the last-bit
    rounding of D's summed gradients, on one device alike (docs/scaling.md);
    each step from the same weights has no such excuse.
    """
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    single = tf.distribute.get_strategy()
    reference_g, reference_d = one_sgd_step(ImageNoiseGAN, single, arch, r1)
    diff = lambda weights, reference: max(float(np.abs(a - b).max()) for a, b in zip(weights, reference))  # noqa: E731
    again_g, again_d = one_sgd_step(ImageNoiseGAN, single, arch, r1)
    mirrored_g, mirrored_d = one_sgd_step(ImageNoiseGAN, mirrored, arch, r1)
    g_from_mirrored_d, _ = one_sgd_step(GeneratorStepGAN, single, arch, r1, d_weights=mirrored_d)
    mis_scaled_g, mis_scaled_d = one_sgd_step(MisScaledGAN, mirrored, arch, r1)
    print(
        json.dumps(
            {
                "d_step_diff": diff(mirrored_d, reference_d),
                "g_step_diff": diff(mirrored_g, g_from_mirrored_d),
                "mis_scaled_diff": diff(mis_scaled_g + mis_scaled_d, reference_g + reference_d),
                "repeat_diff": diff(again_g + again_d, reference_g + reference_d),
            }
        )
    )


def train_and_resume(tmp):
    """train() under MirroredStrategy on 2 devices: 2 epochs straight vs 1 + resume."""
    used = []

    def two_cpus(name, tpu=""):
        used.append(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
        return used[-1]

    distribute.make_strategy = two_cpus
    tmp = Path(tmp)
    x = np.random.default_rng(0).integers(0, 256, (256, 28, 28)).astype("uint8")
    np.savez(tmp / "d.npz", x_train=x, y_train=np.zeros(256, "uint8"))
    config = TrainConfig(
        arch="gan", epochs=2, batch_size=32, data=str(tmp / "d.npz"), grid_size=2, eval_every=0, strategy="mirrored"
    )
    straight = training.train(dataclasses.replace(config, out=str(tmp / "straight")), verbose=0)
    training.train(dataclasses.replace(config, epochs=1, out=str(tmp / "resumed")), verbose=0)
    resumed = training.train(training.resume_config(tmp / "resumed", epochs=2), resume=True, verbose=0)
    states = []
    for run in (straight, resumed):
        gan = training.build_model(config)
        load_checkpoint(gan, run / "checkpoint.npz")
        states.append([keras.ops.convert_to_numpy(v) for v in gan.generator.weights + gan.discriminator.weights])
    diff = max(float(np.abs(a - b).max()) for a, b in zip(*states))
    grids = sorted(p.name for p in resumed.glob("epoch_*.png"))
    replicas = [strategy.num_replicas_in_sync for strategy in used]
    gif = (resumed / "progress.gif").exists()
    print(json.dumps({"max_weight_diff": diff, "grids": grids, "gif": gif, "replicas": replicas}))


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train_and_resume(sys.argv[2])
    elif sys.argv[1] == "equivalence":
        equivalence(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
    else:
        main(sys.argv[1])
