"""Custom layers: a batch norm that trains with TensorFlow's fused kernel, InfoGAN's latent code, and a
discriminator's view of its batch's spread."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization` with a fused training pass on TensorFlow.

    Keras 3 normalizes a training batch with separate mean, variance,
    subtract, multiply and add ops, and their gradients, each a full pass
    over the activations. TensorFlow's `FusedBatchNormV3` (a oneDNN kernel
    on CPUs) does the forward pass in one op and the backward pass in one
    more. The result is the same layer: same variables, same outputs and
    gradients (to float32 round-off), same moving statistics and config.

    The fused pass is used while training on TensorFlow with a channels-last
    input and one replica in sync. Otherwise (inference, the JAX backend, or
    a synchronized batch norm across several replicas, whose statistics
    must cover the global batch) this is Keras' own layer.
    """

    def __init__(self, synchronized=False, **kwargs):
        # Synchronization is tf.distribute's. A model saved on TensorFlow
        # (the pretrained generators) records synchronized=True, which Keras
        # refuses on other backends; there one process holds the whole batch.
        super().__init__(synchronized=synchronized and keras.backend.backend() == "tensorflow", **kwargs)

    def call(self, inputs, training=None, mask=None):
        if not (training and self.trainable and self._can_fuse(inputs, mask)):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf  # deferred: the JAX backend runs without TensorFlow installed

        x = ops.cast(inputs, "float32")
        channels = x.shape[-1]
        # The kernel takes NHWC: a [batch, channels] input becomes [batch, 1, 1, channels].
        x4 = tf.reshape(x, [-1, 1, 1, channels]) if len(x.shape) == 2 else x
        gamma = ops.cast(self.gamma, "float32") if self.scale else tf.ones([channels])
        beta = ops.cast(self.beta, "float32") if self.center else tf.zeros([channels])
        result = tf.raw_ops.FusedBatchNormV3(
            x=x4,
            scale=gamma,
            offset=beta,
            mean=tf.zeros([0]),
            variance=tf.zeros([0]),
            epsilon=self.epsilon,
            data_format="NHWC",
            is_training=True,
        )
        outputs, mean, variance = result.y, result.batch_mean, result.batch_variance
        # The kernel's variance is unbiased (divided by n - 1); Keras keeps
        # the biased one (divided by n) in its moving statistics.
        n = ops.cast(ops.size(x) // channels, "float32")
        variance = variance * (n - 1.0) / n
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        if len(x.shape) == 2:
            outputs = tf.reshape(outputs, tf.shape(x))
        return ops.cast(outputs, self.compute_dtype)

    def _can_fuse(self, inputs, mask):
        if keras.backend.backend() != "tensorflow" or mask is not None or self.renorm:
            return False
        if len(inputs.shape) not in (2, 4) or self.axis not in (-1, len(inputs.shape) - 1):
            return False
        if self.epsilon < 1.001e-5:  # the kernel's lower bound
            return False
        replica = _replica_context()
        return not (self.synchronized and replica is not None and replica.num_replicas_in_sync > 1)


def latent_code(z, codes):
    """The categorical code carried by z: argmax of its first `codes` entries.

    The argmax of `codes` independent standard normals is uniform over
    `codes` values, so z ~ N(0, 1) alone picks a code, with no second input.
    """
    return ops.argmax(z[:, :codes], axis=-1)


@keras.saving.register_keras_serializable(package="keras_gan")
class LatentCode(keras.layers.Layer):
    """z -> [one_hot(latent_code(z)), z[:, codes:]], an InfoGAN generator's input.

    A generator fed a discrete code can jump between digits instead of
    morphing one into the next through the space between them, where
    malformed digits live (Chen et al. 2016). The code is read off z itself,
    so the generator still takes z alone: sampling, exports and the browser
    demo are unchanged.

    Args:
        codes: Number of code values (one-hot width); z's first `codes`
            entries choose it and are not used otherwise.
        **kwargs: Forwarded to `keras.layers.Layer`.
    """

    def __init__(self, codes, **kwargs):
        super().__init__(**kwargs)
        self.codes = codes

    def call(self, z):
        # one_hot(argmax) written as "equals the row's max": Keras' argmax on
        # TensorFlow emits a Bitcast (its -0.0 check) that the TF.js converter
        # cannot map. The same one-hot unless two entries tie exactly, which
        # normal draws do with probability zero.
        head = z[:, : self.codes]
        one_hot = ops.cast(ops.equal(head, ops.max(head, axis=-1, keepdims=True)), self.compute_dtype)
        return ops.concatenate([one_hot, ops.cast(z[:, self.codes :], self.compute_dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "codes": self.codes}


@keras.saving.register_keras_serializable(package="keras_gan")
class MinibatchStddev(keras.layers.Layer):
    """Appends one channel holding how much the batch varies (Karras et al. 2018, "minibatch stddev").

    A discriminator that judges each image alone cannot tell a generator that
    draws a few kinds of digit from one that draws them all: every fake can
    look real. Shown the batch's spread, it can, and G is pushed to cover
    more of the digits (recall). D scores real and generated batches apart
    (`train_discriminator`), so a narrow generated batch stands out.

    The spread is the standard deviation of every feature over the batch,
    averaged over features and positions into one number, and appended to
    every image as a constant channel: [batch, h, w, c] -> [batch, h, w, c + 1].
    Under tf.distribute with several replicas in sync it covers the global
    batch, as the synchronized batch norm's statistics do, so N replicas
    train the model one device would.

    With `group_size` (ProGAN's and StyleGAN's 4) the spread is taken over
    groups of that many consecutive images instead, and each image gets its
    own group's number. A batch of any size works: a last, smaller group
    has its own, smaller count (a group of one has no spread). Groups lie
    inside a replica's batch, so under tf.distribute nothing crosses replicas.

    Args:
        group_size: images per group, at least 2; `None` for the whole batch.
    """

    def __init__(self, group_size=None, **kwargs):
        super().__init__(**kwargs)
        valid = isinstance(group_size, int) and not isinstance(group_size, bool) and group_size >= 2
        if group_size is not None and not valid:
            raise ValueError(
                f"MinibatchStddev: group_size must be an integer >= 2 or None. Received: group_size={group_size!r}"
            )
        self.group_size = group_size

    def call(self, inputs):
        x = ops.cast(inputs, "float32")  # float32 under mixed precision: a variance of small differences
        if self.group_size is None:
            spread = ops.mean(ops.sqrt(_batch_variance(x) + 1e-8))  # one number for the batch
        else:
            spread = _group_spread(x, self.group_size)  # one per image
        channel = ops.ones_like(x[..., :1]) * spread
        return ops.concatenate([inputs, ops.cast(channel, inputs.dtype)], axis=-1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)


def _batch_variance(x):
    """Each feature's variance over the batch (axis 0), over every replica's batch when there are several."""
    replica = _replica_context()
    if replica is None or replica.num_replicas_in_sync == 1:
        return ops.var(x, axis=0)
    import tensorflow as tf  # deferred: only reached under tf.distribute

    count = replica.all_reduce("sum", tf.cast(tf.shape(x)[0], "float32"))
    mean = replica.all_reduce("sum", tf.reduce_sum(x, axis=0)) / count
    return replica.all_reduce("sum", tf.reduce_sum(tf.square(x - mean), axis=0)) / count


def _group_spread(x, group_size):
    """The spread of each image's group of `group_size` consecutive images, as `call` takes it: [batch, 1, ..., 1]."""
    batch = ops.shape(x)[0]  # a tensor in a TensorFlow graph whose batch is not fixed
    group = ops.arange(batch) // group_size
    groups = (batch + group_size - 1) // group_size
    per_group = (-1,) + (1,) * (len(x.shape) - 1)
    count = ops.reshape(ops.segment_sum(ops.ones_like(group, dtype=x.dtype), group, num_segments=groups), per_group)
    mean = ops.segment_sum(x, group, num_segments=groups) / count
    variance = ops.segment_sum(ops.square(x - ops.take(mean, group, axis=0)), group, num_segments=groups) / count
    spread = ops.mean(ops.sqrt(variance + 1e-8), axis=tuple(range(1, len(x.shape))), keepdims=True)  # [groups, 1, ...]
    return ops.take(spread, group, axis=0)


def _replica_context():
    # tf.distribute's replica context; None on the other backends, where one process holds the batch.
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf  # deferred: the JAX backend runs without TensorFlow installed

    return tf.distribute.get_replica_context()
