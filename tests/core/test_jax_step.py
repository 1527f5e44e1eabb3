"""The JAX training step, in one KERAS_BACKEND=jax subprocess (this process runs TensorFlow's, see test_engine.py).

The subprocess blocks `import tensorflow`: everything here also shows that
the JAX backend trains, evaluates and samples without TensorFlow installed.
"""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from keras_gan.core.engine import GAN, BackendStep
from keras_gan.core.tf_step import TensorFlowStep
from tests.helpers import ROOT, SCRIPTS


def test_this_process_uses_the_gradient_tape_step():
    assert BackendStep is TensorFlowStep and issubclass(GAN, TensorFlowStep)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """Runs tests/scripts/jax_step.py once: every JAX check of this file reads its report."""
    pytest.importorskip("jax", reason="the JAX backend needs jax (requirements-dev.txt)")
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    tmp = tmp_path_factory.mktemp("jax")
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "jax_step.py"), str(tmp)],
        env=env, capture_output=True, text=True, timeout=900, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == "jax"
    return report


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["gan", "dcgan", "cdcgan"])  # with dropout in D, with the latent code, with labels
def test_jax_step_moves_both_networks_and_d_learns_a_separable_batch(arch, report):
    step = report["steps"][arch]
    assert all(step["g_moved"]) and all(step["d_moved"])
    assert step["iterations"] == [1, 1]
    losses = step["d_losses"]
    assert losses[-1] < 0.8 * step["first"]["d_loss"] and losses[-1] < losses[0]
    assert step["last"]["d_real"] > step["first"]["d_real"]
    # G's moving average, updated inside the stateless step, matches one hand-computed update.
    assert step["ema_error"] < 1e-5 and step["ema_moved"] and step["raw_restored"]
    if arch == "dcgan":
        # The code's cross-entropy starts near chance and reaches G on JAX too.
        assert step["first"]["code_loss"] == pytest.approx(math.log(10), rel=0.25)
        assert step["code_term_moves_g"]["moved"]


@pytest.mark.slow
def test_every_objective_steps_on_jax(report):
    objectives = report["objectives"]
    for case in objectives["cases"]:
        assert case["g_moved"], case
        # Only D's output bias may stay, where the loss cannot see it (see test_engine.py).
        allowed = set() if case["case"]["loss"] in ("bce", "lsgan") else {"d_out/bias"}
        assert set(case["d_unmoved"]) <= allowed, case
        assert all(math.isfinite(v) for v in case["logs"].values()), case
        penalized = bool(case["case"].get("r1") or case["case"]["loss"] == "wgan-gp")
        assert ("d_penalty" in case["logs"]) == penalized, case
        assert not penalized or case["logs"]["d_penalty"] > 0, case
    assert objectives["r1_linear"] == pytest.approx(objectives["r1_expected"], rel=1e-5)


@pytest.mark.slow
def test_a_resumed_jax_run_ends_where_an_uninterrupted_one_ends(report):
    """Variable by variable, as the TensorFlow test does: 1 epoch + resume to 2 equals 2 epochs straight."""
    resume = report["resume"]
    assert resume["epochs"] == [2, 2] and resume["csv_epochs"] == ["1", "2"]
    assert resume["arrays"] > 30  # both networks, both optimizers, the noise stream
    assert resume["max_diff"] < 1e-5, resume["worst"]


@pytest.mark.slow
def test_the_command_line_trains_evaluates_and_samples_on_jax_without_tensorflow(report):
    assert not report["tensorflow_in_modules"]
    cli = report["command_line"]
    assert cli["codes"] == {"train": 0, "tensorboard": 2, "evaluate": 0, "generate": 0, "budget": 0}
    assert cli["budget_epochs"] == 1
    assert {"generator.keras", "checkpoint.npz", "metrics.csv", "epoch_001.png", "config.json"} <= set(cli["run_files"])
    # The per-epoch evaluation ran: its FCD is in the CSV.
    header, row = (line.split(",") for line in cli["metrics"][:2])
    assert float(dict(zip(header, row))["fcd"]) > 0
    assert cli["eval"]["n"] == 64 and math.isfinite(cli["eval"]["fcd"])
    # --tensorboard needs tf.summary: refused before the run folder existed.
    assert not cli["tb_run_exists"]
    # keras-gan info reports the machine without TensorFlow.
    assert cli["info"]["tensorflow"].startswith("not installed") and cli["info"]["keras backend"] == "jax"
    assert cli["info"]["devices"].startswith("CPU:0")


@pytest.mark.slow
def test_a_pretrained_generator_saved_on_tensorflow_draws_the_same_digits_on_jax(report):
    from keras_gan import paths
    from keras_gan.core import sampling

    expected, _ = sampling.generate(sampling.load_generator(paths.pretrained_dir("dcgan")), 8, seed=0)
    got = np.load(report["command_line"]["pretrained_samples"])
    assert got.shape == expected.shape == (8, 28, 28)
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
