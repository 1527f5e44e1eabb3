"""The engine under tf.distribute.MirroredStrategy, on 2 logical CPU devices."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_step_script(*args):
    """Runs tests/distributed_step.py in a fresh process; returns its JSON report."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "distributed_step.py"), *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["gan", "dcgan"])
def test_mirrored_metrics_and_noise(arch):
    report = run_step_script(arch)
    assert report["replicas"] == 2
    # Each replica draws its own noise, so the two halves of a batch differ.
    assert report["replica_noise_differs"]
    # Losses are means over the global batch: log 2 for a zero discriminator,
    # on one device and on two replicas alike (not log 2 / 2).
    for run in ("mirrored", "single"):
        assert report[run]["d_loss"] == pytest.approx(math.log(2), rel=1e-5)
        assert report[run]["g_loss"] == pytest.approx(math.log(2), rel=1e-5)
        assert report[run]["d_real"] == pytest.approx(0.5) and report[run]["d_fake"] == pytest.approx(0.5)


@pytest.mark.slow
def test_train_checkpoint_and_resume_under_mirrored_strategy(tmp_path):
    report = run_step_script("train", str(tmp_path))
    assert report["replicas"] == [2, 2, 2]  # straight, first part, resumed part
    assert report["max_weight_diff"] < 1e-5
    assert report["grids"] == ["epoch_001.png", "epoch_002.png"] and report["gif"]


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["gan", "dcgan"])
def test_two_replicas_take_the_single_device_step(arch):
    # Plain SGD (Adam would hide a scale error) on the same batch and noise.
    report = run_step_script("equivalence", arch)
    assert report["repeat_diff"] == 0.0
    assert report["mirrored_diff"] < 1e-5
    # Averaging per replica instead of over the global batch doubles the step: caught.
    assert report["mis_scaled_diff"] > 1e-3
