"""The JAX training step: a pure function of the model's state, as Keras' JAX trainer calls it.

Keras runs it inside `jax.jit`: the networks run through `stateless_call`,
the optimizers through `stateless_apply`, and the new state is returned
instead of assigned. It takes the same step as
`keras_gan.core.tf_step.TensorFlowStep`, with the same losses.
"""

import jax
import keras

from keras_gan.core import losses


class _Subset:
    """Picks the values of some of a model's variables out of a state list, and puts new ones back."""

    def __init__(self, all_variables, variables):
        index = {id(v): i for i, v in enumerate(all_variables)}
        self.positions = [index[id(v)] for v in variables]

    def take(self, values):
        return [values[i] for i in self.positions]

    def put(self, values, new):
        values = list(values)
        for i, value in zip(self.positions, new):
            values[i] = value
        return values


class OptimizerPair:
    """Both optimizers' variables as one list: the JAX trainer carries `model.optimizer.variables` in its state."""

    built = True

    def __init__(self, gan):
        self.gan = gan

    @property
    def variables(self):
        return self.gan.d_optimizer.variables + self.gan.g_optimizer.variables


class JaxStep:
    """A stateless `train_step` (JAX backend): (state, data) -> (logs, new state), and its noise.

    The noise comes from `keras.random` on the seed generator; `train_step`
    runs it in a `StatelessScope`, so the seed's new state lands in the
    returned state rather than in a variable.
    """

    def sample_noise(self, batch_size):
        """Standard normal z [batch_size, latent_dim] from the model's seed stream."""
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def uniform_weights(self, batch_size):
        """One weight ~ U[0, 1] per sample [batch_size], for the objective's penalty on interpolates."""
        return keras.random.uniform((batch_size,), seed=self.seed_generator)

    def uniform_labels(self, batch_size):
        return keras.random.randint((batch_size,), 0, self.num_classes, seed=self.seed_generator, dtype="int32")

    def compile(self, *args, **kwargs):
        super().compile(*args, **kwargs)
        self.optimizer = OptimizerPair(self)

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_values, metric_values = state
        real_images, real_labels = self.unpack(data)
        batch_size = real_images.shape[0]
        G, D = self.generator, self.discriminator  # noqa: N806

        g_train = _Subset(self.trainable_variables, G.trainable_variables)
        d_train = _Subset(self.trainable_variables, D.trainable_variables)
        g_fixed = _Subset(self.non_trainable_variables, G.non_trainable_variables)
        d_fixed = _Subset(self.non_trainable_variables, D.non_trainable_variables)
        seed = _Subset(self.non_trainable_variables, [self.seed_generator.state])

        # Noise and labels for both updates, from the seed state carried in `state`.
        with keras.StatelessScope(state_mapping=[(self.seed_generator.state, seed.take(non_trainable)[0])]) as scope:
            fake_labels, z_d = self.sample_labels(batch_size), self.sample_noise(batch_size)
            interpolation = self.uniform_weights(batch_size) if self.objective.gradient_penalty else None
            g_labels, z_g = self.sample_labels(batch_size), self.sample_noise(batch_size)
        non_trainable = seed.put(non_trainable, [scope.get_current_value(self.seed_generator.state)])

        def g_inputs(z, labels):
            return [z, labels] if self.conditional else z

        def d_inputs(images, labels):
            return [images, labels] if self.conditional else images

        g_weights, g_state = g_train.take(trainable), g_fixed.take(non_trainable)
        d_weights, d_state = d_train.take(trainable), d_fixed.take(non_trainable)
        n_d = len(self.d_optimizer.variables)
        d_opt, g_opt = optimizer_values[:n_d], optimizer_values[n_d:]
        d_step = _Subset(self.d_optimizer.variables, [self.d_optimizer.iterations]).take(d_opt)[0]

        # D step: G makes the fakes (its batch norm statistics move, as on TensorFlow).
        fakes, g_state = G.stateless_call(g_weights, g_state, g_inputs(z_d, fake_labels), training=True)

        def discriminate(d_weights, d_state, images, labels):
            # `GAN.discriminate` as a pure function: (outputs, code logits or None), D's new state.
            outputs, d_state = D.stateless_call(d_weights, d_state, d_inputs(images, labels), training=True)
            return self.split_outputs(outputs), d_state

        def input_gradient(d_weights, d_state):
            # `TensorFlowStep.input_gradient` with jax.grad; D's state changes in this pass are dropped.
            labels = {"real": real_labels, "fake": fake_labels, "interpolates": real_labels}

            def gradient(images, on):
                def total(x):
                    (outputs, _), _ = discriminate(d_weights, d_state, x, labels[on])
                    return jax.numpy.sum(outputs.astype("float32"))

                return jax.grad(total)(images.astype("float32"))

            return gradient

        def d_loss_fn(d_weights, d_state):
            gradient = input_gradient(d_weights, d_state)
            (real_outputs, _), d_state = discriminate(d_weights, d_state, real_images, real_labels)
            (fake_outputs, code_logits), d_state = discriminate(d_weights, d_state, fakes, fake_labels)
            d_loss = self.d_objective(real_outputs, fake_outputs, batch_size)
            penalty = self.penalty(
                gradient, real_images, jax.lax.stop_gradient(fakes), interpolation, batch_size, d_step
            )
            code_loss = self.code_loss(code_logits, z_d, batch_size)
            return d_loss + penalty + code_loss, (d_state, d_loss, penalty, code_loss, real_outputs, fake_outputs)

        (_, (d_state, d_loss, penalty, code_loss, real_outputs, fake_outputs)), grads = jax.value_and_grad(
            d_loss_fn, has_aux=True
        )(d_weights, d_state)
        d_weights, d_opt = self.d_optimizer.stateless_apply(d_opt, grads, d_weights)

        # G step on fresh noise, through the updated D.
        def g_loss_fn(g_weights, g_state, d_state):
            generated, g_state = G.stateless_call(g_weights, g_state, g_inputs(z_g, g_labels), training=True)
            (outputs, code_logits), d_state = discriminate(d_weights, d_state, generated, g_labels)
            real_outputs = None
            if self.objective.relativistic:
                (real_outputs, _), d_state = discriminate(d_weights, d_state, real_images, real_labels)
            g_loss = self.g_objective(outputs, real_outputs, batch_size)
            return g_loss + self.code_loss(code_logits, z_g, batch_size), (g_state, d_state, g_loss)

        (_, (g_state, d_state, g_loss)), grads = jax.value_and_grad(g_loss_fn, has_aux=True)(
            g_weights, g_state, d_state
        )
        g_weights, g_opt = self.g_optimizer.stateless_apply(g_opt, grads, g_weights)

        trainable = d_train.put(g_train.put(trainable, g_weights), d_weights)
        non_trainable = d_fixed.put(g_fixed.put(non_trainable, g_state), d_state)

        logs, new_metric_values, start = {}, [], 0
        values = {
            "d_loss": d_loss,
            "g_loss": g_loss,
            "d_real": losses.to_probability(real_outputs, self.from_logits),
            "d_fake": losses.to_probability(fake_outputs, self.from_logits),
            "code_loss": code_loss,
            "d_penalty": penalty,
        }
        for tracker in self.metrics:
            count = len(tracker.variables)
            updated = tracker.stateless_update_state(metric_values[start : start + count], values[tracker.name])
            logs[tracker.name] = tracker.stateless_result(updated)
            new_metric_values += list(updated)
            start += count
        return logs, (trainable, non_trainable, d_opt + g_opt, new_metric_values)
