"""Scoring generated digits: every metric in one JSON-ready dict, and its table.

FCD and the class statistics need only the committed classifier
(`keras_gan.evaluation.classifier`). Precision/recall and the memorization
check also compare against real digits, when they are given.
"""

from pathlib import Path

import numpy as np

from keras_gan import paths
from keras_gan.core import sampling
from keras_gan.errors import UserError
from keras_gan.evaluation import scores
from keras_gan.evaluation.classifier import Classifier

STANDARD_N = 10_000


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


def evaluate(samples, classifier=None, real_images=None, train_images=None, labels=None):
    """All metrics of uint8 samples [n, 28, 28] as a JSON-ready dict.

    Args:
        samples: Generated digits.
        classifier: A `Classifier` (default: the committed one).
        real_images: Held-out real digits for precision/recall (optional).
        train_images: Training digits for the memorization check (optional).
        labels: The digits a conditional generator was asked for (optional):
            adds how often the classifier agrees, per digit.
    """
    samples = check_samples(samples)
    classifier = classifier or Classifier()
    features, probs = classifier.features(samples)
    result = {
        "n": len(samples),
        "fcd": classifier.fcd(features),
        "classifier_score": scores.classifier_score(probs),
        "mean_confidence": float(probs.max(axis=1).mean()),
        "classes": scores.class_histogram(probs),
    }
    # Near-identical samples are the plainest sign of mode collapse.
    nearest_other = scores.nearest_distances(samples, samples, exclude_self=True)
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
        real_features, _ = classifier.features(real_images[: len(samples)])
        precision, recall = scores.precision_recall(real_features, features)
        result.update(precision=precision, recall=recall)
    if train_images is not None:
        nearest = scores.nearest_distances(samples, train_images)
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
        try:
            labels = np.load(labels_path, allow_pickle=False) if labels_path.exists() else None
        except (OSError, ValueError) as e:
            raise UserError(f"{labels_path}: cannot read ({e})") from None
        if labels is not None and labels.shape != (len(samples),):
            raise UserError(f"{labels_path}: expected {len(samples)} labels. Received: shape={list(labels.shape)}")
        return check_samples(samples, path), labels, path.with_name(path.stem + "_eval.json")
    samples, labels = sampling.generate(sampling.load_generator(path), n, seed)
    return samples, labels, (path if path.is_dir() else path.parent) / paths.EVAL
