import dataclasses

import pytest

from keras_gan.config import TrainConfig
from keras_gan.errors import UserError


def test_json_round_trip(tmp_path):
    config = TrainConfig(arch="gan", epochs=3, lr=1e-3, from_logits=False, data="x.npz")
    config.to_json(tmp_path / "config.json")
    assert TrainConfig.from_json(tmp_path / "config.json") == config


def test_unknown_keys_are_refused(tmp_path):
    (tmp_path / "config.json").write_text('{"arch": "gan", "epochz": 3}')
    with pytest.raises(UserError, match=r"unknown keys \['epochz'\]"):
        TrainConfig.from_json(tmp_path / "config.json")


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(arch="resnet"), r"--arch must be one of \['cdcgan', 'cgan', 'dcgan', 'gan'\]. Received: arch='resnet'"),
        (dict(epochs=0), "--epochs must be a positive integer. Received: 0"),
        (dict(batch_size=-1), "--batch-size must be a positive integer. Received: -1"),
        (dict(latent_dim=0), "--latent-dim"),
        (dict(lr=0.0), "--lr must be positive"),
        (dict(d_lr=-1e-4), "--d-lr must be positive. Received: -0.0001"),
        (dict(beta1=1.0), r"--beta1 must be in \[0, 1\)"),
        (dict(ema=1.0), r"--ema must be in \[0, 1\) \(0 turns it off\). Received: 1.0"),
        (dict(ema=-0.5), r"--ema must be in \[0, 1\)"),
    ],
)
def test_validate_names_the_bad_flag(change, message):
    with pytest.raises(UserError, match=message):
        dataclasses.replace(TrainConfig(), **change).validate()


def test_defaults_are_valid():
    TrainConfig().validate()


def test_epochs_default_to_the_architectures_own():
    from keras_gan.networks import DEFAULT_EPOCHS

    assert TrainConfig(arch="gan").validate().epochs == DEFAULT_EPOCHS["gan"] == 30
    assert TrainConfig(arch="dcgan").validate().epochs == DEFAULT_EPOCHS["dcgan"]
    assert TrainConfig(arch="gan", epochs=2).validate().epochs == 2


def test_d_lr_defaults_to_the_architectures_own_or_lr():
    from keras_gan.networks import DEFAULT_D_LR

    assert TrainConfig(arch="dcgan").validate().d_lr == DEFAULT_D_LR["dcgan"] == 4e-4
    assert "gan" not in DEFAULT_D_LR
    assert TrainConfig(arch="gan", lr=3e-4).validate().d_lr == 3e-4  # no default of its own: D follows --lr
    assert TrainConfig(arch="dcgan", d_lr=1e-4).validate().d_lr == 1e-4


def test_latent_dim_must_leave_room_beyond_the_latent_code():
    with pytest.raises(UserError, match=r"--latent-dim must exceed 10 for --arch dcgan.*Received: 10"):
        TrainConfig(arch="dcgan", latent_dim=10).validate()
    TrainConfig(arch="dcgan", latent_dim=11).validate()
    TrainConfig(arch="gan", latent_dim=2).validate()  # no latent code


def test_a_config_from_before_d_lr_keeps_one_learning_rate(tmp_path):
    # Resuming such a run must not change D's learning rate under it.
    (tmp_path / "config.json").write_text('{"arch": "dcgan", "lr": 0.0001}')
    assert TrainConfig.from_json(tmp_path / "config.json").validate().d_lr == 1e-4
