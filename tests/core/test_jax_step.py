"""The JAX training step, run in a KERAS_BACKEND=jax subprocess (this process runs TensorFlow's, see test_engine.py)."""

import json
import math
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_gan.core.engine import GAN, BackendStep
from keras_gan.core.tf_step import TensorFlowStep
from tests.helpers import ROOT, SCRIPTS


def test_this_process_uses_the_gradient_tape_step():
    assert BackendStep is TensorFlowStep and issubclass(GAN, TensorFlowStep)


def run_jax(*argv, timeout=300):
    pytest.importorskip("jax", reason="the JAX backend needs jax (requirements-dev.txt)")
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["gan", "dcgan", "cdcgan"])  # with dropout in D, with the latent code, with labels
def test_jax_step_moves_both_networks_and_d_learns_a_separable_batch(arch):
    report = json.loads(run_jax(sys.executable, SCRIPTS / "jax_step.py", arch).stdout.strip().splitlines()[-1])
    assert report["backend"] == "jax"
    assert all(report["g_moved"]) and all(report["d_moved"])
    assert report["iterations"] == [1, 1]
    losses = report["d_losses"]
    assert losses[-1] < 0.8 * report["first"]["d_loss"] and losses[-1] < losses[0]
    assert report["last"]["d_real"] > report["first"]["d_real"]
    # G's moving average, updated inside the stateless step, matches one hand-computed update.
    assert report["ema_error"] < 1e-5 and report["ema_moved"] and report["raw_restored"]
    if arch == "dcgan":
        # The code's cross-entropy starts near chance and reaches G on JAX too.
        assert report["first"]["code_loss"] == pytest.approx(math.log(10), rel=0.25)
        assert report["code_term_moves_g"]["moved"]


@pytest.mark.slow
def test_a_resumed_jax_run_ends_where_an_uninterrupted_one_ends(tiny_npz, tmp_path):
    """Variable by variable, as the TensorFlow test does: 1 epoch + resume to 2 equals 2 epochs straight."""
    common = ["--data", str(tiny_npz), "--arch", "dcgan", "--batch-size", "64", "--eval-every", "0", "--grid-size", "2"]
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    run_jax(sys.executable, "train.py", *common, "--epochs", "2", "--out", str(straight))
    run_jax(sys.executable, "train.py", *common, "--epochs", "1", "--out", str(resumed))
    run_jax(sys.executable, "train.py", "--resume", str(resumed), "--epochs", "2")
    rows = (resumed / "metrics.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["1", "2"]
    with np.load(straight / "checkpoint.npz") as a, np.load(resumed / "checkpoint.npz") as b:
        assert sorted(a.files) == sorted(b.files) and int(a["epoch"]) == int(b["epoch"]) == 2
        arrays = [k for k in a.files if "/" in k]
        assert len(arrays) > 50  # both networks, both optimizers, the noise stream
        for key in arrays:
            np.testing.assert_allclose(a[key], b[key], rtol=1e-5, atol=1e-6, err_msg=key)
    # The generator written on JAX loads and runs here, on TensorFlow.
    images = keras.saving.load_model(resumed / "generator.keras").predict(np.zeros((2, 100), "float32"), verbose=0)
    assert images.shape == (2, 28, 28, 1) and np.isfinite(images).all()


@pytest.mark.slow
def test_every_objective_steps_on_jax():
    report = json.loads(run_jax(sys.executable, SCRIPTS / "jax_step.py", "objectives").stdout.strip().splitlines()[-1])
    for case in report["cases"]:
        assert case["g_moved"], case
        # Only D's output bias may stay, where the loss cannot see it (see test_engine.py).
        allowed = set() if case["case"]["loss"] in ("bce", "lsgan") else {"d_out/bias"}
        assert set(case["d_unmoved"]) <= allowed, case
        assert all(math.isfinite(v) for v in case["logs"].values()), case
        penalized = bool(case["case"].get("r1") or case["case"]["loss"] == "wgan-gp")
        assert ("d_penalty" in case["logs"]) == penalized, case
        assert not penalized or case["logs"]["d_penalty"] > 0, case
    assert report["r1_linear"] == pytest.approx(report["r1_expected"], rel=1e-5)
