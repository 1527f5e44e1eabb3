import math

import keras
import numpy as np
import pytest

from keras_gan.core.architectures import ARCHITECTURES, get_arch
from keras_gan.core.engine import GAN
from keras_gan.core.optimizers import default_optimizer
from tests.helpers import changed, make_gan, real_batch, snapshot

ARCHS = sorted(ARCHITECTURES)


@pytest.mark.parametrize("arch", ARCHS)
def test_one_train_step_moves_both_networks(arch):
    gan = make_gan(arch)
    g_before = snapshot(gan.generator.trainable_variables)
    d_before = snapshot(gan.discriminator.trainable_variables)
    logs = gan.train_on_batch(*real_batch(), return_dict=True)
    assert all(changed(g_before, gan.generator.trainable_variables))
    assert all(changed(d_before, gan.discriminator.trainable_variables))
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"} | ({"code_loss"} if get_arch(arch).codes else set())
    assert all(np.isfinite(v) for v in logs.values())
    assert 0 <= logs["d_real"] <= 1 and 0 <= logs["d_fake"] <= 1


OBJECTIVE_CASES = [
    {"loss": "hinge"},
    {"loss": "lsgan"},
    {"loss": "wgan-gp"},
    {"loss": "rpgan", "r1": 0.1, "r2": 0.1},
    {"loss": "bce", "r1": 1.0},
    {"loss": "bce", "r1": 1.0, "reg_every": 2},
]


@pytest.mark.parametrize("objective", OBJECTIVE_CASES, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("arch", ["dcgan", "cgan"])
def test_one_step_of_every_objective_moves_both_networks(arch, objective):
    gan = make_gan(arch, objective=objective)
    g_before = snapshot(gan.generator.trainable_variables)
    d_before = snapshot(gan.discriminator.trainable_variables)
    logs = gan.train_on_batch(*real_batch(), return_dict=True)
    assert all(changed(g_before, gan.generator.trainable_variables))
    moved = dict(
        zip(
            [v.path for v in gan.discriminator.trainable_variables],
            changed(d_before, gan.discriminator.trainable_variables),
        )
    )
    output_bias = next(p for p in moved if p.startswith(("d_out", "d_logit")) and p.endswith("bias"))
    if objective["loss"] in ("wgan-gp", "rpgan"):
        # D(fake) - D(x) cannot see D's output bias, and neither can a gradient penalty.
        assert not moved.pop(output_bias)
    elif objective["loss"] == "hinge":
        moved.pop(output_bias)  # its margins cancel the bias' gradient while every output is inside them
    assert all(moved.values())
    assert all(np.isfinite(v) for v in logs.values())
    penalized = objective.get("r1") or objective["loss"] == "wgan-gp"
    assert ("d_penalty" in logs) == bool(penalized)
    if penalized:
        assert logs["d_penalty"] > 0  # the first step (step 0) is a regularization step, lazy or not


def test_wgan_gp_trains_three_steps_and_stays_finite():
    gan = make_gan("dcgan", objective={"loss": "wgan-gp"})
    for _ in range(3):
        logs = gan.train_on_batch(*real_batch(), return_dict=True)
    assert all(np.isfinite(v) for v in logs.values())
    weights = gan.generator.weights + gan.discriminator.weights
    assert all(np.isfinite(keras.ops.convert_to_numpy(w)).all() for w in weights)


def test_the_relativistic_generator_loss_sees_the_real_batch():
    """rpgan's G loss depends on D(x): brightening the real batch changes it; bce's does not."""
    results = {}
    for loss in ("rpgan", "bce"):
        values = []
        for scale in (1.0, -1.0):
            gan = make_gan("gan", objective={"loss": loss}, g_optimizer=keras.optimizers.SGD(0.0))
            images, labels = real_batch()
            values.append(float(gan.train_generator(16, 16.0, images * scale, labels)))
        results[loss] = values
    assert results["rpgan"][0] != pytest.approx(results["rpgan"][1])
    assert results["bce"][0] == pytest.approx(results["bce"][1])


@pytest.mark.parametrize("arch", ARCHS)
def test_discriminator_update_does_not_touch_generator(arch):
    gan = make_gan(arch)
    g_before = snapshot(gan.generator.trainable_variables)
    d_before = snapshot(gan.discriminator.trainable_variables)
    gan.train_discriminator(*real_batch(), 16.0)
    assert not any(changed(g_before, gan.generator.trainable_variables))
    assert all(changed(d_before, gan.discriminator.trainable_variables))
    assert int(gan.g_optimizer.iterations) == 0 and int(gan.d_optimizer.iterations) == 1


@pytest.mark.parametrize("arch", ["gan", "cgan"])
def test_losses_of_a_zero_discriminator_are_hand_computable(arch):
    # A zero D says logit 0 (p = 0.5) to everything, label or not: each BCE term is log 2.
    gan = make_gan(arch, d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    for weight in gan.discriminator.weights:
        weight.assign(np.zeros(weight.shape, "float32"))
    expected = math.log(2)
    assert float(gan.train_discriminator(*real_batch(), 16.0)[0]) == pytest.approx(expected, rel=1e-5)
    assert float(gan.train_generator(16, 16.0)) == pytest.approx(expected, rel=1e-5)
    # Divided by the global batch: one replica's half of it counts half.
    assert float(gan.train_generator(8, 16.0)) == pytest.approx(expected / 2, rel=1e-5)


def test_code_loss_of_a_zero_code_head_is_log_codes():
    # A zero code head scores every code alike: cross-entropy ln 10 on every fake.
    gan = make_gan("dcgan", d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    assert gan.codes == 10
    head = gan.discriminator.get_layer("d_code")
    for weight in head.weights:
        weight.assign(np.zeros(weight.shape, "float32"))
    assert float(gan.train_discriminator(*real_batch(), 16.0)[2]) == pytest.approx(math.log(10), rel=1e-5)
    assert float(gan.train_discriminator(*real_batch(), 32.0)[2]) == pytest.approx(math.log(10) / 2, rel=1e-5)


def test_the_code_term_reaches_the_generator():
    # With D's real/fake head zeroed, the GAN loss gives G no gradient at all:
    # G moves only through the code's cross-entropy.
    gan = make_gan("dcgan", g_optimizer=keras.optimizers.SGD(0.1))
    for weight in gan.discriminator.get_layer("d_out").weights:
        weight.assign(np.zeros(weight.shape, "float32"))
    before = snapshot(gan.generator.trainable_variables)
    gan.train_generator(16, 16.0)
    assert any(changed(before, gan.generator.trainable_variables))


def test_both_networks_learn_the_latent_code():
    # G learns to draw each code differently and D to tell which one it was:
    # the code's cross-entropy falls from chance (ln 10) to a fraction of it.
    gan = make_gan("dcgan", seed=0, d_optimizer=default_optimizer(1e-3), g_optimizer=default_optimizer(1e-3))
    images, _ = real_batch(32)
    code_losses = [float(gan.train_on_batch(images, return_dict=True)["code_loss"]) for _ in range(80)]
    assert np.mean(code_losses[:10]) == pytest.approx(math.log(10), rel=0.25)
    assert np.mean(code_losses[-10:]) < 0.3 * math.log(10)


def test_generator_update_does_not_touch_discriminator():
    gan = make_gan("gan")
    d_before = snapshot(gan.discriminator.trainable_variables)
    g_before = snapshot(gan.generator.trainable_variables)
    gan.train_generator(16, 16.0)
    assert not any(changed(d_before, gan.discriminator.trainable_variables))
    assert all(changed(g_before, gan.generator.trainable_variables))


@pytest.mark.parametrize("arch", ARCHS)
def test_from_logits_on_and_off_give_the_same_loss(arch):
    # The sigmoid is an activation, not a weight: the same weights make the
    # same model, and the two ways of computing BCE must agree.
    with_logits = make_gan(arch, from_logits=True)
    with_probs = make_gan(arch, from_logits=False, seed=1)
    for src, dst in (
        (with_logits.generator, with_probs.generator),
        (with_logits.discriminator, with_probs.discriminator),
    ):
        dst.set_weights(src.get_weights())
        for src_layer, dst_layer in zip(src.layers, dst.layers):
            if hasattr(src_layer, "seed_generator"):  # dropout draws the same masks
                dst_layer.seed_generator.state.assign(src_layer.seed_generator.state)
    sgd = lambda: keras.optimizers.SGD(0.0)  # noqa: E731  (zero step: compare losses only)
    for gan in (with_logits, with_probs):
        gan.compile(d_optimizer=sgd(), g_optimizer=sgd())
        gan.seed_generator.state.assign([0, 7])
    images, labels = real_batch()

    def losses(gan):
        d_loss = gan.train_discriminator(images, labels, 16.0)[0]
        return [float(d_loss), float(gan.train_generator(16, 16.0))]

    np.testing.assert_allclose(losses(with_logits), losses(with_probs), rtol=1e-5)


def test_same_seed_repeats_a_step_exactly():
    runs = []
    for _ in range(2):
        gan = make_gan("dcgan", seed=3)
        gan.train_on_batch(*real_batch(), return_dict=True)
        runs.append(snapshot(gan.generator.variables))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_training_separates_a_trivial_batch():
    # Real images are all white; D should quickly learn to tell them from G's.
    gan = make_gan("gan", seed=0)
    real = np.ones((32, 28, 28, 1), "float32")
    first = gan.train_on_batch(real, return_dict=True)
    for _ in range(20):
        last = gan.train_on_batch(real, return_dict=True)
    assert last["d_real"] > first["d_real"]


@pytest.mark.parametrize("arch", ARCHS)
def test_whole_gan_keras_round_trip(arch, tmp_path):
    gan = make_gan(arch)
    gan.train_on_batch(*real_batch(), return_dict=True)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, GAN)
    assert loaded.latent_dim == gan.latent_dim and loaded.from_logits == gan.from_logits
    assert loaded.num_classes == gan.num_classes
    z = np.random.default_rng(0).standard_normal((8, 100)).astype("float32")
    labels = np.arange(8, dtype="int32")
    to_numpy = keras.ops.convert_to_numpy
    images = to_numpy(gan.generate(z, labels))
    np.testing.assert_array_equal(to_numpy(loaded.generate(z, labels)), images)
    for a, b in zip(loaded.discriminate(images, labels), gan.discriminate(images, labels)):
        if b is None:  # no code head
            assert a is None
        else:
            np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    assert loaded.codes == gan.codes
    # Optimizer state comes back too, so training can go on from the file.
    assert int(loaded.d_optimizer.iterations) == 1
    for a, b in zip(loaded.g_optimizer.variables, gan.g_optimizer.variables):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


def test_conditional_gan_needs_labels():
    gan = make_gan("cgan")
    images, _ = real_batch()
    with pytest.raises(ValueError, match="trains on \\(images, labels\\) batches"):
        gan.train_on_batch(images)


def test_averaged_generator_is_the_hand_computed_moving_average():
    momentum = 0.9
    gan = make_gan("gan", g_optimizer=default_optimizer(ema=momentum))
    weights = gan.generator.trainable_variables
    gan.train_on_batch(*real_batch(), return_dict=True)
    first = snapshot(weights)
    gan.train_on_batch(*real_batch(), return_dict=True)
    second = snapshot(weights)
    with gan.averaged_generator() as generator:
        assert generator is gan.generator
        # The average starts at the first step's weights, then moves by (1 - momentum).
        for average, a, b in zip(snapshot(weights), first, second):
            np.testing.assert_allclose(average, momentum * a + (1 - momentum) * b, rtol=1e-5, atol=1e-7)
        assert not np.allclose(snapshot(weights)[0], second[0])
    # Training goes on from the raw weights.
    for raw, b in zip(snapshot(weights), second):
        np.testing.assert_array_equal(raw, b)


def test_averaged_generator_without_averaging_or_steps_is_the_generator():
    plain = make_gan("gan")
    plain.train_on_batch(*real_batch(), return_dict=True)
    before = snapshot(plain.generator.trainable_variables)
    with plain.averaged_generator():
        assert not any(changed(before, plain.generator.trainable_variables))
    untrained = make_gan("gan", g_optimizer=default_optimizer(ema=0.99))
    before = snapshot(untrained.generator.trainable_variables)
    with untrained.averaged_generator():  # no average yet: its variables are still zero
        assert not any(changed(before, untrained.generator.trainable_variables))
