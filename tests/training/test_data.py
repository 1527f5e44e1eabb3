import gzip

import keras
import numpy as np
import pytest

from keras_gan.errors import UserError
from keras_gan.training import data
from tests.helpers import synthetic_digits


def write_idx(path, array, magic, compress):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    if compress:
        with gzip.open(str(path) + ".gz", "wb") as f:
            f.write(raw)
    else:
        path.write_bytes(raw)


def test_npz_loads(tiny_npz):
    x, y = data.load_mnist(tiny_npz)
    expected_x, expected_y = synthetic_digits()
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)


@pytest.mark.parametrize("compress", [True, False])
def test_idx_folder_loads(tmp_path, compress):
    x, y = synthetic_digits(20)
    write_idx(tmp_path / "train-images-idx3-ubyte", x, 2051, compress)
    write_idx(tmp_path / "train-labels-idx1-ubyte", y, 2049, compress)
    lx, ly = data.load_mnist(tmp_path)
    np.testing.assert_array_equal(lx, x)
    np.testing.assert_array_equal(ly, y)


def test_default_uses_keras_datasets(monkeypatch):
    x, y = synthetic_digits(10)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: ((x, y), (x[:2], y[:2])))
    lx, _ = data.load_mnist(None)
    np.testing.assert_array_equal(lx, x)


def test_offline_without_data_says_what_to_pass(monkeypatch):
    def offline():
        raise Exception(
            "URL fetch failure on https://example.invalid/mnist.npz: None -- [Errno -2] Name or service not known"
        )

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(UserError, match="pass `data`") as e:
        data.load_mnist("")
    assert "\n" not in str(e.value)


def bad_npz(tmp_path, **arrays):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    "arrays, message",
    [
        (dict(x_train=np.zeros((4, 28, 28), np.uint8)), r"missing key\(s\) \['y_train'\]"),
        (dict(x_train=np.zeros((4, 28, 28), np.float32), y_train=np.zeros(4, np.uint8)), "must be uint8"),
        (dict(x_train=np.zeros((4, 32, 32), np.uint8), y_train=np.zeros(4, np.uint8)), r"shape \[N, 28, 28\]"),
        (dict(x_train=np.zeros((4, 28, 28), np.uint8), y_train=np.zeros(3, np.uint8)), "to match x_train"),
        (dict(x_train=np.zeros((4, 28, 28), np.uint8), y_train=np.full(4, 12, np.uint8)), "labels 0..9"),
    ],
)
def test_bad_npz_contents_are_named(tmp_path, arrays, message):
    path = bad_npz(tmp_path, **arrays)
    with pytest.raises(UserError, match=message) as e:
        data.load_mnist(path)
    assert str(path) in str(e.value)


def test_corrupt_and_missing_files(tmp_path):
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(UserError, match="not a readable .npz"):
        data.load_mnist(corrupt)
    with pytest.raises(UserError, match="no such file"):
        data.load_mnist(tmp_path / "nope.npz")


def test_bad_idx_files(tmp_path):
    with pytest.raises(UserError, match="no train-images-idx3-ubyte"):
        data.load_mnist(tmp_path)
    x, y = synthetic_digits(5)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + (5).to_bytes(4, "big") + b"\x00" * 20)
    write_idx(tmp_path / "train-labels-idx1-ubyte", y, 2049, False)
    with pytest.raises(UserError, match="truncated or corrupt"):
        data.load_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"garbage!")
    with pytest.raises(UserError, match="not an MNIST IDX file"):
        data.load_mnist(tmp_path)


def test_to_model_range():
    out = np.array(data.to_model_range(np.array([0, 255, 51], np.uint8)))
    np.testing.assert_allclose(out, [-1.0, 1.0, 51 / 127.5 - 1], atol=1e-6)


def batches(dataset):
    return [np.asarray(images) for images, _ in dataset]


def numpy_pipeline(x, y, batch_size, seed, start_epoch, epochs):
    """`make_dataset` as another backend gets it: `numpy_batches`, which imports no TensorFlow."""
    return data.numpy_batches(x, y, batch_size, seed, start_epoch, epochs), data.steps_per_epoch(len(x), batch_size)


@pytest.mark.parametrize("make_dataset", [data.make_dataset, numpy_pipeline], ids=["tf.data", "numpy"])
def test_dataset_order_is_a_function_of_seed_and_epoch(make_dataset):
    x, y = synthetic_digits(40)
    full, steps = make_dataset(x, y, batch_size=8, seed=5, start_epoch=0, epochs=3)
    assert steps == 5
    full = batches(full)
    assert len(full) == 15 and full[0].shape == (8, 28, 28, 1) and full[0].dtype == np.float32
    assert full[0].min() >= -1 and full[0].max() <= 1
    # A resumed run at epoch 1 sees exactly what the uninterrupted run saw.
    resumed = batches(make_dataset(x, y, batch_size=8, seed=5, start_epoch=1, epochs=3)[0])
    assert len(resumed) == 10
    for a, b in zip(full[5:], resumed):
        np.testing.assert_array_equal(a, b)
    # Each epoch is a permutation of the data, in a different order.
    epoch0 = np.concatenate(full[:5]).reshape(40, -1)
    epoch1 = np.concatenate(full[5:10]).reshape(40, -1)
    assert not np.array_equal(epoch0, epoch1)
    as_set = lambda a: sorted(map(bytes, a.astype(np.float32)))  # noqa: E731
    assert as_set(epoch0) == as_set(epoch1)
    np.testing.assert_allclose(np.sort(epoch0, axis=None), np.sort(data.to_model_range(x).reshape(-1)), atol=1e-6)
    # Labels travel with their images.
    for images, labels in make_dataset(x, y, batch_size=8, seed=5, start_epoch=0, epochs=1)[0]:
        assert np.asarray(labels).dtype == np.int32
        for image, label in zip(np.asarray(images), np.asarray(labels)):
            row = int(np.argmax(image[:, 10, 0]))  # the synthetic bar sits at row 2*label + 4
            assert row == 2 * label + 4
    other_seed = batches(make_dataset(x, y, batch_size=8, seed=6, start_epoch=0, epochs=1)[0])
    assert not np.array_equal(other_seed[0], full[0])


def test_tf_pipeline_runs_without_autotuning():
    # tf.data's autotune thread made fit() stall at the end of a run (docs/performance.md).
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the tf.data pipeline is the TensorFlow backend's")
    x, y = synthetic_digits(16)
    dataset, _ = data.make_dataset(x, y, batch_size=8, seed=0, start_epoch=0, epochs=1)
    assert dataset.options().autotune.enabled is False


def test_numpy_pipeline_drops_the_last_partial_batch():
    x, y = synthetic_digits(20)
    order = data.epoch_order(len(x), batch_size=8, seed=0, epoch=0)
    assert len(order) == 16 and len(set(order.tolist())) == 16
    assert len(batches(data.numpy_batches(x, y, batch_size=8, seed=0, start_epoch=0, epochs=2))) == 4


def test_batch_larger_than_data():
    x, y = synthetic_digits(10)
    with pytest.raises(UserError, match=r"`batch_size` must be at most the 10 training images"):
        data.make_dataset(x, y, batch_size=64, seed=0, start_epoch=0, epochs=1)
