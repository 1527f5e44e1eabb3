"""The committed MNIST classifier whose features score generated digits.

Its weights, a card (training setup, held-out accuracy, SHA-256 of the
weights) and the Gaussian fit of held-out real digits' features ship in
`assets/`, so FCD works offline and inside a training run.
"""

import hashlib
import json
from pathlib import Path

import keras
import numpy as np
from keras import layers

from keras_gan.errors import UserError
from keras_gan.evaluation import scores
from keras_gan.files import atomic_path, atomic_write_text, save_npz
from keras_gan.images import from_uint8

ASSETS = Path(__file__).resolve().parent / "assets"
CLASSIFIER_WEIGHTS = ASSETS / "mnist_classifier.weights.h5"
CLASSIFIER_CARD = ASSETS / "mnist_classifier.json"
REFERENCE_STATS = ASSETS / "mnist_reference.npz"

# The classifier trains on the first 50,000 training digits; the last 10,000
# are the held-out real reference, never seen by it.
CLASSIFIER_TRAIN = slice(0, 50_000)
HELD_OUT = slice(50_000, 60_000)


def build_classifier():
    """The evaluation CNN: two conv blocks, a 128-d feature layer, 10 logits."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.25),
            layers.Dense(128, activation="relu", name="features"),
            layers.Dropout(0.25),
            layers.Dense(10, name="logits"),
        ],
        name="mnist_classifier",
    )


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class Classifier:
    """Classifier features and probabilities of digits, and the real reference statistics.

    Args:
        weights: Classifier weights; the checksum in the card must match.
        reference: `.npz` with `mu` and `sigma` of held-out real features.
        card: The JSON card that holds the weights' checksum.

    Example:

    >>> classifier = Classifier()
    >>> features, probs = classifier.features(uint8_digits)
    >>> classifier.fcd(features)
    """

    def __init__(self, weights=CLASSIFIER_WEIGHTS, reference=REFERENCE_STATS, card=CLASSIFIER_CARD):
        for path in (weights, reference, card):
            if not Path(path).exists():
                raise UserError(f"{path}: missing; retrain it with keras-gan evaluate --train-classifier --data PATH")
        expected = json.loads(Path(card).read_text())["weights_sha256"]
        if sha256(weights) != expected:
            raise UserError(f"{weights}: checksum does not match {card}; the file is corrupt or was replaced")
        classifier = build_classifier()
        classifier.load_weights(weights)
        self.model = keras.Model(
            classifier.inputs, [classifier.get_layer("features").output, classifier.get_layer("logits").output]
        )
        with np.load(reference) as ref:
            self.mu, self.sigma = ref["mu"], ref["sigma"]

    def features(self, images, batch_size=1000):
        """(features [n, 128], class probabilities [n, 10]) of uint8 images [n, 28, 28]."""
        features, logits = self.model.predict(from_uint8(images), batch_size=batch_size, verbose=0)
        return features, keras.ops.convert_to_numpy(keras.ops.softmax(logits))

    def fcd(self, features):
        """FCD of classifier features (from `features`) against the held-out reference."""
        return scores.frechet_distance(*scores.gaussian_fit(features), self.mu, self.sigma)


def train_classifier(train, held_out, epochs=6, seed=0, out_dir=ASSETS):
    """Trains the evaluation classifier and writes its weights, card and reference stats.

    Args:
        train: (uint8 images [n, 28, 28], labels [n]) to train on.
        held_out: (images, labels) never trained on: the accuracy is measured
            and the reference statistics are fitted on these.
        epochs: Training epochs.
        seed: Seed of the weights and the data order.
        out_dir: Where the three files go.

    Returns:
        The card (a dict), including the held-out accuracy.
    """
    keras.utils.set_random_seed(seed)
    model = build_classifier()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(from_uint8(train[0]), train[1], batch_size=128, epochs=epochs, verbose=2)
    _, accuracy = model.evaluate(from_uint8(held_out[0]), held_out[1], verbose=0)

    out_dir = Path(out_dir)
    weights = out_dir / CLASSIFIER_WEIGHTS.name
    # An uncompiled copy: save_weights of a compiled model also stores Adam's
    # moments, tripling the committed file for nothing.
    inference_copy = build_classifier()
    inference_copy.set_weights(model.get_weights())
    with atomic_path(weights) as tmp:
        inference_copy.save_weights(tmp)
    feature_model = keras.Model(model.inputs, model.get_layer("features").output)
    held_out_features = feature_model.predict(from_uint8(held_out[0]), batch_size=1000, verbose=0)
    mu, sigma = scores.gaussian_fit(held_out_features)
    save_npz(out_dir / REFERENCE_STATS.name, mu=mu, sigma=sigma, n=len(held_out_features))
    card = {
        "architecture": "keras_gan.evaluation.classifier.build_classifier",
        "train_images": "MNIST training split [0:50000]",
        "held_out_images": "MNIST training split [50000:60000]",
        "epochs": epochs,
        "batch_size": 128,
        "optimizer": "Adam(1e-3)",
        "seed": seed,
        "held_out_accuracy": round(float(accuracy), 5),
        "weights_sha256": sha256(weights),
        "reference": f"{REFERENCE_STATS.name}: mean and covariance of the 128-d features of the held-out digits",
    }
    atomic_write_text(out_dir / CLASSIFIER_CARD.name, json.dumps(card, indent=2) + "\n")
    return card
