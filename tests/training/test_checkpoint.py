import keras
import numpy as np
import pytest

from keras_gan.errors import UserError
from keras_gan.training import checkpoint
from tests.helpers import make_gan, real_batch


def all_state(gan):
    groups = checkpoint.variable_groups(gan)
    return {g: [keras.ops.convert_to_numpy(v) for v in vs] for g, vs in groups.items()}


def test_round_trip_restores_every_variable(tmp_path):
    trained = make_gan("dcgan", seed=0)
    trained.train_on_batch(*real_batch(), return_dict=True)
    noise = np.arange(12, dtype="float32").reshape(3, 4)
    path = tmp_path / "checkpoint.npz"
    checkpoint.save_checkpoint(trained, path, epoch=7, grid_noise=noise)

    fresh = make_gan("dcgan", seed=1)
    epoch, restored_noise = checkpoint.load_checkpoint(fresh, path)
    assert epoch == 7
    np.testing.assert_array_equal(restored_noise, noise)
    expected, got = all_state(trained), all_state(fresh)
    for group in expected:
        assert len(expected[group]) == len(got[group]) > 0, group
        for a, b in zip(expected[group], got[group]):
            np.testing.assert_array_equal(a, b)
    assert int(fresh.d_optimizer.iterations) == 1  # Adam's step count came back


def test_other_architecture_is_refused(tmp_path):
    path = tmp_path / "checkpoint.npz"
    checkpoint.save_checkpoint(make_gan("gan"), path, 1, np.zeros((1, 100)))
    with pytest.raises(UserError, match="different architecture"):
        checkpoint.load_checkpoint(make_gan("dcgan"), path)


def test_missing_and_corrupt_checkpoints(tmp_path):
    gan = make_gan("gan")
    with pytest.raises(UserError, match="no checkpoint here"):
        checkpoint.load_checkpoint(gan, tmp_path / "checkpoint.npz")
    (tmp_path / "checkpoint.npz").write_bytes(b"not an npz")
    with pytest.raises(UserError, match="corrupt checkpoint"):
        checkpoint.load_checkpoint(gan, tmp_path / "checkpoint.npz")


def test_a_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    gan = make_gan("gan")
    path = tmp_path / "checkpoint.npz"
    checkpoint.save_checkpoint(gan, path, 1, np.zeros((1, 100)))
    before = path.read_bytes()

    def crash(f, **arrays):
        f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(UserError, match=r"cannot write .*checkpoint.npz: disk full; the previous file"):
        checkpoint.save_checkpoint(gan, path, 2, np.zeros((1, 100)))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.npz"]
