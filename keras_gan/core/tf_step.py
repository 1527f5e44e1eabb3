"""The TensorFlow training step: `tf.GradientTape` updates that also run under `tf.distribute`.

`GAN` (in `keras_gan.core.engine`) inherits `train_step` from this class on
the TensorFlow backend, and from `keras_gan.core.jax_step.JaxStep` on JAX.
Both do the same thing: one D update on a real and a generated batch, then
one G update on fresh noise scored against the "valid" label, with the same
loss functions (`keras_gan.core.losses`), networks, data and callbacks.
Here losses are divided by the global batch and each replica draws its own
noise, so N replicas take the step one device would.
"""

import tensorflow as tf
from keras import ops

from keras_gan.core import losses


class TensorFlowStep:
    """`train_step` with `tf.GradientTape` (TensorFlow backend), and its noise."""

    def sample_noise(self, batch_size):
        """Standard normal z [batch_size, latent_dim] from the model's seed stream."""
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=self._replica_seed())

    def uniform_weights(self, batch_size):
        """One weight ~ U[0, 1] per sample [batch_size], for the objective's penalty on interpolates."""
        return tf.random.stateless_uniform((batch_size,), seed=self._replica_seed())

    def input_gradient(self, real_labels, fake_labels):
        """`(images, on) -> grad_images sum(D(images))` by a nested tape, in float32 (see `GAN.penalty`)."""
        labels = {"real": real_labels, "fake": fake_labels, "interpolates": real_labels}

        def gradient(images, on):
            images = tf.cast(images, "float32")
            with tf.GradientTape() as tape:
                tape.watch(images)
                outputs, _ = self.discriminate(images, labels[on], training=True)
                total = tf.reduce_sum(tf.cast(outputs, "float32"))
            return tape.gradient(total, images)

        return gradient

    def uniform_labels(self, batch_size):
        return tf.random.stateless_uniform(
            (batch_size,), seed=self._replica_seed(), minval=0, maxval=self.num_classes, dtype="int32"
        )

    def _replica_seed(self):
        """The next seed of the stream, folded with the replica id under tf.distribute.

        Every replica holds the same copy of the seed state: without the fold,
        all replicas would draw the same noise and see the same fakes.
        """
        seed = tf.cast(self.seed_generator.next(), "int64")
        replica = tf.distribute.get_replica_context()
        if replica is None or replica.num_replicas_in_sync == 1:
            return seed
        return tf.random.experimental.stateless_fold_in(seed, replica.replica_id_in_sync_group)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras' TensorFlow fit() averages the first batch over the replicas
        # (strategy.reduce) to build compiled losses and metrics symbolically.
        # This GAN has neither (its networks are built, its losses live in
        # train_step), and under MultiWorkerMirroredStrategy that reduce fails
        # ("Attempt to convert a value (PerReplica...)"). Nothing to build.
        return

    def train_step(self, data):
        # Batches are (images, labels); labels matter only to a conditional GAN.
        real_images, labels = self.unpack(data)
        batch_size = tf.shape(real_images)[0]  # dynamic: the last batch may be smaller
        # Losses are divided by the global batch: see keras_gan.core.losses.
        global_batch = ops.cast(batch_size * tf.distribute.get_strategy().num_replicas_in_sync, "float32")
        d_loss, penalty, code_loss, real_outputs, fake_outputs = self.train_discriminator(
            real_images, labels, global_batch
        )
        g_loss = self.train_generator(batch_size, global_batch, real_images, labels)

        # Each replica's loss is its share of the global mean. Weighting the
        # trackers by the local batch makes their cross-replica sums the true
        # mean over the global batch, not that mean / num_replicas.
        local_batch = ops.cast(batch_size, "float32")
        self.d_loss_tracker.update_state(d_loss * global_batch / local_batch, sample_weight=local_batch)
        self.g_loss_tracker.update_state(g_loss * global_batch / local_batch, sample_weight=local_batch)
        self.d_real_tracker.update_state(losses.to_probability(real_outputs, self.from_logits))
        self.d_fake_tracker.update_state(losses.to_probability(fake_outputs, self.from_logits))
        if self.codes:
            self.code_loss_tracker.update_state(code_loss * global_batch / local_batch, sample_weight=local_batch)
        if self.penalized:
            self.penalty_tracker.update_state(penalty * global_batch / local_batch, sample_weight=local_batch)
        results = {m.name: m.result() for m in self.metrics}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # fit() averages each value over the workers with reduce(axis=0),
            # which needs rank 1 ("Invalid reduction dimension 0" on scalars).
            results = {name: ops.reshape(value, [1]) for name, value in results.items()}
        return results

    def train_discriminator(self, real_images, real_labels, global_batch):
        """One D step on a real batch and a generated batch; G's weights are not touched.

        Returns:
            (d_loss without penalties, the gradient penalties, the code loss
            on the fakes (0 without latent codes), D's outputs on the real
            batch, D's outputs on the fakes).
        """
        batch_size = tf.shape(real_images)[0]
        fake_labels = self.sample_labels(batch_size)
        z = self.sample_noise(batch_size)
        fake_images = self.generate(z, fake_labels, training=True)
        # Drawn only when used, so that the other objectives' noise streams stay as they were.
        interpolation = self.uniform_weights(batch_size) if self.objective.gradient_penalty else None
        with tf.GradientTape() as tape:
            real_outputs, _ = self.discriminate(real_images, real_labels, training=True)
            fake_outputs, code_logits = self.discriminate(fake_images, fake_labels, training=True)
            d_loss = self.d_objective(real_outputs, fake_outputs, global_batch)
            gradient = self.input_gradient(real_labels, fake_labels)
            penalty = self.penalty(
                gradient, real_images, fake_images, interpolation, global_batch, self.d_optimizer.iterations
            )
            code_loss = self.code_loss(code_logits, z, global_batch)
            # A LossScaleOptimizer (float16) scales the loss here and unscales in apply().
            scaled = self.d_optimizer.scale_loss(d_loss + penalty + code_loss)
        weights = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(scaled, weights), weights)
        return d_loss, penalty, code_loss, real_outputs, fake_outputs

    def train_generator(self, batch_size, global_batch, real_images=None, real_labels=None):
        """One G step on fresh noise, scored against the "valid" label; D is not updated.

        A relativistic objective also scores D on the real batch, which G's
        loss compares with its fakes.

        Returns:
            g_loss (without the code loss).
        """
        labels = self.sample_labels(batch_size)
        z = self.sample_noise(batch_size)
        with tf.GradientTape() as tape:
            generated = self.generate(z, labels, training=True)
            fake_outputs, code_logits = self.discriminate(generated, labels, training=True)
            real_outputs = None
            if self.objective.relativistic:
                real_outputs, _ = self.discriminate(real_images, real_labels, training=True)
            g_loss = self.g_objective(fake_outputs, real_outputs, global_batch)
            scaled = self.g_optimizer.scale_loss(g_loss + self.code_loss(code_logits, z, global_batch))
        weights = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(scaled, weights), weights)
        return g_loss
