"""Scoring digits: every metric, checked inputs, per-digit label agreement, samples from files and runs."""

import numpy as np
import pytest

from keras_gan.errors import UserError
from keras_gan.evaluation import report
from tests.helpers import synthetic_digits


def test_evaluate_reports_every_metric(tiny_classifier):
    x, _ = synthetic_digits(300, seed=1)
    real, _ = synthetic_digits(300, seed=2)
    result = report.evaluate(x, tiny_classifier, real_images=real, train_images=real)
    assert result["n"] == 300
    expected = {"fcd", "classifier_score", "classes", "precision", "recall", "nearest_train_distance"}
    assert expected | {"nearest_sample_distance"} <= set(result)
    # Synthetic digits differ in their noise: no two are identical.
    assert result["nearest_sample_distance"]["min"] > 1.0
    dupes = report.evaluate(np.concatenate([x[:100], x[:100]]), tiny_classifier)
    assert dupes["nearest_sample_distance"]["share_below_1"] == 1.0
    assert result["classes"]["classes_covered"] == 10
    assert result["precision"] > 0.5 and result["recall"] > 0.5
    # The same data as the reference scores far better than noise.
    noise = np.random.default_rng(0).integers(0, 256, (300, 28, 28)).astype(np.uint8)
    assert (
        tiny_classifier.fcd(tiny_classifier.features(x)[0])
        < tiny_classifier.fcd(tiny_classifier.features(noise)[0]) / 10
    )
    text = report.format_table(result)
    assert "FCD (N=300" in text and "precision" in text


@pytest.mark.parametrize(
    "samples, message",
    [
        (np.full((4, 28, 28), np.nan), "NaN or Inf"),
        (np.zeros((4, 32, 32), np.uint8), r"shape \[N, 28, 28\]"),
        (np.full((4, 28, 28), -1.0), "values must be in 0..255"),
        (np.full((4, 28, 28), 300.0), "values must be in 0..255"),
        (np.zeros((1, 28, 28), np.uint8), "at least 2 images"),
    ],
)
def test_bad_samples_are_named(samples, message):
    with pytest.raises(UserError, match=message):
        report.check_samples(samples, "s.npy")


def test_float_samples_on_the_uint8_scale_are_accepted():
    out = report.check_samples(np.full((3, 28, 28, 1), 254.6))
    assert out.dtype == np.uint8 and out.shape == (3, 28, 28) and out[0, 0, 0] == 255


def test_label_accuracy_per_digit(tiny_classifier):
    x, _ = synthetic_digits(300, seed=3)
    predicted = tiny_classifier.features(x)[1].argmax(axis=1)
    # Ask for exactly what the classifier reads, except for one digit.
    asked = predicted.copy()
    wrong_digit = int(predicted[0])
    asked[predicted == wrong_digit] = (wrong_digit + 1) % 10
    result = report.evaluate(x, tiny_classifier, labels=asked)
    accuracy = result["label_accuracy"]
    assert accuracy["overall"] == pytest.approx((predicted != wrong_digit).mean())
    per_digit = accuracy["per_digit"]
    next_digit = str((wrong_digit + 1) % 10)
    expected_next = (predicted == (wrong_digit + 1) % 10).sum() / (asked == (wrong_digit + 1) % 10).sum()
    assert per_digit[next_digit] == pytest.approx(expected_next)
    assert str(wrong_digit) not in per_digit  # never asked for
    assert all(v == 1.0 for d, v in per_digit.items() if d != next_digit)
    assert f"digit {next_digit}" in report.format_table(result)
