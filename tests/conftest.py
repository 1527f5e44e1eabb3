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
