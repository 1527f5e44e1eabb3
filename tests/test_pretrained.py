"""The generators that ship in keras_gan/pretrained/: they load, draw the documented digits, and are good."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import paths
from keras_gan.core.sampling import generate, load_generator
from keras_gan.evaluation.classifier import Classifier
from keras_gan.training.config import TrainConfig
from tests.helpers import run_cli

# FCD of 2,000 samples (seed 0) must stay under these: the values measured
# when the files were made (docs/development.md), plus room for the round-off
# of other CPUs, not for a worse generator.
FCD_2K_BOUND = {"dcgan": 6.3, "cdcgan": 4.5}
MAX_TOTAL_BYTES = 10 * 2**20


@pytest.fixture(scope="module", params=paths.PRETRAINED)
def pretrained(request):
    folder = paths.pretrained_dir(request.param)
    return request.param, folder, load_generator(folder)


def test_the_files_are_small_float32_and_documented():
    total = sum(f.stat().st_size for f in paths.PRETRAINED_DIR.rglob("*") if f.is_file())
    assert total <= MAX_TOTAL_BYTES
    for name in paths.PRETRAINED:
        folder = paths.pretrained_dir(name)
        config = TrainConfig.from_json(folder / paths.CONFIG).validate()
        assert config.arch == name and config.data == "" and not config.mixed_precision
        assert json.loads((folder / paths.EVAL).read_text())["n"] == 10_000
        assert f"--arch {name}" in (folder / "README.md").read_text()


def test_loads_and_draws_finite_digits_in_range(pretrained):
    name, _, generator = pretrained
    assert all(w.dtype == "float32" for w in generator.weights)
    z = keras.random.normal((8, 100), seed=1)
    images = generator([z, keras.ops.arange(8) % 10] if name == "cdcgan" else z)
    images = keras.ops.convert_to_numpy(images)
    assert np.isfinite(images).all() and images.min() >= -1 and images.max() <= 1
    assert images.std() > 0.2  # digits, not a flat field


def test_seed_0_draws_the_documented_digits(pretrained):
    _, folder, generator = pretrained
    expected = np.load(folder / "samples_seed0.npy")
    samples, _ = generate(generator, len(expected), seed=0)
    difference = np.abs(samples.astype(int) - expected.astype(int))
    # Another CPU's float round-off moves a pixel by a level or two, never a digit.
    assert difference.max() <= 3 and difference.mean() < 0.05


def test_fcd_on_2000_samples_is_below_the_bound(pretrained):
    name, _, generator = pretrained
    samples, _ = generate(generator, 2000, seed=0)
    classifier = Classifier()
    features, _ = classifier.features(samples)
    assert classifier.fcd(features) < FCD_2K_BOUND[name]


def test_pretrained_cdcgan_draws_the_digit_asked_for(tmp_path, capsys):
    argv = ["--pretrained", "cdcgan", "--digit", "7", "--n", "200", "--out", tmp_path / "s"]
    code, _, err = run_cli("generate", argv, capsys)
    assert code == 0, err
    _, probs = Classifier().features(np.load(tmp_path / "s.npy"))
    assert (probs.argmax(axis=1) == 7).mean() >= 0.98


def test_evaluate_and_export_take_a_pretrained_generator(tmp_path, capsys):
    # No run folder, no data, no training: straight from the installed package.
    code, _, err = run_cli("evaluate", ["--pretrained", "dcgan", "--n", "500", "--out", tmp_path / "eval.json"], capsys)
    assert code == 0, err
    report = json.loads((tmp_path / "eval.json").read_text())
    assert 0 < report["fcd"] < 2 * FCD_2K_BOUND["dcgan"]  # 500 samples read higher than 2,000
    argv = ["--pretrained", "dcgan", "--format", "saved_model", "--out", tmp_path / "export"]
    code, _, err = run_cli("export", argv, capsys)
    assert code == 0, err
    z = np.random.default_rng(9).standard_normal((4, 100)).astype("float32")
    served = tf.saved_model.load(str(paths.export_dir(None, "saved_model", base=tmp_path / "export")))
    images = served.signatures["serving_default"](z=tf.constant(z))["images"].numpy()
    expected = (load_generator(paths.pretrained_dir("dcgan")).predict(z, verbose=0) + 1) / 2
    assert np.abs(expected[0] - expected[1]).max() > 1e-3  # the digits differ with z
    np.testing.assert_allclose(images, expected, atol=1e-5, rtol=0)
