"""The GAN engine: one `keras.Model` that trains any registered network pair."""

import contextlib

import keras
import numpy as np
from keras import ops

from keras_gan.core import losses, penalties
from keras_gan.core.optimizers import default_optimizer
from keras_gan.errors import invalid

# The one part of the engine that differs per backend: how a step gets its gradients.
if keras.backend.backend() == "jax":
    from keras_gan.core.jax_step import JaxStep as BackendStep
else:
    from keras_gan.core.tf_step import TensorFlowStep as BackendStep


def _uses_ema(optimizer):
    inner = getattr(optimizer, "inner_optimizer", optimizer)  # under a LossScaleOptimizer
    return bool(getattr(inner, "use_ema", False))


def _code_values(discriminator):
    # InfoGAN's D returns [outputs, code_logits [batch, codes]]; others one output.
    outputs = getattr(discriminator, "outputs", None) or []
    return int(outputs[1].shape[-1]) if len(outputs) == 2 else 0


@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(BackendStep, keras.Model):
    """A generator and a discriminator trained against each other by `fit()`.

    Each `train_step` first updates D on a real batch and a generated batch,
    then updates G on fresh noise, scored against the "valid" label. Calling
    the model on noise runs the generator. `train_step` comes from
    `BackendStep` (GradientTape on TensorFlow, stateless on JAX); what the
    two updates minimise comes from hooks here: `d_objective`,
    `g_objective`, `penalty` and `code_loss`.

    A conditional GAN (`num_classes` set) uses the same step: its generator
    takes `[z, labels]`, its discriminator `[images, labels]`, real batches
    come with their labels and fakes get labels drawn uniformly. The only
    difference lives in the two small hooks `generate` and `discriminate`.

    With latent codes (InfoGAN: a discriminator with a second output, the
    code logits) G reads a categorical code off z and D also predicts that
    code; both networks add the code's cross-entropy on generated images
    (`code_loss`) to their GAN loss.

    Args:
        generator: Maps z [batch, latent_dim] (and labels [batch]) to images
            in [-1, 1].
        discriminator: Maps images (and labels) to [batch, 1] logits
            (`from_logits=True`) or probabilities.
        latent_dim: Length of z.
        from_logits: How the BCE loss reads D's output.
        seed: Seed of the noise stream; `None` for a random one.
        num_classes: Number of labels of a conditional GAN; `None` for an
            unconditional one.
        loss: The objective, a key of `keras_gan.core.losses.OBJECTIVES`.
        r1: Weight gamma of the R1 penalty on real images (0: off).
        r2: Weight gamma of the R2 penalty on generated images (0: off).
        reg_every: Compute the gradient penalties every this many steps,
            scaled by it (lazy regularization, Karras et al. 2020).
        **kwargs: Forwarded to `keras.Model`.

    Example:

    >>> generator, discriminator = keras_gan.core.architectures.build_networks("gan")
    >>> gan = GAN(generator, discriminator, seed=0)
    >>> gan.compile()
    >>> gan.fit(images_in_minus1_1, epochs=1, batch_size=64)
    >>> samples = gan(keras.random.normal((16, 100)))
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=100,
        from_logits=True,
        seed=None,
        num_classes=None,
        loss="bce",
        r1=0.0,
        r2=0.0,
        reg_every=1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.from_logits = from_logits
        self.seed = seed
        self.num_classes = num_classes
        self.loss = loss
        self.objective = losses.get_objective(loss, from_logits)
        for name, value in (("r1", r1), ("r2", r2)):
            if not value >= 0:
                raise invalid(name, value, "a weight >= 0 (0: off)")
        if isinstance(reg_every, bool) or not isinstance(reg_every, int) or reg_every < 1:
            raise invalid("reg_every", reg_every, "a positive integer")
        self.r1 = float(r1)
        self.r2 = float(r2)
        self.reg_every = reg_every
        self.codes = _code_values(discriminator)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        # D's mean probability of "real": both near 1 or both near 0 means
        # D has won or lost outright, a collapse you can see in the bar.
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        # How well D recovers G's code: ln(codes) while G ignores it, near 0
        # once every code draws something D can tell apart.
        self.code_loss_tracker = keras.metrics.Mean(name="code_loss")
        # The gradient penalties' share of D's loss, as applied (lazily: k times, every k steps).
        self.penalty_tracker = keras.metrics.Mean(name="d_penalty")
        # Both sub-networks are built; this lets fit() run under a
        # tf.distribute strategy without a symbolic build of the whole model.
        self.built = True

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Sets one optimizer per network (default `default_optimizer()`).

        Both are built here, so that under a distribution strategy their
        variables are created inside the strategy's scope.
        """
        super().compile(optimizer=None, **kwargs)
        self.d_optimizer = d_optimizer or default_optimizer()
        self.g_optimizer = g_optimizer or default_optimizer()
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        trackers = [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]
        if self.codes:
            trackers.append(self.code_loss_tracker)
        if self.penalized:
            trackers.append(self.penalty_tracker)
        return trackers

    @property
    def penalized(self):
        """Whether D's loss has a gradient penalty (R1, R2, or the objective's own)."""
        return bool(self.r1 or self.r2 or self.objective.gradient_penalty)

    @property
    def conditional(self):
        return self.num_classes is not None

    @contextlib.contextmanager
    def averaged_generator(self):
        """The generator with the moving average of its weights swapped in.

        A GAN's generator weights keep oscillating around a good solution;
        their average makes cleaner digits than any single step
        (Yazici et al. 2019). Training keeps the raw weights: they come back
        when the block ends. Without an averaging G optimizer (`ema=0`), or
        before the first step, this is the generator as it is.

        Example:

        >>> with gan.averaged_generator() as generator:
        ...     samples = generator(z)
        """
        optimizer = self.g_optimizer
        if not _uses_ema(optimizer) or int(keras.ops.convert_to_numpy(optimizer.iterations)) == 0:
            yield self.generator
            return
        weights = self.generator.trainable_variables
        raw = [keras.ops.convert_to_numpy(v) for v in weights]
        optimizer.finalize_variable_values(weights)  # Keras' own swap to the average
        try:
            yield self.generator
        finally:
            for variable, value in zip(weights, raw):
                variable.assign(value)

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    # sample_noise(batch_size) comes from BackendStep: how the seed
    # stream is drawn differs per backend (per replica under tf.distribute).

    def sample_labels(self, batch_size):
        """Uniform labels [batch_size] for a conditional GAN's fakes; `None` otherwise."""
        return self.uniform_labels(batch_size) if self.conditional else None

    def unpack(self, data):
        """(images, labels) of a batch; labels may be `None` only for an unconditional GAN."""
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if self.conditional and labels is None:
            raise ValueError("A conditional GAN trains on (images, labels) batches. Received: images only")
        return images, labels

    def generate(self, z, labels=None, training=False):
        """G(z), or G(z, labels) for a conditional GAN."""
        return self.generator([z, labels] if self.conditional else z, training=training)

    def discriminate(self, images, labels=None, training=False):
        """D(images), or D(images, labels) for a conditional GAN.

        Returns:
            (D's outputs [batch, 1], its code logits [batch, codes] or `None`
            without latent codes).
        """
        outputs = self.discriminator([images, labels] if self.conditional else images, training=training)
        return self.split_outputs(outputs)

    def split_outputs(self, outputs):
        """D's raw output as (outputs [batch, 1], code logits [batch, codes] or `None`)."""
        return tuple(outputs) if self.codes else (outputs, None)

    def d_objective(self, real_outputs, fake_outputs, global_batch_size):
        """D's loss from its outputs on a real and a generated batch (the chosen objective)."""
        return self.objective.d_loss(real_outputs, fake_outputs, self.from_logits, global_batch_size)

    def g_objective(self, fake_outputs, real_outputs, global_batch_size):
        """G's loss; `real_outputs` is used (and needed) only by a relativistic objective."""
        return self.objective.g_loss(fake_outputs, real_outputs, self.from_logits, global_batch_size)

    def penalty(self, input_gradient, real_images, fake_images, interpolation, global_batch_size, step):
        """The gradient penalties of D's loss: R1 on reals, R2 on fakes, and the objective's own.

        Args:
            input_gradient: `(images, on) -> grad_images sum(D(images))`, the
                backend's gradient of D with respect to its input; `on` is
                "real", "fake" or "interpolates", which picks the labels of
                a conditional D.
            real_images: The real batch.
            fake_images: The generated batch (no gradient flows to G).
            interpolation: One weight in [0, 1] per sample, for the
                objective's penalty on interpolates.
            global_batch_size: Divides the summed per-example penalties.
            step: D's step count; with `reg_every` = k the penalties are
                computed on every k-th step only, multiplied by k.

        Returns:
            A float32 scalar (0 when no penalty is on).
        """

        def terms():
            total = ops.zeros((), "float32")
            if self.r1:
                total += penalties.zero_centered(input_gradient(real_images, "real"), self.r1, global_batch_size)
            if self.r2:
                total += penalties.zero_centered(input_gradient(fake_images, "fake"), self.r2, global_batch_size)
            if self.objective.gradient_penalty:
                mixed = penalties.interpolate(real_images, fake_images, interpolation)
                gradients = input_gradient(mixed, "interpolates")
                total += penalties.one_centered(gradients, self.objective.gradient_penalty, global_batch_size)
            return total

        if not self.penalized:
            return ops.zeros((), "float32")
        if self.reg_every == 1:
            return terms()
        due = ops.equal(ops.mod(ops.cast(step, "int64"), self.reg_every), 0)
        return ops.cond(due, lambda: terms() * float(self.reg_every), lambda: ops.zeros((), "float32"))

    def code_loss(self, code_logits, z, global_batch_size):
        """The InfoGAN term both networks add on generated images; 0 without latent codes."""
        if not self.codes:
            return 0.0
        return losses.code_loss(code_logits, z, self.codes, global_batch_size)

    def get_config(self):
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=keras.saving.serialize_keras_object(self.discriminator),
            latent_dim=self.latent_dim,
            from_logits=self.from_logits,
            seed=self.seed,
            num_classes=self.num_classes,
            loss=self.loss,
            r1=self.r1,
            r2=self.r2,
            reg_every=self.reg_every,
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
        }

    def compile_from_config(self, config):
        self.compile(
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
        )


def all_finite(model):
    """True if every weight of `model` (of a GAN: G's and D's) is finite."""
    return all(np.isfinite(keras.ops.convert_to_numpy(v)).all() for v in model.weights)
