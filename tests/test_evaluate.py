import json

import numpy as np
import pytest

from keras_gan import evaluate
from keras_gan.errors import UserError
from tests.conftest import synthetic_digits


@pytest.fixture(scope="module")
def tiny_assets(tmp_path_factory):
    """A classifier trained for two epochs on tiny synthetic digits."""
    out = tmp_path_factory.mktemp("assets")
    card = evaluate.train_classifier(synthetic_digits(1000), synthetic_digits(200, seed=9), epochs=2, out_dir=out)
    return out, card


def make_evaluator(assets):
    out, _ = assets
    return evaluate.Evaluator(
        out / "mnist_classifier.weights.h5", out / "mnist_reference.npz", out / "mnist_classifier.json"
    )


def test_train_classifier_writes_weights_card_and_reference(tiny_assets):
    out, card = tiny_assets
    assert card["weights_sha256"] == evaluate.sha256(out / "mnist_classifier.weights.h5")
    assert json.loads((out / "mnist_classifier.json").read_text()) == card
    with np.load(out / "mnist_reference.npz") as ref:
        assert ref["mu"].shape == (128,) and ref["sigma"].shape == (128, 128) and int(ref["n"]) == 200
    # Synthetic classes are bars at different rows: trivially separable.
    assert card["held_out_accuracy"] > 0.9


def test_evaluate_reports_every_metric(tiny_assets):
    evaluator = make_evaluator(tiny_assets)
    x, _ = synthetic_digits(300, seed=1)
    real, _ = synthetic_digits(300, seed=2)
    result = evaluate.evaluate(x, evaluator, real_images=real, train_images=real)
    assert result["n"] == 300
    expected = {"fcd", "classifier_score", "classes", "precision", "recall", "nearest_train_distance"}
    assert expected | {"nearest_sample_distance"} <= set(result)
    # Synthetic digits differ in their noise: no two are identical.
    assert result["nearest_sample_distance"]["min"] > 1.0
    dupes = evaluate.evaluate(np.concatenate([x[:100], x[:100]]), evaluator)
    assert dupes["nearest_sample_distance"]["share_below_1"] == 1.0
    assert result["classes"]["classes_covered"] == 10
    assert result["precision"] > 0.5 and result["recall"] > 0.5
    # The same data as the reference scores far better than noise.
    noise = np.random.default_rng(0).integers(0, 256, (300, 28, 28)).astype(np.uint8)
    assert evaluator.fcd(evaluator.features(x)[0]) < evaluator.fcd(evaluator.features(noise)[0]) / 10
    text = evaluate.format_table(result)
    assert "FCD (N=300" in text and "precision" in text


def test_tampered_weights_are_refused(tiny_assets, tmp_path):
    out, _ = tiny_assets
    weights = tmp_path / "w.weights.h5"
    weights.write_bytes((out / "mnist_classifier.weights.h5").read_bytes() + b"x")
    with pytest.raises(UserError, match="checksum does not match"):
        evaluate.Evaluator(weights, out / "mnist_reference.npz", out / "mnist_classifier.json")


def test_committed_classifier_matches_its_card():
    card = json.loads(evaluate.CLASSIFIER_CARD.read_text())
    assert evaluate.sha256(evaluate.CLASSIFIER_WEIGHTS) == card["weights_sha256"]
    assert card["held_out_accuracy"] >= 0.99
    evaluator = evaluate.Evaluator()
    x, _ = synthetic_digits(20)
    features, probs = evaluator.features(x)
    assert features.shape == (20, 128) and probs.shape == (20, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


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
        evaluate.check_samples(samples, "s.npy")


def test_float_samples_on_the_uint8_scale_are_accepted():
    out = evaluate.check_samples(np.full((3, 28, 28, 1), 254.6))
    assert out.dtype == np.uint8 and out.shape == (3, 28, 28) and out[0, 0, 0] == 255


def test_cli_on_bad_file_exits_2(tmp_path, capsys):
    path = tmp_path / "s.npy"
    np.save(path, np.full((4, 28, 28), np.nan))
    with pytest.raises(SystemExit) as e:
        evaluate.main([str(path)])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "NaN or Inf" in err and err.count("\n") == 1


def test_cli_writes_eval_json(tmp_path, capsys, monkeypatch):
    # No MNIST here: precision/recall are skipped with a note, FCD still works.
    monkeypatch.setattr(evaluate, "HELD_OUT", slice(0, 0))
    x, _ = synthetic_digits(50)
    path = tmp_path / "s.npy"
    np.save(path, x)
    data = tmp_path / "missing.npz"
    assert evaluate.main([str(path), "--data", str(data)]) == 0
    result = json.loads((tmp_path / "s_eval.json").read_text())
    assert result["n"] == 50 and "precision" not in result
    captured = capsys.readouterr()
    assert "FCD (N=50" in captured.out and "skipped" in captured.err


def test_label_accuracy_per_digit(tiny_assets):
    evaluator = make_evaluator(tiny_assets)
    x, _ = synthetic_digits(300, seed=3)
    predicted = evaluator.features(x)[1].argmax(axis=1)
    # Ask for exactly what the classifier reads, except for one digit.
    asked = predicted.copy()
    wrong_digit = int(predicted[0])
    asked[predicted == wrong_digit] = (wrong_digit + 1) % 10
    result = evaluate.evaluate(x, evaluator, labels=asked)
    accuracy = result["label_accuracy"]
    assert accuracy["overall"] == pytest.approx((predicted != wrong_digit).mean())
    per_digit = accuracy["per_digit"]
    next_digit = str((wrong_digit + 1) % 10)
    expected_next = (predicted == (wrong_digit + 1) % 10).sum() / (asked == (wrong_digit + 1) % 10).sum()
    assert per_digit[next_digit] == pytest.approx(expected_next)
    assert str(wrong_digit) not in per_digit  # never asked for
    assert all(v == 1.0 for d, v in per_digit.items() if d != next_digit)
    assert f"digit {next_digit}" in evaluate.format_table(result)
