"""Shared fixtures: tiny synthetic MNIST-like data and run folders, made fresh in each test session."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from keras_gan import paths  # noqa: E402
from keras_gan.files import save_keras  # noqa: E402
from keras_gan.training.config import TrainConfig  # noqa: E402
from tests.helpers import randomized_generator, synthetic_digits  # noqa: E402


@pytest.fixture
def tiny_npz(tmp_path):
    """A 256-image `.npz` in Keras' mnist.npz layout."""
    x, y = synthetic_digits()
    path = tmp_path / "tiny_mnist.npz"
    np.savez(path, x_train=x, y_train=y)
    return path


@pytest.fixture
def tiny_config(tiny_npz, tmp_path):
    """A config that trains the small `gan` for 2 quick epochs on `tiny_npz`, evaluating each epoch."""
    return TrainConfig(
        arch="gan",
        epochs=2,
        batch_size=32,
        data=str(tiny_npz),
        out=str(tmp_path / "run"),
        grid_size=4,
        eval_every=1,
        eval_n=200,
    )


@pytest.fixture(scope="session")
def generator_run(tmp_path_factory):
    """make(arch) -> a run folder holding config.json and a trained-looking random generator.keras."""
    made = {}

    def make(arch):
        if arch not in made:
            run_dir = tmp_path_factory.mktemp(f"{arch}-run")
            save_keras(randomized_generator(arch), run_dir / paths.GENERATOR)
            TrainConfig(arch=arch, epochs=3, out=str(run_dir)).validate().to_json(run_dir / paths.CONFIG)
            made[arch] = run_dir
        return made[arch]

    return make


@pytest.fixture(scope="session")
def tiny_assets(tmp_path_factory):
    """(folder, card) of an evaluation classifier trained for two epochs on tiny synthetic digits."""
    from keras_gan.evaluation.classifier import train_classifier

    out = tmp_path_factory.mktemp("assets")
    card = train_classifier(synthetic_digits(1000), synthetic_digits(200, seed=9), epochs=2, out_dir=out)
    return out, card


@pytest.fixture(scope="session")
def tiny_classifier(tiny_assets):
    """A `Classifier` over `tiny_assets`: it reads the synthetic bars as ten classes."""
    from keras_gan.evaluation.classifier import Classifier

    out, _ = tiny_assets
    return Classifier(out / "mnist_classifier.weights.h5", out / "mnist_reference.npz", out / "mnist_classifier.json")


@pytest.fixture(scope="session")
def tfjs_run(generator_run):
    """make(arch) -> a run folder of `generator_run` whose generator is also exported to TF.js (once per session)."""
    from keras_gan.export import export

    exported = {}

    def make(arch):
        if arch not in exported:
            run_dir = generator_run(arch)
            export(run_dir, "tfjs", force=True)
            exported[arch] = run_dir
        return exported[arch]

    return make
