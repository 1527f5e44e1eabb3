"""What several test files share: tiny synthetic digits, trained-looking random generators, subprocess helpers.

Test files import from here, never from each other.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_gan.core.architectures import get_arch
from keras_gan.core.engine import GAN

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "tests" / "scripts"
WEB_TESTS = ROOT / "tests" / "web"


def synthetic_digits(n=256, seed=0):
    """uint8 [n, 28, 28] images and labels: class k is a bright bar at row 2k+4, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n).astype(np.uint8)
    x = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, label in enumerate(y):
        row = 2 * label + 4
        x[i, row : row + 2, 4:24] = 255
    return x, y


def real_batch(n=16, seed=0):
    """(images in [-1, 1] [n, 28, 28, 1], int32 labels) of synthetic digits."""
    x, y = synthetic_digits(n, seed)
    return (x[..., None].astype("float32") / 127.5 - 1.0).astype("float32"), y.astype("int32")


def make_gan(arch, from_logits=True, seed=0, objective=None, **compile_kwargs):
    """A compiled `GAN` of `arch` with fresh weights from `seed`.

    `objective` holds the GAN's `loss`, `r1`, `r2` and `reg_every`; D loses
    its batch norm when that includes a gradient penalty, as in training.
    """
    objective = dict(objective or {})
    keras.utils.set_random_seed(seed)
    spec = get_arch(arch)
    penalized = objective.get("r1") or objective.get("r2") or objective.get("loss") == "wgan-gp"
    generator, discriminator = spec.networks(from_logits=from_logits, d_batch_norm=not penalized)
    num_classes = 10 if spec.conditional else None
    gan = GAN(generator, discriminator, from_logits=from_logits, seed=seed, num_classes=num_classes, **objective)
    gan.compile(**compile_kwargs)
    return gan


def snapshot(variables):
    return [keras.ops.convert_to_numpy(v).copy() for v in variables]


def changed(before, variables):
    """For each variable, whether it differs from its snapshot."""
    return [not np.array_equal(b, keras.ops.convert_to_numpy(v)) for b, v in zip(before, variables)]


def randomize(model, seed=0):
    """Gives every weight of `model` a trained-looking random value, in place; returns the model.

    Fresh networks have zero biases and batch norm at mean 0, variance 1,
    which can hide bugs: a zero bias folds away in an export, and a fresh
    batch norm makes near-constant images. Here every bias is N(0, 0.1),
    gamma N(1, 0.3), beta and the moving mean N(0, 0.3), the moving
    variance U(0.5, 1.5); kernels keep their random initialisation.
    """
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        shape, path = tuple(variable.shape), variable.path
        if path.endswith("moving_variance"):
            value = rng.uniform(0.5, 1.5, shape)
        elif path.endswith("gamma"):
            value = rng.normal(1.0, 0.3, shape)
        elif path.endswith(("beta", "moving_mean")):
            value = rng.normal(0.0, 0.3, shape)
        elif path.endswith("bias"):
            value = rng.normal(0.0, 0.1, shape)
        else:
            continue
        variable.assign(value.astype(variable.dtype))
    return model


def randomized_generator(arch, seed=0):
    """An untrained `arch` generator whose every weight is random, like a trained one's (see `randomize`)."""
    keras.utils.set_random_seed(seed)
    generator, _ = get_arch(arch).networks()
    return randomize(generator, seed)


def load_script(path):
    """Imports a script that is not a package module (a tool, a benchmark) from its file."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_python(*args, env=None, timeout=300, cwd=ROOT, check=True):
    """Runs `python ARGS` in a fresh process (repository root on the path); returns the CompletedProcess."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    result = subprocess.run(
        [sys.executable, *map(str, args)], env=full_env, capture_output=True, text=True, timeout=timeout, cwd=cwd
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def need_node(*packages):
    """Skips unless Node.js and the test's npm packages (`npm ci --prefix tests/web`) are installed.

    CI sets KERAS_GAN_REQUIRE_WEB=1, which turns such a skip into a failure.
    """
    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    missing += [p for p in packages if not (WEB_TESTS / "node_modules" / p).exists()]
    if missing:
        message = f"needs {', '.join(missing)} (install Node.js, then npm ci --prefix tests/web)"
        if os.environ.get("KERAS_GAN_REQUIRE_WEB"):
            pytest.fail(message)
        pytest.skip(message)


def run_cli(command, argv, capsys):
    """Runs `keras-gan COMMAND ARGV` in this process; returns (exit status, stdout, stderr)."""
    from keras_gan.cli import run_command

    try:
        code = run_command(command, [str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code, err, fragment, status=2):
    """A refused command: the status, one line on stderr that holds `fragment`, and no traceback."""
    assert code == status, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert fragment in err, err
