"""Choosing the `tf.distribute` strategy that `--strategy` names.

The engine is written for any strategy: losses are divided by the global
batch, each replica draws its own noise, and metrics are aggregated across
replicas (see `keras_gan.engine`). `--batch-size` is the global batch; Keras
splits each batch across the replicas.
"""

import tensorflow as tf

from keras_gan.errors import UserError

STRATEGIES = ("auto", "default", "mirrored")


def make_strategy(name="auto"):
    """Returns the strategy called `name`.

    Args:
        name: "auto" (MirroredStrategy over all GPUs when there are several,
            else the default strategy), "default" (one device), or "mirrored"
            (MirroredStrategy over every visible GPU, or the CPU).
    """
    if name not in STRATEGIES:
        raise UserError(f"--strategy must be one of {list(STRATEGIES)}. Received: {name!r}")
    if name == "auto":
        name = "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "default"
    if name == "default":
        return tf.distribute.get_strategy()
    return tf.distribute.MirroredStrategy()
