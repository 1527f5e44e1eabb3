import keras
import numpy as np
import pytest

from keras_gan.core.schedules import LinearTail


@pytest.mark.parametrize(
    ("step", "expected"),
    [(0, 1.0), (50, 1.0), (60, 0.8), (75, 0.5), (99, 0.02), (100, 0.0), (250, 0.0)],
)
def test_constant_then_linear_to_zero(step, expected):
    assert float(LinearTail(1.0, 100, 0.5)(step)) == pytest.approx(expected, abs=1e-6)


def test_no_decay_is_constant_even_past_the_end():
    schedule = LinearTail(3e-4, 100, 0.0)
    assert [float(schedule(s)) for s in (0, 100, 10_000)] == pytest.approx([3e-4] * 3)


def test_serializes_for_the_saved_optimizer():
    schedule = LinearTail(2e-3, 9370, 0.7)
    copy = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert isinstance(copy, LinearTail) and copy.get_config() == schedule.get_config()


def test_adam_takes_smaller_steps_as_the_rate_falls():
    """Through a real optimizer: the same gradient moves the weight by the scheduled rate."""
    weight = keras.Variable(np.zeros(1, "float32"))
    sgd = keras.optimizers.SGD(learning_rate=LinearTail(1.0, 4, 0.5))
    moves = []
    for _ in range(5):
        before = float(weight.numpy()[0])
        sgd.apply_gradients([(np.ones(1, "float32"), weight)])
        moves.append(before - float(weight.numpy()[0]))
    assert moves == pytest.approx([1.0, 1.0, 1.0, 0.5, 0.0])
