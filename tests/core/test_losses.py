import math

import numpy as np
import pytest
from keras import ops

from keras_gan.core import losses
from keras_gan.errors import UserError


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


# Hand-computed on the logits above (real r = [2, -1, 0.5], fake f = [-3, 0, 1.5], global batch 3).
HAND = {
    # hinge: D = mean(relu(1 - r)) + mean(relu(1 + f)) = (0 + 2 + 0.5)/3 + (0 + 1 + 2.5)/3; G = -mean(f)
    "hinge": (2.5 / 3 + 3.5 / 3, 1.5 / 3),
    # lsgan: D = (mean((r - 1)^2) + mean(f^2)) / 2 = ((1 + 4 + 0.25) + (9 + 0 + 2.25)) / 3 / 2; G = mean((f - 1)^2) / 2
    "lsgan": ((5.25 + 11.25) / 6, (16 + 1 + 0.25) / 6),
    # wgan-gp (without its penalty): D = mean(f) - mean(r) = -0.5 - 0.5; G = -mean(f)
    "wgan-gp": (-1.0, 0.5),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_objectives_match_hand_computed_values(name):
    objective = losses.get_objective(name)
    d_expected, g_expected = HAND[name]
    real, fake = as_column(REAL_LOGITS), as_column(FAKE_LOGITS)
    assert float(objective.d_loss(real, fake, True, 3.0)) == pytest.approx(d_expected, rel=1e-5)
    assert float(objective.g_loss(fake, None, True, 3.0)) == pytest.approx(g_expected, rel=1e-5)


def test_relativistic_pairing_matches_hand_computed_values():
    """R3GAN's RpGAN: D = mean softplus(f_i - r_i), G = mean softplus(r_i - f_i), pairs by index."""
    softplus = lambda x: math.log1p(math.exp(x))  # noqa: E731
    pairs = list(zip(REAL_LOGITS, FAKE_LOGITS))
    d_expected = sum(softplus(f - r) for r, f in pairs) / 3
    g_expected = sum(softplus(r - f) for r, f in pairs) / 3
    objective = losses.get_objective("rpgan")
    real, fake = as_column(REAL_LOGITS), as_column(FAKE_LOGITS)
    assert float(objective.d_loss(real, fake, True, 3.0)) == pytest.approx(d_expected, rel=1e-5)
    assert float(objective.g_loss(fake, real, True, 3.0)) == pytest.approx(g_expected, rel=1e-5)
    assert float(objective.d_loss(real, fake, True, 3.0)) == pytest.approx(
        0.8777, abs=1e-4
    )  # (softplus(-5) + 2 softplus(1)) / 3
    assert objective.relativistic


def test_bce_objective_is_the_seeds_loss():
    objective = losses.get_objective("bce")
    real, fake = as_column(REAL_LOGITS), as_column(FAKE_LOGITS)
    assert float(objective.d_loss(real, fake, True, 3.0)) == pytest.approx(0.7262, abs=1e-4)
    assert float(objective.g_loss(fake, None, True, 3.0)) == float(losses.generator_loss(fake, True, 3.0))


def test_only_wgan_gp_carries_its_own_penalty_of_weight_10():
    assert {name: o.gradient_penalty for name, o in losses.OBJECTIVES.items() if o.gradient_penalty} == {
        "wgan-gp": 10.0
    }


@pytest.mark.parametrize("name", ["hinge", "lsgan", "wgan-gp", "rpgan"])
def test_probabilities_are_refused_where_a_loss_needs_raw_scores(name):
    with pytest.raises(UserError, match=f"`from_logits`=False needs loss bce.*Received: loss='{name}'"):
        losses.get_objective(name, from_logits=False)
    assert losses.get_objective("bce", from_logits=False).name == "bce"


def test_unknown_objective_names_the_choices():
    with pytest.raises(UserError, match=r"`loss` must be one of \['bce', 'hinge', 'lsgan', 'wgan-gp', 'rpgan'\]"):
        losses.get_objective("wgan")
