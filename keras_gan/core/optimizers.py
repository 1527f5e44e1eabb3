"""The optimizers of a GAN: Adam, optionally with an EMA of the weights it trains.

The EMA's strength is either a fixed momentum (Keras' own `use_ema`) or,
as in StyleGAN2-ADA, a half-life counted in images that ramps up with the
images seen. A fixed momentum of 0.999 still gives the first step's random
weights 21% of the average after 100,000 images at batch 64; the ramp
forgets them, so early epochs are not held back (docs/results.md).
"""

import keras
from keras import ops

# The half-life never exceeds this share of the images seen so far.
EMA_RAMP = 0.05


def default_optimizer(lr=2e-4, beta1=0.5, ema=0.0, beta2=0.999, ema_kimg=0.0, batch_size=None):
    """Adam(2e-4, beta_1=0.5), the DCGAN paper's setting.

    Args:
        lr: Learning rate, or a `LearningRateSchedule`.
        beta1: Adam's beta_1.
        ema: If not 0, the optimizer also keeps an exponential moving
            average of the weights it trains, with this momentum (Keras'
            `use_ema`). `GAN.averaged_generator()` samples with it.
        beta2: Adam's beta_2.
        ema_kimg: If not 0 (and `ema` is not 0), the average's half-life
            in thousands of images instead of the fixed momentum, ramped
            up as `EMA_RAMP` of the images seen (`HalfLifeEMAAdam`).
        batch_size: Images per step (the global batch); needed by `ema_kimg`.
    """
    if ema and ema_kimg:
        return HalfLifeEMAAdam(ema_kimg, batch_size, learning_rate=lr, beta_1=beta1, beta_2=beta2)
    if ema:
        return keras.optimizers.Adam(learning_rate=lr, beta_1=beta1, beta_2=beta2, use_ema=True, ema_momentum=ema)
    return keras.optimizers.Adam(learning_rate=lr, beta_1=beta1, beta_2=beta2)


def ema_momentum(step, ema_kimg, batch_size, ramp=EMA_RAMP):
    """The momentum of the average at 0-based `step` for a half-life of `ema_kimg` thousand images.

    After `n` images the half-life is `min(1000 * ema_kimg, ramp * n)`
    images; one step of `batch_size` images multiplies the old average by
    0.5 ** (batch_size / half-life).
    """
    images = (ops.cast(step, "float32") + 1.0) * batch_size
    half_life = ops.minimum(1000.0 * ema_kimg, ramp * images)
    return ops.power(0.5, batch_size / ops.maximum(half_life, 1e-8))


@keras.saving.register_keras_serializable(package="keras_gan")
class HalfLifeEMAAdam(keras.optimizers.Adam):
    """Adam keeping an EMA of its weights whose half-life is counted in images.

    Args:
        ema_kimg: The half-life in thousands of images once ramped up.
        batch_size: Images per step (the global batch under a strategy).
        **kwargs: For `keras.optimizers.Adam` (not `use_ema`).
    """

    def __init__(self, ema_kimg, batch_size, **kwargs):
        kwargs.pop("use_ema", None)
        kwargs.pop("ema_momentum", None)
        super().__init__(use_ema=True, **kwargs)
        self.ema_kimg = float(ema_kimg)
        self.batch_size = int(batch_size)

    def _update_model_variables_moving_average(self, trainable_variables):
        # Keras' own update, with the momentum a function of the step; both backends call it.
        momentum = ema_momentum(self.iterations, self.ema_kimg, self.batch_size)
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            if average is not None:
                m = ops.cast(momentum, var.dtype)
                average.assign(m * average + (1 - m) * var)

    def get_config(self):
        return {**super().get_config(), "ema_kimg": self.ema_kimg, "batch_size": self.batch_size}
