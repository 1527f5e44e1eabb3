"""`keras-gan generate` (and its `python -m keras_gan.generate` alias): files, defaults and one-line errors."""

import numpy as np
from PIL import Image

from keras_gan.core import sampling
from tests.helpers import assert_one_line_error, run_cli, run_python


def test_writes_npy_and_grid_at_the_given_prefix(generator_run, tmp_path, capsys):
    run_dir = generator_run("gan")
    code, out, err = run_cli("generate", [run_dir, "--n", "70", "--seed", "3", "--out", tmp_path / "s"], capsys)
    assert code == 0, err
    images, _ = sampling.generate(sampling.load_generator(run_dir), 70, seed=3)
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), images)
    with Image.open(tmp_path / "s.png") as png:
        assert png.size == (2 * (8 * 30 + 2),) * 2
    assert "s.npy" in out


def test_default_prefix_is_beside_the_run(generator_run, capsys):
    run_dir = generator_run("cgan")
    code, _, err = run_cli("generate", [run_dir, "--n", "20", "--digit", "7"], capsys)
    assert code == 0, err
    np.testing.assert_array_equal(np.load(run_dir / "samples_labels.npy"), np.full(20, 7))
    assert np.load(run_dir / "samples.npy").shape == (20, 28, 28)


def test_bad_requests_get_one_line_and_exit_2(generator_run, tmp_path, capsys):
    for argv, fragment in [
        ([generator_run("gan"), "--n", "0", "--out", tmp_path / "x"], "--n must be a positive integer. Received: n=0"),
        ([generator_run("gan"), "--digit", "3", "--out", tmp_path / "x"], "--digit needs a conditional generator"),
        ([generator_run("cgan"), "--digit", "12", "--out", tmp_path / "x"], "--digit must be a digit 0..9"),
        ([tmp_path, "--out", tmp_path / "x"], "generator.keras: not found"),
        (["--out", tmp_path / "x"], "give a run folder"),
    ]:
        code, _, err = run_cli("generate", argv, capsys)
        assert_one_line_error(code, err, fragment)
    assert not list(tmp_path.glob("x*"))


def test_python_dash_m_alias(generator_run, tmp_path):
    result = run_python("-m", "keras_gan.generate", generator_run("gan"), "--n", "5", "--out", tmp_path / "a")
    assert np.load(tmp_path / "a.npy").shape == (5, 28, 28), result.stderr
