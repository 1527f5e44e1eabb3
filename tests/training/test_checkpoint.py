import json

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


def test_a_flipped_byte_is_caught_by_the_zip_crc(tmp_path):
    gan = make_gan("gan")
    path = tmp_path / "checkpoint.npz"
    checkpoint.save_checkpoint(gan, path, 1, np.zeros((1, 100)))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the largest array, the generator's weights
    path.write_bytes(bytes(data))
    before = [keras.ops.convert_to_numpy(v) for v in gan.generator.weights]
    with pytest.raises(UserError, match=r"corrupt checkpoint \(BadZipFile: Bad CRC-32"):
        checkpoint.load_checkpoint(gan, path)
    assert all(np.array_equal(a, keras.ops.convert_to_numpy(b)) for a, b in zip(before, gan.generator.weights))


def test_variables_saved_under_other_paths_are_refused_even_with_equal_shapes(tmp_path):
    """A checkpoint whose variables come in another order (same shapes) must not load into the wrong ones."""
    gan = make_gan("dcgan")
    path = tmp_path / "checkpoint.npz"
    checkpoint.save_checkpoint(gan, path, 1, np.zeros((1, 100)))
    with np.load(path) as f:
        arrays = dict(f)
    layout = json.loads(str(arrays["layout"]))
    names = layout["generator"]
    # A batch norm's gamma and beta have the same shape: swap them, as a reordered model would.
    gamma = next(i for i, n in enumerate(names) if n.endswith("/gamma"))
    beta = next(i for i, n in enumerate(names) if n.endswith("/beta"))
    names[gamma], names[beta] = names[beta], names[gamma]
    arrays[f"generator/{gamma:03d}"], arrays[f"generator/{beta:03d}"] = (
        arrays[f"generator/{beta:03d}"],
        arrays[f"generator/{gamma:03d}"],
    )
    arrays["layout"] = np.asarray(json.dumps(layout))
    np.savez(path, **arrays)
    fresh = make_gan("dcgan", seed=1)
    before = [keras.ops.convert_to_numpy(v) for v in fresh.generator.weights]
    with pytest.raises(
        UserError, match=r"generator variable .* is .*/beta in the checkpoint but .*/gamma in the model"
    ):
        checkpoint.load_checkpoint(fresh, path)
    # Nothing was assigned: a refused checkpoint leaves the model as it was.
    assert all(np.array_equal(a, keras.ops.convert_to_numpy(b)) for a, b in zip(before, fresh.generator.weights))


def test_paths_ignore_keras_per_process_layer_numbering():
    first, second = make_gan("gan"), make_gan("gan")  # the second's layers are dense_7, dense_8, ...
    assert [v.path for v in first.generator.variables] != [v.path for v in second.generator.variables]
    assert [checkpoint.structural_path(v) for v in first.generator.variables] == [
        checkpoint.structural_path(v) for v in second.generator.variables
    ]
