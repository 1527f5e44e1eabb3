"""Measure sample quality with a committed MNIST classifier.

    python -m keras_gan.evaluate RUN_DIR_OR_SAMPLES.npy [--n 10000] [--data PATH]
    python -m keras_gan.evaluate --train-classifier --data PATH

The first prints a table and writes `eval.json` (beside the samples, or into
the run folder). The second retrains the classifier and rewrites its files in
`keras_gan/assets/`.

FCD needs only committed files (the classifier and the Gaussian fit of
held-out real digits), so it works offline and inside a training run.
Precision/recall and the memorization check compare against real images and
run when MNIST is available (`--data`, or the `keras.datasets` cache).
"""

import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

from keras_gan import metrics
from keras_gan.errors import UserError

ASSETS = Path(__file__).parent / "assets"
CLASSIFIER_WEIGHTS = ASSETS / "mnist_classifier.weights.h5"
CLASSIFIER_CARD = ASSETS / "mnist_classifier.json"
REFERENCE_STATS = ASSETS / "mnist_reference.npz"

STANDARD_N = 10_000
# The classifier trains on the first 50,000 training digits; the last 10,000
# are the held-out real reference, never seen by it.
CLASSIFIER_TRAIN = slice(0, 50_000)
HELD_OUT = slice(50_000, 60_000)


def build_classifier():
    """The evaluation CNN: two conv blocks, a 128-d feature layer, 10 logits."""
    import keras
    from keras import layers

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


class Evaluator:
    """Classifier features and probabilities, plus the real reference statistics.

    Args:
        weights: Classifier weights; the checksum in the card must match.
        reference: `.npz` with `mu` and `sigma` of held-out real features.
    """

    def __init__(self, weights=CLASSIFIER_WEIGHTS, reference=REFERENCE_STATS, card=CLASSIFIER_CARD):
        import keras

        for path in (weights, reference, card):
            if not Path(path).exists():
                raise UserError(f"{path}: missing; run python -m keras_gan.evaluate --train-classifier --data PATH")
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
        import keras

        x = images[..., None].astype(np.float32) / 127.5 - 1.0
        features, logits = self.model.predict(x, batch_size=batch_size, verbose=0)
        return features, keras.ops.convert_to_numpy(keras.ops.softmax(logits))

    def fcd(self, features):
        """FCD of classifier features (from `features`) against the held-out reference."""
        return metrics.frechet_distance(*metrics.gaussian_fit(features), self.mu, self.sigma)


def check_samples(samples, source="samples"):
    """Checks an image array; returns it as uint8 [n, 28, 28].

    Accepts uint8, or floats on the same 0..255 scale. Raises `UserError`
    for NaN or Inf, a wrong shape, or values outside 0..255.
    """
    samples = np.asarray(samples)
    if samples.ndim == 4 and samples.shape[-1] == 1:
        samples = samples[..., 0]
    if samples.ndim != 3 or samples.shape[1:] != (28, 28):
        raise UserError(f"{source}: expected images of shape [N, 28, 28]. Received: shape={list(samples.shape)}")
    if len(samples) < 2:
        raise UserError(f"{source}: need at least 2 images to fit a Gaussian. Received: {len(samples)}")
    if samples.dtype == np.uint8:
        return samples
    if not np.issubdtype(samples.dtype, np.number):
        raise UserError(f"{source}: expected numbers. Received: dtype={samples.dtype}")
    if not np.isfinite(samples).all():
        raise UserError(f"{source}: contains NaN or Inf values")
    lo, hi = float(samples.min()), float(samples.max())
    if lo < 0 or hi > 255:
        raise UserError(
            f"{source}: values must be in 0..255 like MNIST (white digit on black). Received: min={lo:g}, max={hi:g}; "
            "for [-1, 1] model outputs use keras_gan.images.to_uint8"
        )
    return np.rint(samples).astype(np.uint8)


def evaluate(samples, evaluator, real_images=None, train_images=None, labels=None):
    """All metrics of uint8 samples [n, 28, 28] as a JSON-ready dict.

    Args:
        samples: Generated digits.
        evaluator: An `Evaluator`.
        real_images: Held-out real digits for precision/recall (optional).
        train_images: Training digits for the memorization check (optional).
        labels: The digits a conditional generator was asked for (optional):
            adds how often the classifier agrees, per digit.
    """
    features, probs = evaluator.features(samples)
    result = {
        "n": len(samples),
        "fcd": evaluator.fcd(features),
        "classifier_score": metrics.classifier_score(probs),
        "mean_confidence": float(probs.max(axis=1).mean()),
        "classes": metrics.class_histogram(probs),
    }
    # Near-identical samples are the plainest sign of mode collapse.
    nearest_other = metrics.nearest_distances(samples, samples, exclude_self=True)
    result["nearest_sample_distance"] = {
        "min": float(nearest_other.min()),
        "median": float(np.median(nearest_other)),
        "share_below_1": float((nearest_other < 1.0).mean()),
    }
    if labels is not None:
        predicted = probs.argmax(axis=1)
        result["label_accuracy"] = {
            "overall": float((predicted == labels).mean()),
            "per_digit": {
                str(d): float((predicted[labels == d] == d).mean()) for d in range(10) if (labels == d).any()
            },
        }
    if real_images is not None:
        real_features, _ = evaluator.features(real_images[: len(samples)])
        precision, recall = metrics.precision_recall(real_features, features)
        result.update(precision=precision, recall=recall)
    if train_images is not None:
        nearest = metrics.nearest_distances(samples, train_images)
        result["nearest_train_distance"] = {
            "min": float(nearest.min()),
            "median": float(np.median(nearest)),
            # Real held-out digits sit about this far from their nearest
            # training digit; samples much closer than that are copies.
            "share_below_2": float((nearest < 2.0).mean()),
        }
    return result


def format_table(result):
    rows = [
        ("N", f"{result['n']}"),
        (f"FCD (N={result['n']}, lower is better)", f"{result['fcd']:.3f}"),
        ("classifier score (max 10)", f"{result['classifier_score']:.3f}"),
        ("mean classifier confidence", f"{result['mean_confidence']:.3f}"),
        ("classes covered (>= 1% of samples)", f"{result['classes']['classes_covered']} / 10"),
        ("largest class share", f"{result['classes']['max_share']:.3f}"),
        ("class entropy (max 2.303)", f"{result['classes']['entropy']:.3f}"),
        ("class shares 0..9", " ".join(f"{s:.3f}" for s in result["classes"]["shares"])),
    ]
    other = result["nearest_sample_distance"]
    rows += [
        ("nearest other sample: min / median", f"{other['min']:.3f} / {other['median']:.3f}"),
        ("share of near-duplicates (closer than 1.0)", f"{other['share_below_1']:.4f}"),
    ]
    if "label_accuracy" in result:
        accuracy = result["label_accuracy"]
        rows.append(("classifier agrees with the asked digit", f"{accuracy['overall']:.4f}"))
        rows += [(f"  digit {d}", f"{a:.4f}") for d, a in accuracy["per_digit"].items()]
    if "precision" in result:
        rows += [("precision (k=3)", f"{result['precision']:.3f}"), ("recall (k=3)", f"{result['recall']:.3f}")]
    if "nearest_train_distance" in result:
        near = result["nearest_train_distance"]
        rows += [
            ("nearest training image: min / median", f"{near['min']:.3f} / {near['median']:.3f}"),
            ("share of samples closer than 2.0", f"{near['share_below_2']:.4f}"),
        ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


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
    import keras

    from keras_gan.io import atomic_path, atomic_write_text, save_npz

    keras.utils.set_random_seed(seed)
    model = build_classifier()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    to_input = lambda a: a[..., None].astype(np.float32) / 127.5 - 1.0  # noqa: E731
    model.fit(to_input(train[0]), train[1], batch_size=128, epochs=epochs, verbose=2)
    _, accuracy = model.evaluate(to_input(held_out[0]), held_out[1], verbose=0)

    out_dir = Path(out_dir)
    weights = out_dir / CLASSIFIER_WEIGHTS.name
    # An uncompiled copy: save_weights of a compiled model also stores Adam's
    # moments, tripling the committed file for nothing.
    inference_copy = build_classifier()
    inference_copy.set_weights(model.get_weights())
    with atomic_path(weights) as tmp:
        inference_copy.save_weights(tmp)
    evaluator_model = keras.Model(model.inputs, model.get_layer("features").output)
    held_out_features = evaluator_model.predict(to_input(held_out[0]), batch_size=1000, verbose=0)
    mu, sigma = metrics.gaussian_fit(held_out_features)
    save_npz(out_dir / REFERENCE_STATS.name, mu=mu, sigma=sigma, n=len(held_out_features))
    card = {
        "architecture": "keras_gan.evaluate.build_classifier",
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


def load_samples(source, n, seed):
    """(samples, labels or None, default JSON path) from a `.npy` file or a run folder.

    Beside `X.npy`, a `X_labels.npy` (written by `generate` for conditional
    models) supplies the asked-for digits.
    """
    path = Path(source)
    if path.suffix == ".npy":
        try:
            samples = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise UserError(f"{path}: cannot read ({e})") from None
        labels_path = path.with_name(path.stem + "_labels.npy")
        labels = np.load(labels_path) if labels_path.exists() else None
        return check_samples(samples, path), labels, path.with_name(path.stem + "_eval.json")
    from keras_gan import generate

    samples, labels = generate.generate(generate.load_generator(path), n, seed)
    return samples, labels, (path if path.is_dir() else path.parent) / "eval.json"


def main(argv=None):
    from keras_gan.cli import OneLineErrorParser

    parser = OneLineErrorParser(
        prog="python -m keras_gan.evaluate",
        description="Measure generated digits: FCD, classifier score, class coverage, precision/recall, memorization.",
    )
    parser.add_argument(
        "source", nargs="?", metavar="RUN_DIR_OR_SAMPLES.npy", help="a run folder or a .npy of uint8 digits"
    )
    parser.add_argument("--n", type=int, default=STANDARD_N, help="samples to draw from a run folder")
    parser.add_argument("--seed", type=int, default=0, help="noise seed for drawing samples")
    parser.add_argument("--data", default="", help="local MNIST for precision/recall and memorization (see train.py)")
    parser.add_argument("--out", help="where to write the JSON (default: eval.json beside the source)")
    parser.add_argument("--train-classifier", action="store_true", help="retrain the evaluation classifier")
    args = parser.parse_args(argv)
    try:
        from keras_gan.data import load_mnist

        if args.train_classifier:
            x, y = load_mnist(args.data)
            card = train_classifier((x[CLASSIFIER_TRAIN], y[CLASSIFIER_TRAIN]), (x[HELD_OUT], y[HELD_OUT]))
            print(f"held-out accuracy {card['held_out_accuracy']:.4f}; wrote {CLASSIFIER_WEIGHTS.parent}")
            return 0
        if not args.source:
            parser.error("give a run folder or a .npy of samples (or --train-classifier)")
        if args.n < 2:
            parser.error(f"--n must be at least 2. Received: {args.n}")
        samples, labels, out = load_samples(args.source, args.n, args.seed)
        evaluator = Evaluator()
        real = train = None
        try:
            x, _ = load_mnist(args.data)
            real, train = x[HELD_OUT], x[CLASSIFIER_TRAIN]
        except UserError as e:
            print(f"note: precision/recall and memorization skipped: {e}", file=sys.stderr)
        result = evaluate(samples, evaluator, real, train, labels)
    except UserError as e:
        parser.error(str(e))
    out = Path(args.out) if args.out else out
    from keras_gan.io import atomic_write_text

    atomic_write_text(out, json.dumps(result, indent=2) + "\n")
    print(format_table(result))
    print(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
