import dataclasses

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import generate, training
from keras_gan.images import to_uint8


def train_tiny(tmp, arch):
    from tests.conftest import synthetic_digits

    x, y = synthetic_digits()
    np.savez(tmp / "d.npz", x_train=x, y_train=y)
    config = training.TrainConfig(
        arch=arch, epochs=1, batch_size=64, data=str(tmp / "d.npz"), out=str(tmp / arch), eval_every=0
    )
    return training.train(config, verbose=0)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("gen"), "gan")


@pytest.fixture(scope="module")
def conditional_run_dir(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("cgen"), "cgan")


def test_generate_writes_mnist_like_arrays_and_a_grid(run_dir, tmp_path, capsys):
    prefix = tmp_path / "samples"
    assert generate.main([str(run_dir), "--n", "70", "--seed", "3", "--out", str(prefix)]) == 0
    samples = np.load(tmp_path / "samples.npy")
    assert samples.shape == (70, 28, 28) and samples.dtype == np.uint8
    # Same z through the saved generator gives the same pixels.
    generator = keras.saving.load_model(run_dir / "generator.keras")
    z = np.random.default_rng(3).standard_normal((70, 100)).astype("float32")
    np.testing.assert_array_equal(samples, to_uint8(generator.predict(z, verbose=0)))
    with Image.open(tmp_path / "samples.png") as png:
        assert png.size == (2 * (8 * 30 + 2),) * 2  # the first 64 as an 8x8 grid
    assert "samples.npy" in capsys.readouterr().out


def test_same_seed_same_digits_other_seed_other_digits(run_dir):
    generator = generate.load_generator(run_dir)
    (a, _), (b, _), (c, _) = (generate.generate(generator, 10, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_loads_a_whole_gan_file(run_dir, tmp_path):
    config = training.TrainConfig.from_json(run_dir / "config.json")
    gan = training.build_gan(dataclasses.replace(config))
    gan.save(tmp_path / "gan.keras")
    generator = generate.load_generator(tmp_path / "gan.keras")
    assert generator.name == "generator"


@pytest.mark.parametrize("argv, message", [(["--n", "0"], "--n must be a positive integer")])
def test_bad_n(run_dir, argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        generate.main([str(run_dir), *argv])
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_bad_sources(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        generate.main([str(tmp_path), "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "generator.keras: not found" in err and err.count("\n") == 1
    corrupt = tmp_path / "broken.keras"
    corrupt.write_bytes(b"not a zip")
    with pytest.raises(SystemExit) as e:
        generate.main([str(corrupt), "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "cannot load this model" in err and err.count("\n") == 1
    assert not (tmp_path / "s.npy").exists()


def test_conditional_digit_and_labels(conditional_run_dir, tmp_path):
    generator = generate.load_generator(conditional_run_dir)
    assert generate.is_conditional(generator)
    assert (
        generate.main([str(conditional_run_dir), "--n", "20", "--digit", "7", "--out", str(tmp_path / "sevens")]) == 0
    )
    sevens = np.load(tmp_path / "sevens.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "sevens_labels.npy"), np.full(20, 7))
    z = np.random.default_rng(0).standard_normal((20, 100)).astype("float32")
    np.testing.assert_array_equal(sevens, to_uint8(generator.predict([z, np.full(20, 7, "int32")], verbose=0)))
    assert generate.main([str(conditional_run_dir), "--n", "200", "--out", str(tmp_path / "mixed")]) == 0
    labels = np.load(tmp_path / "mixed_labels.npy")
    assert labels.shape == (200,) and set(labels.tolist()) == set(range(10))


def test_digit_errors(run_dir, conditional_run_dir, tmp_path, capsys):
    for source, digit, message in [
        (run_dir, "3", "needs a conditional generator"),
        (conditional_run_dir, "12", "0..9"),
    ]:
        with pytest.raises(SystemExit) as e:
            generate.main([str(source), "--digit", digit, "--out", str(tmp_path / "x")])
        assert e.value.code == 2 and message in capsys.readouterr().err
