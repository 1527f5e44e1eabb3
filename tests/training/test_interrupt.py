"""Graceful interruption: SIGINT and SIGTERM stop at a step boundary, keep the last checkpoint, and resume exactly."""

import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from keras_gan import paths
from keras_gan.errors import Interrupted
from keras_gan.training import interrupt
from keras_gan.training import run as training
from keras_gan.training.checkpoint import load_checkpoint, read_checkpoint, variable_groups
from keras_gan.training.config import TrainConfig
from tests.helpers import ROOT, synthetic_digits


def test_the_first_signal_asks_the_second_stops_at_once():
    stop = interrupt.StopOnSignal(start_epoch=2)
    with interrupt.graceful_stop(stop):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.1)  # the handler runs between bytecodes
        assert stop.received == signal.SIGTERM
        with pytest.raises(Interrupted) as first:
            stop.on_train_batch_end(0)  # the next step boundary
        assert first.value.signal_number == signal.SIGTERM and first.value.epochs_done == 2
        with pytest.raises(Interrupted) as second:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)
        assert second.value.signal_number == signal.SIGINT
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_epochs_done_counts_completed_epochs():
    stop = interrupt.StopOnSignal(start_epoch=3)
    stop.on_epoch_end(3)
    assert stop.epochs_done == 4
    stop.on_train_batch_end(0)  # no signal: nothing happens


def final_state(run_dir):
    gan = training.build_model(TrainConfig.from_json(run_dir / paths.CONFIG))
    load_checkpoint(gan, run_dir / paths.CHECKPOINT)
    return [keras.ops.convert_to_numpy(v) for vs in variable_groups(gan).values() for v in vs]


@pytest.fixture(scope="module")
def slow_data(tmp_path_factory):
    """Enough synthetic digits that an epoch takes a moment, so a signal lands mid-epoch."""
    x, y = synthetic_digits(2048)
    path = tmp_path_factory.mktemp("data") / "more.npz"
    np.savez(path, x_train=x, y_train=y)
    return path


def train_args(data, out):
    return [sys.executable, str(ROOT / "train.py"), "--arch", "gan", "--epochs", "3", "--batch-size", "32",
            "--data", str(data), "--grid-size", "2", "--eval-every", "0", "--out", str(out)]  # fmt: skip


ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}


@pytest.fixture(scope="module")
def straight_run(slow_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("straight") / "run"
    subprocess.run(train_args(slow_data, out), env=ENV, check=True, timeout=300, capture_output=True)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("signal_number, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_epoch_stops_cleanly_and_the_run_resumes_exactly(
    signal_number, status, slow_data, straight_run, tmp_path
):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        train_args(slow_data, out), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 120
    while not (out / paths.CHECKPOINT).exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # into epoch 2
    proc.send_signal(signal_number)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err[-2000:]
    last = err.strip().splitlines()[-1]
    name = signal.Signals(signal_number).name
    assert last == (
        f"train.py: stopped by {name} after 1 complete epoch(s), all checkpointed; "
        f"continue with: keras-gan train --resume {out}"
    )
    assert "Traceback" not in err
    assert int(read_checkpoint(out / paths.CHECKPOINT)["epoch"]) == 1  # epoch 2 was cut short: not saved
    assert not (out / paths.GENERATOR).exists()
    assert [p.name for p in out.glob("epoch_*.png")] == ["epoch_001.png"]

    resume_and_compare(out, straight_run)


def resume_and_compare(out, straight_run):
    """Resumes the stopped run in `out` to its end and checks it ends where the uninterrupted one did."""
    subprocess.run(
        [sys.executable, str(ROOT / "train.py"), "--resume", str(out)],
        env=ENV,
        check=True,
        timeout=300,
        capture_output=True,
    )
    for a, b in zip(final_state(straight_run), final_state(out)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_a_kill_9_mid_run_resumes_exactly(slow_data, straight_run, tmp_path):
    """SIGKILL cannot be caught: the last checkpoint, written atomically, is what resumes."""
    out = tmp_path / "killed"
    proc = subprocess.Popen(train_args(slow_data, out), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not (out / paths.CHECKPOINT).exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "training finished before it could be killed"
    assert not (out / paths.GENERATOR).exists()
    resume_and_compare(out, straight_run)
    np.testing.assert_allclose(
        keras.saving.load_model(out / paths.GENERATOR).get_weights()[0],
        keras.saving.load_model(straight_run / paths.GENERATOR).get_weights()[0],
        rtol=1e-5,
        atol=1e-6,
    )
