"""Runs in its own process: 2 logical CPU devices must exist before TensorFlow starts.

Prints one JSON line that tests/test_distribute.py checks.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan.engine import GAN  # noqa: E402
from keras_gan.networks import build_networks  # noqa: E402


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


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "gan")
