"""`keras-gan evaluate`: a table, a JSON file beside the source, and one-line errors."""

import json

import numpy as np

from keras_gan import paths
from tests.helpers import assert_one_line_error, run_cli, synthetic_digits


def test_bad_file_exits_2_with_one_line(tmp_path, capsys):
    path = tmp_path / "s.npy"
    np.save(path, np.full((4, 28, 28), np.nan))
    code, _, err = run_cli("evaluate", [path], capsys)
    assert_one_line_error(code, err, "NaN or Inf")


def test_writes_eval_json_beside_the_samples_and_skips_what_needs_mnist(tmp_path, capsys):
    x, _ = synthetic_digits(50)
    np.save(tmp_path / "s.npy", x)
    code, out, err = run_cli("evaluate", [tmp_path / "s.npy", "--data", tmp_path / "missing.npz"], capsys)
    assert code == 0, err
    result = json.loads((tmp_path / "s_eval.json").read_text())
    assert result["n"] == 50 and "precision" not in result
    assert "FCD (N=50" in out and "skipped" in err


def test_a_run_folder_is_sampled_and_scored(generator_run, tmp_path, capsys):
    run_dir = generator_run("cgan")
    out_json = tmp_path / "e.json"
    code, out, err = run_cli("evaluate", [run_dir, "--n", "100", "--out", out_json], capsys)
    assert code == 0, err
    result = json.loads(out_json.read_text())
    assert result["n"] == 100 and set(result["label_accuracy"]["per_digit"]) <= {str(d) for d in range(10)}
    assert not (run_dir / paths.EVAL).exists()  # --out was given


def test_n_below_two_is_refused(generator_run, capsys):
    code, _, err = run_cli("evaluate", [generator_run("gan"), "--n", "1"], capsys)
    assert_one_line_error(code, err, "--n must be an integer of at least 2")


def test_data_without_the_held_out_digits_skips_precision_with_a_note(tiny_npz, tmp_path, capsys):
    x, _ = synthetic_digits(30)
    np.save(tmp_path / "s.npy", x)
    code, _, err = run_cli("evaluate", [tmp_path / "s.npy", "--data", tiny_npz], capsys)
    assert code == 0 and "need the 60,000 MNIST training digits; --data has 256" in err
