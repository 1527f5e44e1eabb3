"""The evaluation classifier: training it, the committed weights and their checksum."""

import json

import numpy as np
import pytest

from keras_gan.errors import UserError
from keras_gan.evaluation import classifier as lib
from tests.helpers import synthetic_digits


def test_train_classifier_writes_weights_card_and_reference(tiny_assets):
    out, card = tiny_assets
    assert card["weights_sha256"] == lib.sha256(out / "mnist_classifier.weights.h5")
    assert json.loads((out / "mnist_classifier.json").read_text()) == card
    with np.load(out / "mnist_reference.npz") as ref:
        assert ref["mu"].shape == (128,) and ref["sigma"].shape == (128, 128) and int(ref["n"]) == 200
    # Synthetic classes are bars at different rows: trivially separable.
    assert card["held_out_accuracy"] > 0.9


def test_tampered_weights_are_refused(tiny_assets, tmp_path):
    out, _ = tiny_assets
    weights = tmp_path / "w.weights.h5"
    weights.write_bytes((out / "mnist_classifier.weights.h5").read_bytes() + b"x")
    with pytest.raises(UserError, match="checksum does not match"):
        lib.Classifier(weights, out / "mnist_reference.npz", out / "mnist_classifier.json")


def test_committed_classifier_matches_its_card():
    card = json.loads(lib.CLASSIFIER_CARD.read_text())
    assert lib.sha256(lib.CLASSIFIER_WEIGHTS) == card["weights_sha256"]
    assert card["held_out_accuracy"] >= 0.99
    classifier = lib.Classifier()
    x, _ = synthetic_digits(20)
    features, probs = classifier.features(x)
    assert features.shape == (20, 128) and probs.shape == (20, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
