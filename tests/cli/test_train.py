"""`keras-gan train` (and `python train.py`): flags from TrainConfig, one-line errors, resume, exit codes."""

import dataclasses

import keras
import numpy as np
import pytest

from keras_gan import paths
from keras_gan.cli import train as train_cli
from keras_gan.errors import TrainingFailure
from keras_gan.training import run as training
from keras_gan.training.config import TrainConfig
from tests.helpers import assert_one_line_error, run_cli, run_python


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "0"], "--epochs must be a positive integer. Received: epochs=0"),
        (["--batch-size", "-1"], "--batch-size must be a positive integer. Received: batch_size=-1"),
        (["--arch", "resnet"], "argument --arch: invalid choice: 'resnet'"),
        (["--eval-every", "-2"], "--eval-every must be 0 (off) or a positive integer. Received: eval_every=-2"),
        (["--lr", "fast"], "argument --lr: invalid float value: 'fast'"),
        (["--lr", "nan"], "--lr must be in (0, 1]. Received: lr=nan"),
        (["--latent-dim", "99999999999999999999"], "--latent-dim must be an integer in [1, 4096]"),
        (["--batch-size", "99999999999999999999"], "--batch-size must be at most the 256 training images"),
    ],
)
def test_bad_flags_get_one_line_and_exit_2(argv, message, capsys, tiny_npz, tmp_path):
    code, _, err = run_cli("train", argv + ["--data", tiny_npz, "--out", tmp_path / "run"], capsys)
    assert_one_line_error(code, err, message)
    assert not (tmp_path / "run").exists()


def test_resume_without_checkpoint(tmp_path, capsys):
    code, _, err = run_cli("train", ["--resume", tmp_path], capsys)
    assert_one_line_error(code, err, "nothing to resume")


def test_offline_without_data(monkeypatch, capsys, tmp_path):
    def offline():
        raise Exception("URL fetch failure: [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    code, _, err = run_cli("train", ["--out", tmp_path / "run"], capsys)
    assert_one_line_error(code, err, "cannot download MNIST (URL fetch failure")
    assert "pass --data: a mnist.npz" in err


def test_corrupt_data_file(tmp_path, capsys):
    bad = tmp_path / "mnist.npz"
    bad.write_text("hello")
    code, _, err = run_cli("train", ["--data", bad, "--out", tmp_path / "run"], capsys)
    assert_one_line_error(code, err, str(bad))
    assert not (tmp_path / "run").exists()


def test_help_lists_every_config_field_with_its_help(capsys):
    code, out, _ = run_cli("train", ["--help"], capsys)
    assert code == 0
    text = " ".join(out.split())
    for field in dataclasses.fields(TrainConfig):
        assert train_cli.flag(field.name) in out
        assert " ".join(train_cli.field_help(field).split()) in text
    for flag in ("--resume", "--export", "--no-from-logits", "--r1", "--r2", "--reg-every", "--no-d-batch-norm"):
        assert flag in out
    assert "--loss {bce,hinge,lsgan,wgan-gp,rpgan}" in out
    assert "(default: --lr, unless the architecture sets its own) (0.004 for dcgan, 0.002 for cdcgan)" in text


def test_resume_extends_epochs(tiny_npz, tmp_path, capsys):
    out = tmp_path / "run"
    common = ["--arch", "gan", "--batch-size", "64", "--grid-size", "2", "--eval-every", "0"]
    assert run_cli("train", common + ["--epochs", "1", "--data", tiny_npz, "--out", out], capsys)[0] == 0
    code, stdout, err = run_cli("train", ["--resume", out, "--epochs", "2"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.glob("epoch_*.png")) == ["epoch_001.png", "epoch_002.png"]
    assert f"Run folder: {out}" in stdout


def test_a_failed_run_stops_with_one_line_and_exit_1(tiny_npz, tmp_path, capsys, monkeypatch):
    # The watchdog's triggers are tested in tests/training/test_monitor.py; here, the CLI's report of one.
    def failing_train(config, resume=False):
        raise TrainingFailure("class collapse after epoch 3: 1 of 10 digits covered")

    monkeypatch.setattr(training, "train", failing_train)
    code, _, err = run_cli("train", ["--data", tiny_npz, "--out", tmp_path / "run"], capsys)
    assert code == 1 and err == "keras-gan train: stopped: class collapse after epoch 3: 1 of 10 digits covered\n"


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["gan", "cdcgan"])
def test_train_py_end_to_end(arch, tiny_npz, tmp_path):
    out = tmp_path / "run"
    argv = ["--arch", arch, "--epochs", "1", "--batch-size", "64", "--data", tiny_npz, "--out", out]
    result = run_python("train.py", *argv, "--no-from-logits", "--eval-every", "0")
    assert "4/4" in result.stdout  # Keras' progress bar: 256 images / 64 per step
    generator = keras.saving.load_model(out / paths.GENERATOR)
    z = np.random.default_rng(0).standard_normal((2, 100)).astype("float32")
    images = keras.ops.convert_to_numpy(generator([z, np.array([1, 2])] if arch == "cdcgan" else z))
    assert images.shape == (2, 28, 28, 1)


@pytest.mark.slow
def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    result = run_python("train.py", "--data", tmp_path / "missing.npz", "--out", tmp_path / "r", check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("train.py: error: --data=")
    assert "missing.npz" in result.stderr and "Traceback" not in result.stderr
