"""`keras-gan export` and `keras-gan train --export`: one-line errors, --best, --pretrained needs --out."""

import shutil
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_gan import paths
from tests.helpers import assert_one_line_error, randomized_generator, run_cli


def test_bad_input_gets_one_line(tmp_path, capsys):
    empty = tmp_path / "empty-run"
    empty.mkdir()
    corrupt = tmp_path / "corrupt-run"
    corrupt.mkdir()
    (corrupt / paths.GENERATOR).write_bytes(b"not a zip file")
    for argv, fragment in [
        ([empty], "generator.keras: not found"),
        ([tmp_path / "missing"], "not a run folder"),
        ([corrupt], "not a .keras file"),
        ([corrupt, "--format", "onnx"], "invalid choice"),
        ([corrupt, "--version", "0"], "--version must be a positive integer"),
        ([corrupt, "--max-n", "-1"], "--max-n must be a positive integer"),
        (["--pretrained", "dcgan"], "give --out DIR"),
    ]:
        code, _, err = run_cli("export", argv, capsys)
        assert_one_line_error(code, err, fragment)
    assert not (corrupt / "export").exists()


def test_existing_export_needs_force(generator_run, tmp_path, capsys):
    run_dir = shutil.copytree(generator_run("gan"), tmp_path / "run", ignore=shutil.ignore_patterns("export"))
    assert run_cli("export", [run_dir], capsys)[0] == 0
    code, _, err = run_cli("export", [run_dir], capsys)
    assert_one_line_error(code, err, "already exists; replace it with --force")
    assert run_cli("export", [run_dir, "--force"], capsys)[0] == 0


def test_best_flag_exports_best_generator(generator_run, tmp_path, capsys):
    run_dir = shutil.copytree(generator_run("gan"), tmp_path / "run", ignore=shutil.ignore_patterns("export"))
    code, _, err = run_cli("export", [run_dir, "--best"], capsys)
    assert_one_line_error(code, err, "best_generator.keras: not found")
    best = randomized_generator("gan", seed=5)
    best.save(run_dir / paths.BEST_GENERATOR)
    code, out, err = run_cli("export", [run_dir, "--best", "--version", "3"], capsys)
    assert code == 0, err
    z = np.random.default_rng(0).standard_normal((3, 100)).astype("float32")
    served = tf.saved_model.load(str(run_dir / "export" / "saved_model" / "3")).signatures["serving_default"]
    np.testing.assert_allclose(
        served(z=tf.constant(z))["images"].numpy(), (best.predict(z, verbose=0) + 1) / 2, atol=1e-5
    )


def test_train_export_flag(tiny_config, capsys):
    argv = ["--arch", "gan", "--epochs", "1", "--batch-size", "64", "--data", tiny_config.data]
    argv += ["--out", tiny_config.out, "--eval-every", "0", "--export", "saved_model"]
    code, out, err = run_cli("train", argv, capsys)
    assert code == 0, err
    path = Path(tiny_config.out) / "export" / "saved_model" / "1"
    assert f"Exported saved_model: {path}" in out
    generator = keras.saving.load_model(Path(tiny_config.out) / paths.GENERATOR)
    # Random z, not zeros: a signature that ignored z would still match at z = 0.
    z = np.random.default_rng(9).standard_normal((4, 100)).astype("float32")
    images = tf.saved_model.load(str(path)).signatures["serving_default"](z=tf.constant(z))["images"].numpy()
    expected = (generator.predict(z, verbose=0) + 1) / 2
    assert np.abs(expected[0] - expected[1]).max() > 1e-3  # the digits differ with z
    np.testing.assert_allclose(images, expected, atol=1e-5, rtol=0)
