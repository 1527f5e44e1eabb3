"""The GAN's JAX train_step, run in a fresh process with KERAS_BACKEND=jax; prints a JSON report.

    KERAS_BACKEND=jax python tests/scripts/jax_step.py TMP_DIR

One process for every JAX check, so the suite pays JAX's start-up once:
the step of each architecture, every objective, a resumed run against
an uninterrupted one, and the command line's train, generate and evaluate.
TensorFlow is blocked from import here: the JAX backend must not need it
(a JAX-only GPU machine has none).

tests/core/test_jax_step.py starts it (the test process itself runs on TensorFlow).
"""

import dataclasses
import json
import os
import sys
from pathlib import Path

os.environ["KERAS_BACKEND"] = "jax"
sys.modules["tensorflow"] = None  # any `import tensorflow` now raises ImportError
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan.core.architectures import build_networks, get_arch  # noqa: E402
from keras_gan.core.engine import GAN  # noqa: E402
from keras_gan.core.optimizers import default_optimizer  # noqa: E402
from keras_gan.training.config import TrainConfig  # noqa: E402


def snapshot(variables):
    return [keras.ops.convert_to_numpy(v).copy() for v in variables]


def moved(before, variables):
    return [bool(not np.array_equal(b, keras.ops.convert_to_numpy(v))) for b, v in zip(before, variables)]


def step_report(arch):
    keras.utils.set_random_seed(0)
    generator, discriminator = build_networks(arch)
    gan = GAN(generator, discriminator, seed=0, num_classes=10 if get_arch(arch).conditional else None)
    # gan: Keras' fixed-momentum EMA; the others: our half-life EMA (0.1 kimg: still ramping at step 16).
    half_life = 0.0 if arch == "gan" else 0.1
    gan.compile(g_optimizer=default_optimizer(ema=0.9, ema_kimg=half_life, batch_size=32))
    # Trivially separable: every real image is white, G starts near grey.
    real = np.ones((32, 28, 28, 1), "float32")
    labels = np.arange(32, dtype="int32") % 10
    g_before, d_before = snapshot(generator.trainable_variables), snapshot(discriminator.trainable_variables)
    first = gan.train_on_batch(real, labels, return_dict=True)
    report = {
        "backend": keras.backend.backend(),
        "g_moved": moved(g_before, generator.trainable_variables),
        "d_moved": moved(d_before, discriminator.trainable_variables),
        "iterations": [int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)],
        "first": {k: float(v) for k, v in first.items()},
    }
    d_losses, code_losses = [], []
    for _ in range(15):
        logs = gan.train_on_batch(real, labels, return_dict=True)  # metrics reset every call
        d_losses.append(float(logs["d_loss"]))
        code_losses.append(float(logs.get("code_loss", 0.0)))
    report["d_losses"] = d_losses
    report["code_losses"] = code_losses
    report["last"] = {k: float(v) for k, v in logs.items()}
    # G's moving average is updated inside the stateless step: check one update by hand.
    with gan.averaged_generator():
        previous = snapshot(generator.trainable_variables)
    step = int(gan.g_optimizer.iterations)
    momentum = 0.5 ** (32 / min(100.0, 0.05 * (step + 1) * 32)) if half_life else 0.9
    gan.train_on_batch(real, labels)
    raw = snapshot(generator.trainable_variables)
    with gan.averaged_generator():
        averaged = snapshot(generator.trainable_variables)
    report["ema_error"] = max(
        float(np.max(np.abs(a - (momentum * p + (1 - momentum) * w)))) for a, p, w in zip(averaged, previous, raw)
    )
    report["ema_moved"] = any(not np.allclose(a, w) for a, w in zip(averaged, raw))
    report["raw_restored"] = all(np.array_equal(w, v) for w, v in zip(raw, snapshot(generator.trainable_variables)))
    if gan.codes:
        report["code_term_moves_g"] = code_term_moves_generator(arch, real, labels)
    return report


def code_term_moves_generator(arch, real, labels):
    """With D frozen and its real/fake head zeroed, only the code's cross-entropy can move G."""
    generator, discriminator = build_networks(arch)
    for weight in discriminator.get_layer("d_out").weights:
        weight.assign(np.zeros(weight.shape, "float32"))
    gan = GAN(generator, discriminator, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.1))
    before = snapshot(generator.trainable_variables)
    logs = gan.train_on_batch(real, labels, return_dict=True)
    return {"moved": any(moved(before, generator.trainable_variables)), "code_loss": float(logs["code_loss"])}


def objectives():
    """One step of every objective (and R1, R2, lazy R1) on the stateless step: which weights moved, and the logs."""
    cases = [
        {"loss": "hinge"},
        {"loss": "lsgan"},
        {"loss": "wgan-gp"},
        {"loss": "rpgan", "r1": 0.1, "r2": 0.1},
        {"loss": "bce", "r1": 1.0, "reg_every": 2},
    ]
    real = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    labels = np.arange(16, dtype="int32") % 10
    report = []
    for case in cases:
        keras.utils.set_random_seed(0)
        penalized = case.get("r1") or case["loss"] == "wgan-gp"
        generator, discriminator = build_networks("dcgan", d_batch_norm=not penalized)
        gan = GAN(generator, discriminator, seed=0, **case)
        gan.compile()
        g_before, d_before = snapshot(generator.trainable_variables), snapshot(discriminator.trainable_variables)
        logs = gan.train_on_batch(real, labels, return_dict=True)
        d_paths = [v.path for v in discriminator.trainable_variables]
        report.append(
            {
                "case": case,
                "g_moved": all(moved(g_before, generator.trainable_variables)),
                "d_unmoved": [p for p, m in zip(d_paths, moved(d_before, discriminator.trainable_variables)) if not m],
                "logs": {k: float(v) for k, v in logs.items()},
            }
        )
    # R1 of a linear D on the stateless path: gamma / 2 * ||w||^2, as on TensorFlow.
    w = np.random.default_rng(1).normal(0, 0.1, (784, 1)).astype("float32")
    gradient = lambda images, on: jax_input_gradient(w, images)  # noqa: E731
    gan = GAN(*build_networks("gan"), r1=0.5)
    r1 = float(gan.penalty(gradient, real, real, None, 16.0, 0))
    expected = 0.25 * float((w.astype("float64") ** 2).sum())
    return {"cases": report, "r1_linear": r1, "r1_expected": expected}


def resume(tmp):
    """gan (dropout in D: its RNG state must resume too): 2 epochs straight vs 1 + resume, every saved array."""
    from keras_gan.training.run import resume_config, train

    x = np.random.default_rng(0).integers(0, 256, (256, 28, 28)).astype("uint8")
    np.savez(tmp / "d.npz", x_train=x, y_train=np.zeros(256, "uint8"))
    config = TrainConfig(arch="gan", epochs=2, batch_size=64, data=str(tmp / "d.npz"), eval_every=0, grid_size=2)
    straight = train(dataclasses.replace(config, out=str(tmp / "straight")), verbose=0)
    train(dataclasses.replace(config, epochs=1, out=str(tmp / "resumed")), verbose=0)
    resumed = train(resume_config(tmp / "resumed", epochs=2), resume=True, verbose=0)
    with np.load(straight / "checkpoint.npz") as a, np.load(resumed / "checkpoint.npz") as b:
        keys = [k for k in a.files if "/" in k]
        diffs = {k: float(np.abs(a[k].astype("float64") - b[k].astype("float64")).max()) for k in keys}
        epochs = [int(a["epoch"]), int(b["epoch"])]
    rows = (resumed / "metrics.csv").read_text().splitlines()
    return {
        "max_diff": max(diffs.values()),
        "worst": max(diffs, key=diffs.get),
        "arrays": len(keys),
        "epochs": epochs,
        "csv_epochs": [row.split(",")[0] for row in rows[1:]],
    }


def command_line(tmp):
    """`keras-gan train` (with its per-epoch FCD), `generate` and `evaluate`, with TensorFlow blocked."""
    from keras_gan.cli import run_command

    def cli(command, *argv):
        try:
            return run_command(command, list(argv))
        except SystemExit as e:  # a one-line error exits through argparse
            return e.code

    x = np.random.default_rng(1).integers(0, 256, (128, 28, 28)).astype("uint8")
    np.savez(tmp / "cli.npz", x_train=x, y_train=np.arange(128, dtype="uint8") % 10)
    run_dir = tmp / "cli-run"
    common = ["--arch", "dcgan", "--epochs", "1", "--data", str(tmp / "cli.npz"), "--grid-size", "2"]
    train = cli("train", *common, "--out", str(run_dir), "--eval-every", "1", "--eval-n", "64")
    tensorboard = cli("train", *common, "--out", str(tmp / "tb-run"), "--tensorboard")
    # --data: 128 digits are too few for precision/recall, so they are skipped (and nothing is downloaded).
    evaluate = cli(
        "evaluate", str(run_dir), "--n", "64", "--data", str(tmp / "cli.npz"), "--out", str(tmp / "eval.json")
    )
    generate = cli("generate", "--pretrained", "dcgan", "--n", "8", "--out", str(tmp / "pretrained"))
    # A time budget too small for more than one epoch: the probe runs on JAX, and plans the floor.
    budget = cli("train", *common[4:], "--arch", "gan", "--minutes", "0.001", "--out", str(tmp / "budget-run"))
    from keras_gan.cli.info import collect

    info = dict(collect())
    return {
        "codes": {
            "train": train,
            "tensorboard": tensorboard,
            "evaluate": evaluate,
            "generate": generate,
            "budget": budget,
        },
        "budget_epochs": json.loads((tmp / "budget-run" / "config.json").read_text())["epochs"],
        "run_files": sorted(p.name for p in run_dir.iterdir()),
        "metrics": (run_dir / "metrics.csv").read_text().splitlines(),
        "eval": json.loads((tmp / "eval.json").read_text()),
        "tb_run_exists": (tmp / "tb-run").exists(),
        "pretrained_samples": str(tmp / "pretrained.npy"),
        "info": {key: info[key] for key in ("tensorflow", "keras backend", "devices")},
    }


def jax_input_gradient(w, images):
    return jax.grad(lambda x: (x.reshape(x.shape[0], -1) @ w).sum())(images)


if __name__ == "__main__":
    report = {
        "backend": keras.backend.backend(),
        "steps": {arch: step_report(arch) for arch in ("gan", "dcgan", "cdcgan")},
        "objectives": objectives(),
        "resume": resume(Path(sys.argv[1])),
        "command_line": command_line(Path(sys.argv[1])),
        "tensorflow_in_modules": sys.modules.get("tensorflow") is not None,
    }
    print(json.dumps(report))
