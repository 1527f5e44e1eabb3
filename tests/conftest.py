"""Shared fixtures: tiny synthetic MNIST-like data, made fresh in each test session."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from keras_gan.config import TrainConfig  # noqa: E402


def synthetic_digits(n=256, seed=0):
    """uint8 [n, 28, 28] images and labels: class k is a bright bar at row 2k+4, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n).astype(np.uint8)
    x = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, label in enumerate(y):
        row = 2 * label + 4
        x[i, row : row + 2, 4:24] = 255
    return x, y


@pytest.fixture
def tiny_npz(tmp_path):
    """A 256-image `.npz` in Keras' mnist.npz layout."""
    x, y = synthetic_digits()
    path = tmp_path / "tiny_mnist.npz"
    np.savez(path, x_train=x, y_train=y)
    return path


@pytest.fixture
def tiny_config(tiny_npz, tmp_path):
    """A config that trains the small `gan` for 2 quick epochs on `tiny_npz`, without evaluation."""
    return TrainConfig(
        arch="gan",
        epochs=2,
        batch_size=32,
        data=str(tiny_npz),
        out=str(tmp_path / "run"),
        grid_size=4,
        # The evaluator's classifier reads bars as 1s and 7s: on synthetic
        # data it would (rightly) report class collapse.
        eval_every=0,
    )


def randomized_generator(arch, seed=0):
    """An untrained `arch` generator with random weights and batch-norm statistics.

    Fresh batch norm (mean 0, variance 1) makes a near-constant image; random
    statistics make every pixel depend on z, so export tests can tell outputs apart.
    """
    import keras

    from keras_gan.networks import build_networks

    keras.utils.set_random_seed(seed)
    generator, _ = build_networks(arch)
    rng = np.random.default_rng(seed)
    for variable in generator.weights:
        shape = tuple(variable.shape)
        if "variance" in variable.path:
            variable.assign(rng.uniform(0.5, 1.5, shape).astype("float32"))
        elif "mean" in variable.path or "beta" in variable.path or "gamma" in variable.path:
            variable.assign(rng.normal(0.0 if "gamma" not in variable.path else 1.0, 0.3, shape).astype("float32"))
    return generator


@pytest.fixture(scope="module")
def generator_run(tmp_path_factory):
    """make(arch) -> a run folder holding config.json and a randomized generator.keras."""
    from keras_gan.io import save_keras

    def make(arch):
        run_dir = tmp_path_factory.mktemp(f"{arch}-run")
        save_keras(randomized_generator(arch), run_dir / "generator.keras")
        TrainConfig(arch=arch, epochs=3, out=str(run_dir)).validate().to_json(run_dir / "config.json")
        return run_dir

    return make
