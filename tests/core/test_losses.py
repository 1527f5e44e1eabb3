import math

import numpy as np
import pytest
from keras import ops

from keras_gan.core import losses


def bce(p, label):
    return -(label * math.log(p) + (1 - label) * math.log(1 - p))


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


REAL_LOGITS = [2.0, -1.0, 0.5]
FAKE_LOGITS = [-3.0, 0.0, 1.5]


def as_column(values):
    return np.array(values, dtype="float32")[:, None]


def test_discriminator_loss_matches_hand_computed_bce():
    expected_real = sum(bce(sigmoid(x), 1) for x in REAL_LOGITS)
    expected_fake = sum(bce(sigmoid(x), 0) for x in FAKE_LOGITS)
    expected = (expected_real + expected_fake) / 3 / 2
    loss = losses.discriminator_loss(as_column(REAL_LOGITS), as_column(FAKE_LOGITS), True, 3.0)
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    # A concrete value, so a sign or factor-of-two slip cannot hide:
    assert float(loss) == pytest.approx(0.7262, abs=1e-4)


def test_generator_loss_scores_fakes_against_valid():
    expected = sum(bce(sigmoid(x), 1) for x in FAKE_LOGITS) / 3
    loss = losses.generator_loss(as_column(FAKE_LOGITS), True, 3.0)
    assert float(loss) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("fn", ["discriminator", "generator"])
def test_from_logits_and_probabilities_agree(fn):
    probs = lambda xs: as_column([sigmoid(x) for x in xs])  # noqa: E731
    if fn == "discriminator":
        a = losses.discriminator_loss(as_column(REAL_LOGITS), as_column(FAKE_LOGITS), True, 3.0)
        b = losses.discriminator_loss(probs(REAL_LOGITS), probs(FAKE_LOGITS), False, 3.0)
    else:
        a = losses.generator_loss(as_column(FAKE_LOGITS), True, 3.0)
        b = losses.generator_loss(probs(FAKE_LOGITS), False, 3.0)
    assert float(a) == pytest.approx(float(b), rel=1e-5)


def test_losses_are_divided_by_the_global_batch():
    # Two replicas each holding half the batch, each dividing by the global
    # batch, must add up to the single-device loss.
    whole = losses.generator_loss(as_column(FAKE_LOGITS + REAL_LOGITS), True, 6.0)
    halves = losses.generator_loss(as_column(FAKE_LOGITS), True, 6.0) + losses.generator_loss(
        as_column(REAL_LOGITS), True, 6.0
    )
    assert float(whole) == pytest.approx(float(halves), rel=1e-6)


def test_to_probability():
    p = ops.convert_to_numpy(losses.to_probability(as_column([0.0, 2.0]), True))
    np.testing.assert_allclose(p[:, 0], [0.5, sigmoid(2.0)], rtol=1e-6)
    q = as_column([0.25])
    assert ops.convert_to_numpy(losses.to_probability(q, False))[0, 0] == 0.25


def test_code_loss_is_the_cross_entropy_of_the_code_z_picks():
    z = np.zeros((2, 5), "float32")
    z[0, 1] = 2.0  # code 1 (of 3); entries from index 3 on do not count
    z[1, 2] = 0.5  # code 2
    z[:, 3:] = 9.0
    logits = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, -1.0]], "float32")
    log_softmax = lambda row, k: row[k] - math.log(sum(math.exp(v) for v in row))  # noqa: E731
    expected = -(log_softmax(logits[0], 1) + log_softmax(logits[1], 2)) / 4.0  # global batch 4
    assert float(losses.code_loss(logits, z, 3, 4.0)) == pytest.approx(expected, rel=1e-5)
    assert float(losses.code_loss(logits, z, 3, 4.0)) == pytest.approx(0.9303, abs=1e-4)
