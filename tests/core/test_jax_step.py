"""The JAX training step, run in a KERAS_BACKEND=jax subprocess (this process runs TensorFlow's, see test_engine.py)."""

import json
import math
import os
import subprocess
import sys

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
@pytest.mark.parametrize("arch", ["dcgan", "cdcgan"])  # with the latent code, with labels
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
def test_train_py_runs_and_resumes_on_jax(tiny_npz, tmp_path):
    out = tmp_path / "run"
    common = [sys.executable, "train.py", "--data", str(tiny_npz), "--out", str(out)]
    run_jax(*common, "--arch", "dcgan", "--epochs", "1", "--batch-size", "64", "--eval-every", "0", "--grid-size", "2")
    run_jax(sys.executable, "train.py", "--resume", str(out), "--epochs", "2")
    rows = (out / "metrics.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["1", "2"]
    assert {"generator.keras", "checkpoint.npz", "epoch_002.png"} <= {p.name for p in out.iterdir()}
    # The generator written on JAX loads and runs here, on TensorFlow.
    import keras
    import numpy as np

    images = keras.saving.load_model(out / "generator.keras").predict(np.zeros((2, 100), "float32"), verbose=0)
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
