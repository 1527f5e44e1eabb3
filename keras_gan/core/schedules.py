"""The learning-rate schedule of the default recipes: constant, then a linear fall to 0."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class LinearTail(keras.optimizers.schedules.LearningRateSchedule):
    """`lr` for the first `1 - decay` of `total_steps`, then linearly down to 0.

    Annealing the rate at the end averages away the step-to-step jitter of
    the two-player game, much as the EMA of G does; measured on MNIST it is
    the cheapest late gain (docs/results.md).

    Args:
        lr: The initial learning rate.
        total_steps: Steps in the whole run. After it the rate stays 0.
        decay: The fraction of the run, at its end, over which the rate
            falls; 0 keeps it constant.
    """

    def __init__(self, lr, total_steps, decay):
        self.lr = float(lr)
        self.total_steps = int(total_steps)
        self.decay = float(decay)

    def __call__(self, step):
        if not self.decay:
            return ops.convert_to_tensor(self.lr, "float32")
        start = self.total_steps * (1.0 - self.decay)
        span = max(self.total_steps - start, 1.0)
        done = ops.clip((ops.cast(step, "float32") - start) / span, 0.0, 1.0)
        return self.lr * (1.0 - done)

    def get_config(self):
        return {"lr": self.lr, "total_steps": self.total_steps, "decay": self.decay}
