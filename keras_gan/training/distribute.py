"""Choosing the `tf.distribute` strategy that `--strategy` names.

The engine is written for any strategy: losses are divided by the global
batch, each replica draws its own noise, and metrics are aggregated across
replicas (see `keras_gan.core.tf_step`). `batch_size` is the global batch; Keras
splits each batch across the replicas.

TensorFlow is imported inside the functions that use it, only on the
TensorFlow backend: the JAX backend trains without TensorFlow installed.
"""

import contextlib
import json
import os

import keras

from keras_gan.errors import UserError, invalid
from keras_gan.training.config import STRATEGIES


def make_strategy(name="auto", tpu=""):
    """Returns the strategy called `name`.

    Args:
        name: "auto" (MirroredStrategy over all GPUs when there are several,
            else the default strategy), "default" (one device), "mirrored"
            (MirroredStrategy over every visible GPU, or the CPU),
            "multiworker" (MultiWorkerMirroredStrategy over the cluster in
            the `TF_CONFIG` environment variable) or "tpu" (TPUStrategy).
        tpu: For "tpu": a TPU name or `grpc://host:port`; empty for the TPU
            attached to this VM.

    Raises:
        UserError: an unknown name, a missing or bad `TF_CONFIG`, or an
            unreachable TPU.
    """
    if name not in STRATEGIES:
        raise invalid("strategy", name, f"one of {list(STRATEGIES)}")
    if keras.backend.backend() != "tensorflow":
        if name not in ("auto", "default"):
            raise UserError(
                f"`strategy`={name!r} is tf.distribute: it needs KERAS_BACKEND=tensorflow", argument="strategy"
            )
        return NoStrategy()
    import tensorflow as tf  # deferred: the JAX backend runs without TensorFlow installed

    if name == "auto":
        name = "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "default"
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        _check_tf_config()
        return tf.distribute.MultiWorkerMirroredStrategy()
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu or None)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, OSError, tf.errors.OpError) as e:  # OSError: the TPU's name does not resolve
        where = tpu or "this VM"
        raise UserError(f"`strategy`='tpu': no TPU at {where} ({str(e).splitlines()[0]})", argument="tpu") from None
    return tf.distribute.TPUStrategy(resolver)


class NoStrategy:
    """The strategy of a backend without `tf.distribute`: a no-op scope, one process (JAX's default device)."""

    num_replicas_in_sync = 1
    cluster_resolver = None

    def scope(self):
        return contextlib.nullcontext()


def _check_tf_config():
    """One clear error for a missing or malformed TF_CONFIG, before TensorFlow's own."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise UserError(
            "`strategy`='multiworker' reads the cluster from TF_CONFIG, which is not set (docs/scaling.md)",
            argument="strategy",
        )
    try:
        config = json.loads(raw)
        workers = config["cluster"]["worker"]
        task = config["task"]
        assert task["type"] in ("worker", "chief") and isinstance(task["index"], int) and workers
    except (ValueError, KeyError, TypeError, AssertionError):
        raise UserError(
            'TF_CONFIG must look like {"cluster": {"worker": ["host1:port", ...]}, '
            '"task": {"type": "worker", "index": 0}}'
        ) from None


def is_chief(strategy):
    """Whether this process writes the run folder: always, except the non-chief workers of a cluster.

    With only workers, worker 0 is the chief (TensorFlow's convention).
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


def precision_policy(mixed):
    """The Keras dtype policy: float32, or mixed_float16 with a GPU, else mixed_bfloat16 (CPU, TPU).

    On the JAX backend always mixed_bfloat16: its stateless step does no loss scaling.
    """
    if not mixed:
        return "float32"
    if keras.backend.backend() == "jax":
        return "mixed_bfloat16"
    import tensorflow as tf  # deferred: TensorFlow backend only

    return "mixed_float16" if tf.config.list_logical_devices("GPU") else "mixed_bfloat16"


def use_jit(jit):
    """XLA on or off; `None` means on with a GPU, off on a CPU (docs/performance.md).

    On the JAX backend `None` means on: JAX without jit runs op by op.
    """
    if jit is not None:
        return jit
    if keras.backend.backend() == "jax":
        return True
    import tensorflow as tf  # deferred: TensorFlow backend only

    return bool(tf.config.list_logical_devices("GPU"))
