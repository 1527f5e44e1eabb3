"""TrainConfig: JSON round trips, per-architecture defaults, and validation that names the argument."""

import dataclasses
import math
import os

import keras
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_gan.core.architectures import get_arch
from keras_gan.errors import UserError
from keras_gan.training.config import TrainConfig
from keras_gan.training.run import build_model
from tests.helpers import synthetic_digits


def test_json_round_trip(tmp_path):
    config = TrainConfig(arch="gan", epochs=3, lr=1e-3, from_logits=False, data="x.npz")
    config.to_json(tmp_path / "config.json")
    assert TrainConfig.from_json(tmp_path / "config.json") == config


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"arch": "gan", "epochz": 3}', r"unknown keys \['epochz'\]"),
        ("[1, 2]", "expected a JSON object of TrainConfig fields. Received: list"),
        ('{"arch": ', "cannot read config"),
        ("", "cannot read config"),
    ],
)
def test_bad_config_files_are_refused(tmp_path, text, message):
    (tmp_path / "config.json").write_text(text)
    with pytest.raises(UserError, match=message):
        TrainConfig.from_json(tmp_path / "config.json")


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(arch="resnet"), r"`arch` must be one of \['cdcgan', 'cgan', 'dcgan', 'gan'\]. Received: arch='resnet'"),
        (dict(epochs=0), r"`epochs` must be a positive integer. Received: epochs=0"),
        (dict(epochs=2.0), r"`epochs` must be a positive integer. Received: epochs=2.0"),
        (dict(epochs=True), r"`epochs` must be a positive integer. Received: epochs=True"),
        (dict(batch_size=-1), r"`batch_size` must be a positive integer. Received: batch_size=-1"),
        (dict(latent_dim=0), r"`latent_dim` must be an integer in \[1, 4096\]"),
        (dict(latent_dim=10**9), r"`latent_dim` must be an integer in \[1, 4096\]"),
        (dict(grid_size=1000), r"`grid_size` must be an integer in \[1, 32\]"),
        (dict(eval_n=10**12), r"`eval_n` must be an integer in \[1, 100000\]"),
        (dict(seed=-1), r"`seed` must be an integer in \[0, 2147483647\]"),
        (dict(lr=0.0), r"`lr` must be in \(0, 1\]. Received: lr=0.0"),
        (dict(lr=math.nan), r"`lr` must be in \(0, 1\]. Received: lr=nan"),
        (dict(lr="fast"), r"`lr` must be in \(0, 1\]. Received: lr='fast'"),
        (dict(d_lr=-1e-4), r"`d_lr` must be in \(0, 1\]. Received: d_lr=-0.0001"),
        (dict(beta1=1.0), r"`beta1` must be in \[0, 1\)"),
        (dict(ema=1.0), r"`ema` must be in \[0, 1\) \(0 turns it off\). Received: ema=1.0"),
        (dict(ema=-0.5), r"`ema` must be in \[0, 1\)"),
        (dict(from_logits="yes"), r"`from_logits` must be True or False"),
        (dict(strategy="gpu"), r"`strategy` must be one of \['auto'"),
        (dict(jit=True, strategy="mirrored"), "`jit` does not work with strategy mirrored"),
        (dict(tpu="grpc://x:8470"), "`tpu` needs strategy tpu"),
        (dict(eval_every=-2), r"`eval_every` must be 0 \(off\) or a positive integer. Received: eval_every=-2"),
        (dict(minutes=0.0), r"`minutes` must be a number of minutes in \(0, 10080\]. Received: minutes=0.0"),
        (dict(minutes=math.inf), r"`minutes` must be a number of minutes in \(0, 10080\]"),
        (dict(minutes="ten"), r"`minutes` must be a number of minutes in \(0, 10080\]. Received: minutes='ten'"),
        (dict(strategy="multiworker", minutes=1.0), "`minutes` cannot plan a multi-worker run: .* give `epochs`"),
    ],
)
def test_validate_names_the_bad_argument(change, message):
    with pytest.raises(UserError, match=message) as error:
        dataclasses.replace(TrainConfig(), **change).validate()
    assert error.value.argument == next(iter(change)) or error.value.argument in change


def test_defaults_are_valid():
    TrainConfig().validate()


def test_none_fields_take_the_architectures_own_defaults():
    for arch in ("gan", "dcgan", "cgan", "cdcgan"):
        config = TrainConfig(arch=arch).validate()
        for name, value in get_arch(arch).defaults.items():
            assert getattr(config, name) == value
    assert TrainConfig(arch="gan", epochs=2).validate().epochs == 2  # a given value wins


def test_the_run_length_is_the_users_if_given_else_the_architectures():
    # dcgan's default is a time budget, gan's a number of epochs.
    assert (TrainConfig(arch="dcgan").validate().minutes, TrainConfig(arch="dcgan").validate().epochs) == (9.5, None)
    assert (TrainConfig(arch="gan").validate().minutes, TrainConfig(arch="gan").validate().epochs) == (None, 30)
    # Epochs given: no budget from the architecture; a budget given: no epoch count from it.
    assert TrainConfig(arch="dcgan", epochs=32).validate().minutes is None
    assert TrainConfig(arch="gan", minutes=5).validate().epochs is None
    # Both given: the epochs cap the budget.
    config = TrainConfig(arch="dcgan", epochs=4, minutes=5).validate()
    assert (config.epochs, config.minutes) == (4, 5.0)
    # A multi-worker run with epochs needs no budget.
    assert TrainConfig(arch="dcgan", epochs=3, strategy="multiworker").validate().minutes is None


def test_d_lr_defaults_to_the_architectures_own_or_lr():
    assert TrainConfig(arch="dcgan").validate().d_lr == get_arch("dcgan").defaults["d_lr"] == 4e-3
    assert "d_lr" not in get_arch("gan").defaults
    assert TrainConfig(arch="gan", lr=3e-4).validate().d_lr == 3e-4  # no default of its own: D follows lr
    assert TrainConfig(arch="dcgan", d_lr=1e-4).validate().d_lr == 1e-4


def test_latent_dim_must_leave_room_beyond_the_latent_code():
    with pytest.raises(UserError, match=r"`latent_dim` must exceed 10 for arch dcgan.*Received: latent_dim=10"):
        TrainConfig(arch="dcgan", latent_dim=10).validate()
    TrainConfig(arch="dcgan", latent_dim=11).validate()
    TrainConfig(arch="gan", latent_dim=2).validate()  # no latent code


def test_a_config_from_before_d_lr_keeps_one_learning_rate(tmp_path):
    # Resuming such a run must not change D's learning rate under it.
    (tmp_path / "config.json").write_text('{"arch": "dcgan", "lr": 0.0001}')
    assert TrainConfig.from_json(tmp_path / "config.json").validate().d_lr == 1e-4


def test_a_config_from_before_the_fast_recipe_keeps_its_optimizer(tmp_path):
    # dcgan's defaults changed since: a resumed old run must not switch recipe halfway.
    (tmp_path / "config.json").write_text('{"arch": "dcgan", "lr": 0.0002, "d_lr": 0.0004}')
    config = TrainConfig.from_json(tmp_path / "config.json").validate()
    assert (config.lr, config.d_lr, config.beta2, config.lr_decay, config.ema_kimg) == (2e-4, 4e-4, 0.999, 0.0, 0.0)


def test_every_field_has_help_text():
    for field in dataclasses.fields(TrainConfig):
        assert len(TrainConfig.help(field.name)) > 10


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(loss="wgan"), r"`loss` must be one of \['bce', 'hinge', 'lsgan', 'wgan-gp', 'rpgan'\]"),
        (dict(loss="hinge", from_logits=False), "`from_logits`=False needs loss bce"),
        (dict(r1=-1.0), r"`r1` must be a weight in \[0, 1e6\]"),
        (dict(r2=math.inf), r"`r2` must be a weight in \[0, 1e6\]"),
        (dict(reg_every=0), r"`reg_every` must be an integer in \[1, 10000\]"),
        (dict(r1=1.0, d_batch_norm=True), "`d_batch_norm` cannot be on with a gradient penalty"),
        (dict(loss="wgan-gp", d_batch_norm=True), "`d_batch_norm` cannot be on with a gradient penalty"),
    ],
)
def test_objective_settings_are_checked(change, message):
    with pytest.raises(UserError, match=message):
        dataclasses.replace(TrainConfig(arch="dcgan"), **change).validate()


def test_d_batch_norm_defaults_to_off_under_a_gradient_penalty():
    assert TrainConfig(arch="dcgan").validate().d_batch_norm is True
    assert TrainConfig(arch="dcgan", r1=0.1).validate().d_batch_norm is False
    assert TrainConfig(arch="dcgan", loss="wgan-gp").validate().d_batch_norm is False
    assert TrainConfig(arch="dcgan", loss="hinge", d_batch_norm=False).validate().d_batch_norm is False


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(d_width=95), "`d_width` must be an even number"),
        (dict(d_width=0), r"`d_width` must be an integer in \[2, 1024\]. Received: d_width=0"),
        (dict(d_width=96.0), r"`d_width` must be an integer in \[2, 1024\]"),
        (dict(d_width=96, arch="cdcgan"), r"`d_width` does not apply to cdcgan: only to \['dcgan'\]"),
    ],
)
def test_d_width_is_checked(change, message):
    with pytest.raises(UserError, match=message):
        dataclasses.replace(TrainConfig(arch="dcgan"), **change).validate()


def test_d_width_defaults_to_the_architecture_and_survives_the_config_file(tmp_path):
    assert TrainConfig(arch="dcgan").validate().d_width is None
    config = TrainConfig(arch="dcgan", d_width=96).validate()
    config.to_json(tmp_path / "config.json")
    assert TrainConfig.from_json(tmp_path / "config.json").validate().d_width == 96


# Values of every kind: the property below holds for all of them.
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.integers(0, 300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(0, 1),
    st.text(max_size=8),
    st.sampled_from(["gan", "dcgan", "cgan", "cdcgan", "bce", "hinge", "lsgan", "wgan-gp", "rpgan", "auto"]),
)
FUZZED = [f.name for f in dataclasses.fields(TrainConfig) if f.name not in ("data", "out")]


@settings(
    max_examples=int(os.environ.get("KERAS_GAN_HYPOTHESIS_EXAMPLES", 25)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(changes=st.dictionaries(st.sampled_from(FUZZED), ANY_VALUE, min_size=1, max_size=3))
def test_any_value_is_either_refused_in_one_line_or_trains_a_step(changes):
    """Validation is the only gate: what it accepts builds and trains; what it refuses, it names."""
    config = dataclasses.replace(TrainConfig(arch="gan", epochs=1, batch_size=8, latent_dim=16), **changes)
    try:
        config.validate()
    except UserError as e:
        assert "\n" not in str(e) and e.argument in {f.name for f in dataclasses.fields(TrainConfig)}
        return
    keras.backend.clear_session()  # a fresh layer numbering per example keeps memory flat
    gan = build_model(config)
    x, y = synthetic_digits(8)
    logs = gan.train_on_batch(x[..., None].astype("float32") / 127.5 - 1, y.astype("int32"), return_dict=True)
    assert set(logs) >= {"d_loss", "g_loss"}
