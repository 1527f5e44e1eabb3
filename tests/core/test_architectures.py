import keras
import numpy as np
import pytest
from keras import layers

from keras_gan.core.architectures import ARCHITECTURES, ArchSpec, build_networks, d_width_archs, get_arch
from keras_gan.errors import UserError
from keras_gan.training.config import TrainConfig

ARCHS = sorted(ARCHITECTURES)
CONDITIONAL = {name for name, spec in ARCHITECTURES.items() if spec.conditional}


def inputs_for(arch, first, labels):
    return [first, labels] if arch in CONDITIONAL else first


def body(model):
    """The model's layers without its input layers."""
    return [layer for layer in model.layers if not isinstance(layer, layers.InputLayer)]


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("from_logits", [True, False])
def test_shapes_and_ranges(arch, from_logits):
    generator, discriminator = build_networks(arch, latent_dim=100, from_logits=from_logits)
    z = np.random.default_rng(0).standard_normal((5, 100)).astype("float32") * 3
    labels = np.arange(5, dtype="int32")
    images = keras.ops.convert_to_numpy(generator(inputs_for(arch, z, labels), training=False))
    assert images.shape == (5, 28, 28, 1)
    assert images.min() >= -1 and images.max() <= 1  # tanh
    outputs = discriminator(inputs_for(arch, images, labels), training=False)
    if get_arch(arch).codes:
        outputs, code_logits = outputs
        assert code_logits.shape == (5, get_arch(arch).codes)
    outputs = keras.ops.convert_to_numpy(outputs)
    assert outputs.shape == (5, 1)
    if not from_logits:
        assert outputs.min() >= 0 and outputs.max() <= 1  # sigmoid


@pytest.mark.parametrize("arch", ARCHS)
def test_latent_dim_is_respected(arch):
    generator, _ = build_networks(arch, latent_dim=16)
    assert generator.inputs[0].shape == (None, 16)


@pytest.mark.parametrize("arch", sorted(CONDITIONAL))
def test_conditional_networks_use_the_label(arch):
    generator, discriminator = build_networks(arch)
    z = np.random.default_rng(0).standard_normal((2, 100)).astype("float32")
    same_z = np.repeat(z[:1], 2, axis=0)
    images = keras.ops.convert_to_numpy(generator([same_z, np.array([3, 7], "int32")]))
    assert not np.allclose(images[0], images[1])
    scores = keras.ops.convert_to_numpy(discriminator([np.repeat(images[:1], 2, 0), np.array([3, 7], "int32")]))
    assert scores[0, 0] != scores[1, 0]


def test_gan_layer_sizes_match_the_spec():
    generator, discriminator = build_networks("gan")
    dense = lambda model: [layer.units for layer in body(model) if isinstance(layer, layers.Dense)]  # noqa: E731
    assert dense(generator) == [128, 256, 512, 784]
    assert dense(discriminator) == [512, 256, 1]
    assert [layer for layer in body(generator) if isinstance(layer, layers.Dense)][-1].activation.__name__ == "tanh"
    assert sum(isinstance(layer, layers.LeakyReLU) for layer in body(generator)) == 3
    assert sum(isinstance(layer, layers.LeakyReLU) for layer in body(discriminator)) == 2


def test_dcgan_is_fully_convolutional():
    generator, discriminator = build_networks("dcgan")
    for model in (generator, discriminator):
        kinds = [type(layer) for layer in body(model)]
        assert not any(issubclass(k, (layers.MaxPooling2D, layers.AveragePooling2D)) for k in kinds)
    # Only the projection of z and D's two heads (the logit, the code) are Dense.
    assert [x.name for x in body(generator) if isinstance(x, layers.Dense)] == [body(generator)[1].name]
    heads = [x for x in body(discriminator) if isinstance(x, layers.Dense)]
    assert sorted(x.units for x in heads) == [1, 10] and {x.name for x in heads} == {"d_out", "d_code"}
    assert sum(isinstance(x, layers.Conv2DTranspose) and x.strides == (2, 2) for x in body(generator)) == 2
    convs = [x for x in body(discriminator) if isinstance(x, layers.Conv2D)]
    assert len(convs) == 3 and all(c.strides == (2, 2) for c in convs)
    # Batch norm and ReLU in G; in D batch norm on all but the input layer, LeakyReLU.
    assert any(isinstance(x, layers.BatchNormalization) for x in body(generator))
    assert any(isinstance(x, layers.ReLU) for x in body(generator))
    d = body(discriminator)
    assert isinstance(d[0], layers.Conv2D) and isinstance(d[1], layers.LeakyReLU)
    assert sum(isinstance(x, layers.BatchNormalization) for x in d) == 2
    assert sum(isinstance(x, layers.LeakyReLU) for x in d) == 3


@pytest.mark.parametrize(
    ("arch", "g_filters", "d_filters"),
    [("dcgan", [96, 48, 1], [16, 32, 64]), ("cdcgan", [128, 64, 1], [32, 64, 128])],
)
def test_convolutional_widths(arch, g_filters, d_filters):
    """dcgan runs at the narrower widths of DCGAN_WIDTHS; cdcgan keeps the ones it was measured with."""
    generator, discriminator = build_networks(arch)
    assert [x.filters for x in body(generator) if isinstance(x, layers.Conv2DTranspose)] == g_filters
    assert [x.filters for x in body(discriminator) if isinstance(x, layers.Conv2D)] == d_filters
    projection = next(x for x in body(generator) if isinstance(x, layers.Dense))
    assert projection.units == 7 * 7 * g_filters[0]


def test_dcgan_d_width_widens_d_past_its_input_layer_and_leaves_g_alone():
    generator, discriminator = build_networks("dcgan", d_width=96)
    assert [x.filters for x in body(discriminator) if isinstance(x, layers.Conv2D)] == [16, 48, 96]
    default_generator, _ = build_networks("dcgan")
    assert generator.count_params() == default_generator.count_params()
    assert d_width_archs() == ["dcgan"]
    for arch in ("gan", "cgan", "cdcgan"):
        with pytest.raises(UserError, match=rf"`d_width` does not apply to {arch}: only to \['dcgan'\]"):
            build_networks(arch, d_width=96)


def test_one_spec_per_arch_says_everything_about_it():
    assert all(isinstance(spec, ArchSpec) and spec.name == name for name, spec in ARCHITECTURES.items())
    # Each says how long it trains: a number of epochs or a time budget.
    assert all({"epochs", "minutes"} & set(spec.defaults) for spec in ARCHITECTURES.values())
    assert CONDITIONAL == {"cgan", "cdcgan"}
    assert {name: spec.codes for name, spec in ARCHITECTURES.items() if spec.codes} == {"dcgan": 10}
    fields = set(TrainConfig.__dataclass_fields__)
    assert all(set(spec.defaults) <= fields for spec in ARCHITECTURES.values())


def test_documented_epochs_apply_to_the_recipes_own_budget_only():
    dcgan = get_arch("dcgan")
    assert dcgan.documented_epochs(dcgan.defaults["minutes"]) == dcgan.measured_epochs == 21
    assert dcgan.documented_epochs(dcgan.defaults["minutes"] + 1) is None
    # An architecture without a measured count has nothing to compare with.
    assert get_arch("gan").measured_epochs is None
    assert get_arch("gan").documented_epochs(get_arch("gan").defaults.get("minutes")) is None


def test_dcgan_generator_draws_from_its_latent_code():
    """The code picked by z's first 10 entries changes the digit; those entries do nothing else."""
    generator, _ = build_networks("dcgan")
    z = np.random.default_rng(0).standard_normal((3, 100)).astype("float32")
    z[:, :10] = 0.0
    z[0, 3] = 1.0  # code 3
    z[1, 3] = 5.0  # still code 3
    z[2, 7] = 1.0  # code 7
    z[1:, 10:] = z[0, 10:]
    images = keras.ops.convert_to_numpy(generator(z, training=False))
    np.testing.assert_allclose(images[0], images[1], atol=1e-6)
    assert np.abs(images[0] - images[2]).max() > 1e-3


def test_unknown_arch_names_the_choices():
    with pytest.raises(
        UserError, match=r"`arch` must be one of \['cdcgan', 'cgan', 'dcgan', 'gan'\]. Received: arch='resnet'"
    ):
        build_networks("resnet")


def test_only_the_unconditional_mlp_discriminator_has_dropout():
    def dropout_rates(arch):
        _, discriminator = build_networks(arch)
        return [layer.rate for layer in discriminator.layers if isinstance(layer, keras.layers.Dropout)]

    assert dropout_rates("gan") == [0.4, 0.4]
    assert dropout_rates("cgan") == [] and dropout_rates("dcgan") == []
