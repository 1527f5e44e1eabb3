"""Loading generators and drawing digits: in memory, streamed in chunks, and refused when unsafe."""

import shutil
import zipfile

import keras
import numpy as np
import pytest
from keras import layers
from PIL import Image

from keras_gan import paths
from keras_gan.core import sampling
from keras_gan.errors import UserError
from keras_gan.images import to_uint8
from tests.helpers import make_gan


@pytest.fixture(scope="module")
def generators(generator_run):
    return {arch: sampling.load_generator(generator_run(arch)) for arch in ("gan", "cgan")}


def test_generate_draws_what_the_generator_computes_for_seeded_z(generators):
    images, labels = sampling.generate(generators["gan"], 70, seed=3)
    assert images.shape == (70, 28, 28) and images.dtype == np.uint8 and labels is None
    z = np.random.default_rng(3).standard_normal((70, 100)).astype("float32")
    np.testing.assert_array_equal(images, to_uint8(generators["gan"].predict(z, verbose=0)))
    assert images.std() > 10  # a trained-looking random generator draws varied pixels


def test_same_seed_same_digits_other_seed_other_digits(generators):
    (a, _), (b, _), (c, _) = (sampling.generate(generators["gan"], 10, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_chunks_draw_the_same_digits_as_one_batch(generators):
    whole = list(sampling.sample_chunks(generators["cgan"], 50, seed=4, chunk=50))
    pieces = list(sampling.sample_chunks(generators["cgan"], 50, seed=4, chunk=16))
    assert [len(p[0]) for p in pieces] == [16, 16, 16, 2]
    np.testing.assert_array_equal(whole[0][0], np.concatenate([p[0] for p in pieces]))
    np.testing.assert_array_equal(whole[0][1], np.concatenate([p[1] for p in pieces]))


def test_conditional_labels_uniform_or_one_digit(generators):
    images, labels = sampling.generate(generators["cgan"], 300, seed=0)
    assert labels.dtype == np.int32 and set(labels.tolist()) == set(range(10))
    z = np.random.default_rng(0).standard_normal((300, 100)).astype("float32")
    np.testing.assert_array_equal(images, to_uint8(generators["cgan"].predict([z, labels], verbose=0)))
    sevens, labels = sampling.generate(generators["cgan"], 20, seed=0, digit=7)
    np.testing.assert_array_equal(labels, np.full(20, 7))
    np.testing.assert_array_equal(sevens, to_uint8(generators["cgan"].predict([z[:20], labels], verbose=0)))


@pytest.mark.parametrize(
    "n, digit, arch, message",
    [
        (0, None, "gan", "`n` must be a positive integer. Received: n=0"),
        (2.5, None, "gan", "`n` must be a positive integer"),
        (5, 3, "gan", "`digit` needs a conditional generator"),
        (5, 12, "cgan", r"`digit` must be a digit 0..9. Received: digit=12"),
    ],
)
def test_bad_requests(generators, n, digit, arch, message):
    with pytest.raises(UserError, match=message):
        sampling.generate(generators[arch], n, digit=digit)


def test_write_samples_streams_more_than_a_chunk(generators, tmp_path):
    """More digits than one chunk: the file holds them all, equal to the in-memory draw."""
    written = sampling.write_samples(generators["cgan"], 45, tmp_path / "s", seed=5, chunk=16)
    assert [p.name for p in written] == ["s.npy", "s_labels.npy", "s.png"]
    images, labels = sampling.generate(generators["cgan"], 45, seed=5)
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), images)
    np.testing.assert_array_equal(np.load(tmp_path / "s_labels.npy"), labels)
    with Image.open(tmp_path / "s.png") as png:
        assert png.size == (2 * (8 * 30 + 2),) * 2  # the first 64 cells of an 8x8 grid
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.npy", "s.png", "s_labels.npy"]  # no temporary files


def test_write_samples_refuses_a_request_the_disk_cannot_hold(generators, tmp_path, monkeypatch):
    (tmp_path / "s.npy").write_bytes(b"earlier samples")
    free = shutil.disk_usage(tmp_path).free
    with pytest.raises(UserError, match=r"`n`=\d+ digits need .* MiB free"):
        sampling.write_samples(generators["gan"], free // 784 + 1, tmp_path / "s")
    assert (tmp_path / "s.npy").read_bytes() == b"earlier samples"


def test_loads_a_whole_gan_file(tmp_path):
    gan = make_gan("gan")
    gan.save(tmp_path / "gan.keras")
    generator = sampling.load_generator(tmp_path / "gan.keras")
    assert generator.name == "generator"


def lambda_generator():
    z = keras.Input((100,))
    x = layers.Dense(784)(z)
    return keras.Model(z, layers.Lambda(lambda t: keras.ops.reshape(t, (-1, 28, 28, 1)))(x))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "not found"),
        (lambda p: p.write_bytes(b""), "not a .keras file"),
        (lambda p: p.write_bytes(b"not a zip"), "not a .keras file"),
        (lambda p: zipfile.ZipFile(p, "w").writestr("weights.txt", "x"), "not a Keras model file"),
        (lambda p: lambda_generator().save(p), "cannot load this model"),
    ],
    ids=["missing", "empty", "garbage", "zip-without-config", "lambda-layer"],
)
def test_unusable_files_are_one_line_errors(tmp_path, make, message):
    path = tmp_path / "g.keras"
    make(path)
    with pytest.raises(UserError, match=message) as error:
        sampling.load_generator(path)
    assert "\n" not in str(error.value)


def test_a_flipped_byte_is_caught_by_the_crc(generator_run, tmp_path):
    data = bytearray((generator_run("gan") / paths.GENERATOR).read_bytes())
    with zipfile.ZipFile(generator_run("gan") / paths.GENERATOR) as archive:
        info = max(archive.infolist(), key=lambda i: i.compress_size)  # the weights
    data[info.header_offset + 30 + len(info.filename) + info.compress_size // 2] ^= 0xFF
    (tmp_path / "g.keras").write_bytes(bytes(data))
    with pytest.raises(UserError, match="Bad CRC-32"):
        sampling.load_generator(tmp_path / "g.keras")


def test_a_model_that_draws_no_digits_is_refused(tmp_path):
    z = keras.Input((100,))
    keras.Model(z, layers.Dense(10)(z)).save(tmp_path / "classifier.keras")
    with pytest.raises(UserError, match="not a digit generator"):
        sampling.load_generator(tmp_path / "classifier.keras")
