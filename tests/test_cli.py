import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_gan import cli

ROOT = Path(__file__).resolve().parents[1]


def run_cli(argv, capsys):
    """Runs `train.py` in-process; returns (exit code, stderr)."""
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
        raise SystemExit(0)
    return e.value.code, capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "0"], "--epochs must be a positive integer. Received: 0"),
        (["--batch-size", "-1"], "--batch-size must be a positive integer. Received: -1"),
        (["--arch", "resnet"], "argument --arch: invalid choice: 'resnet'"),
        (["--eval-every", "-2"], "--eval-every must be 0 (off) or a positive integer. Received: -2"),
        (["--lr", "fast"], "argument --lr: invalid float value: 'fast'"),
    ],
)
def test_bad_flags_get_one_line_and_exit_2(argv, message, capsys, tiny_npz):
    code, err = run_cli(argv + ["--data", str(tiny_npz)], capsys)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_resume_without_checkpoint(tmp_path, capsys):
    code, err = run_cli(["--resume", str(tmp_path)], capsys)
    assert code == 2 and "nothing to resume" in err and err.count("\n") == 1


def test_offline_without_data(monkeypatch, capsys, tmp_path):
    def offline():
        raise Exception("URL fetch failure: [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    code, err = run_cli(["--out", str(tmp_path / "run")], capsys)
    assert code == 2 and "pass --data PATH" in err and err.count("\n") == 1


def test_corrupt_data_file(tmp_path, capsys):
    bad = tmp_path / "mnist.npz"
    bad.write_text("hello")
    code, err = run_cli(["--data", str(bad), "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and str(bad) in err and err.count("\n") == 1
    assert not (tmp_path / "run").exists()


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    flags = "--arch --epochs --batch-size --latent-dim --lr --d-lr --beta1 --ema --from-logits --no-from-logits"
    flags += " --seed --data"
    for flag in flags.split() + ["--out", "--resume", "--tensorboard", "--grid-size", "--eval-every", "--eval-n"]:
        assert flag in out
    assert "0.0004 for dcgan, --lr for the others" in " ".join(out.split())


def test_resume_extends_epochs(tiny_npz, tmp_path, capsys):
    out = tmp_path / "run"
    # No evaluation: the classifier rightly sees synthetic bars as class collapse.
    common = ["--arch", "gan", "--batch-size", "64", "--grid-size", "2", "--eval-every", "0"]
    assert cli.main(common + ["--epochs", "1", "--data", str(tiny_npz), "--out", str(out)]) == 0
    assert cli.main(["--resume", str(out), "--epochs", "2"]) == 0
    assert sorted(p.name for p in out.glob("epoch_*.png")) == ["epoch_001.png", "epoch_002.png"]
    assert "Run folder:" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["gan", "cdcgan"])
def test_train_py_end_to_end(arch, tiny_npz, tmp_path):
    out = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable,
            "train.py",
            "--arch",
            arch,
            "--epochs",
            "1",
            "--batch-size",
            "64",
            "--data",
            str(tiny_npz),
            "--out",
            str(out),
            "--no-from-logits",
            "--eval-every",
            "0",
        ],  # fmt: skip
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "4/4" in result.stdout  # Keras' progress bar: 256 images / 64 per step
    generator = keras.saving.load_model(out / "generator.keras")
    z = np.zeros((2, 100), "float32")
    images = keras.ops.convert_to_numpy(generator([z, np.array([1, 2])] if arch == "cdcgan" else z))
    assert images.shape == (2, 28, 28, 1)


def test_a_failed_run_stops_with_one_line_and_exit_1(tiny_npz, tmp_path, capsys, monkeypatch):
    # The watchdog's triggers are tested in test_callbacks.py; here, the CLI's report of one.
    from keras_gan import training
    from keras_gan.errors import TrainingFailure

    def failing_train(config, resume=False):
        raise TrainingFailure("class collapse after epoch 3: 1 of 10 digits covered")

    monkeypatch.setattr(training, "train", failing_train)
    code, err = run_cli(["--data", str(tiny_npz), "--out", str(tmp_path / "run")], capsys)
    assert code == 1 and err == "train.py: stopped: class collapse after epoch 3: 1 of 10 digits covered\n"


@pytest.mark.slow
def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "train.py", "--data", str(tmp_path / "missing.npz"), "--out", str(tmp_path / "r")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("train.py: error:") and "missing.npz" in last
    assert "Traceback" not in result.stderr
