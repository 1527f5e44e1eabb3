import keras
import numpy as np
import pytest

from keras_gan.core.optimizers import HalfLifeEMAAdam, default_optimizer, ema_momentum


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (0, 0.5 ** (64 / 3.2)),  # 64 images seen: the half-life is 5% of them, so the average is nearly the weights
        (99, 0.5 ** (64 / 320.0)),  # still ramping
        (15_624, 0.5 ** (64 / 10_000.0)),  # 1M images: the full 10k-image half-life
    ],
)
def test_momentum_ramps_up_to_the_half_life(step, expected):
    assert float(ema_momentum(step, 10.0, 64)) == pytest.approx(expected, rel=1e-5)


def test_the_average_follows_the_scheduled_momenta():
    """Three SGD-sized steps on one weight, the average checked by hand."""
    weight = keras.Variable(np.zeros(2, "float32"))
    adam = HalfLifeEMAAdam(0.1, 32, learning_rate=0.1)
    adam.build([weight])
    average, values = None, []
    for step in range(3):
        adam.apply_gradients([(np.array([1.0, -1.0], "float32"), weight)])
        values.append(weight.numpy().copy())
        m = 0.5 ** (32 / min(100.0, 0.05 * (step + 1) * 32))
        average = values[-1] if average is None else m * average + (1 - m) * values[-1]
        # the first step's momentum is 0.5**20: the average starts as the weights
        np.testing.assert_allclose(adam._model_variables_moving_average[0].numpy(), average, rtol=1e-5, atol=1e-7)
    assert not np.allclose(average, values[-1])  # by step 3 the ramp has started to average


def test_default_optimizer_picks_the_average():
    assert not default_optimizer().use_ema
    fixed = default_optimizer(ema=0.99)
    assert fixed.use_ema and not isinstance(fixed, HalfLifeEMAAdam)
    ramped = default_optimizer(ema=0.999, ema_kimg=10, batch_size=64, beta2=0.99)
    assert isinstance(ramped, HalfLifeEMAAdam) and ramped.batch_size == 64 and ramped.beta_2 == 0.99


def test_serializes():
    copy = HalfLifeEMAAdam.from_config(HalfLifeEMAAdam(10, 64, learning_rate=1e-3).get_config())
    assert (copy.ema_kimg, copy.batch_size, copy.use_ema) == (10.0, 64, True)
