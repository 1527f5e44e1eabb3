"""Mutation testing by hand-written mutations: break the code on purpose, one way at a time, and see the tests fail.

    python tools/mutate.py                 # every mutation (about 20 minutes on 2 CPU cores)
    python tools/mutate.py --only fusion   # the mutations whose name contains "fusion"
    python tools/mutate.py --list

For each mutation in `MUTATIONS` it copies the repository to a temporary
folder, replaces one snippet of the package there, runs the tests that
should catch it, and records whether they failed ("killed") or passed
("survived": a test that guards nothing). A mutation whose snippet is no
longer in the code is reported as "stale", so the list cannot rot silently.
It ends with one machine-readable line: `mutations: K killed of N (P%)`.

Add a mutation whenever a bug slips past the suite: name it, say what it
breaks, and list the tests that must catch it.
"""

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclasses.dataclass(frozen=True)
class Mutation:
    name: str
    why: str  # what the mutation breaks, as a user would meet it
    path: str  # a file of the package, relative to the repository root
    old: str  # a snippet that occurs exactly once in that file
    new: str
    tests: tuple  # pytest arguments that must fail


MUTATIONS = [
    # The seven findings of the "tests that bite" review.
    Mutation(
        "tfjs-fusion",
        "the Dense layer's tanh stays fused into MatMul: trained gan/cgan exports fail in tfjs 4.22",
        "keras_gan/export/subpixel.py",
        "    moved = _deferred_activations(generator)\n",
        "    moved = {}\n",
        ("tests/export/test_tfjs.py", "-k", "gan and not dcgan"),
    ),
    Mutation(
        "precision-first-chunk",
        "precision/recall count only the first 2,048 points",
        "keras_gan/evaluation/scores.py",
        "        inside += int((d <= radii[None, :]).any(axis=1).sum())\n",
        "        inside += int((d <= radii[None, :]).any(axis=1).sum()) if start == 0 else 0\n",
        ("tests/evaluation/test_scores.py",),
    ),
    Mutation(
        "best-fcd-not-updated",
        "the best generator is replaced by any later one that beats the first evaluation",
        "keras_gan/training/monitor.py",
        '                self.best_fcd = result["fcd"]\n',
        "",
        ("tests/training/test_monitor.py", "-k", "best"),
    ),
    Mutation(
        "grid-row-per-digit",
        "the conditional grid draws one row per digit instead of one column",
        "keras_gan/training/callbacks.py",
        "    return np.arange(n, dtype=np.int32) % num_classes\n",
        "    return (np.arange(n, dtype=np.int32) // num_classes) % num_classes\n",
        ("tests/training/test_callbacks.py",),
    ),
    Mutation(
        "jax-resume-loses-noise-state",
        "a resumed JAX run restarts the noise stream: it no longer ends where an uninterrupted one does",
        "keras_gan/training/checkpoint.py",
        "    for variable, value in assignments:\n        variable.assign(value)\n",
        "    for variable, value in assignments:\n"
        "        if keras.backend.backend() == 'jax' and variable is gan.seed_generator.state:\n"
        "            continue\n"
        "        variable.assign(value)\n",
        ("tests/core/test_jax_step.py", "-k", "resumed"),
    ),
    Mutation(
        "picker-does-not-redraw",
        "clicking a digit changes the labels but the grid keeps the old digits",
        "keras_gan/demo/static/demo.js",
        "      state.labels = drawLabels();\n      if (!state.walking) await render(state.z, state.labels);\n",
        "      state.labels = drawLabels();\n",
        ("tests/demo/test_page.py", "-k", "picker"),
    ),
    Mutation(
        "failing-backend-hidden",
        "a backend that fails is only logged to the console, not shown on the page",
        "keras_gan/demo/static/demo.js",
        "    state.failures[name] = err.message;\n    showFailures();\n",
        "    console.info(`backend ${name} unavailable: ${err.message}`);\n",
        ("tests/demo/test_page.py", "-k", "fails"),
    ),
    Mutation(
        "new-digits-reuse-z",
        "New digits redraws the same digits",
        "keras_gan/demo/static/demo.js",
        "async function newDigits() {\n  state.z = normals(N * state.latentDim);\n",
        "async function newDigits() {\n",
        ("tests/demo/test_page.py", "-k", "user"),
    ),
    Mutation(
        "serving-ignores-z",
        "the SavedModel's serving_default draws the same digits whatever z is",
        "keras_gan/export/saved_model.py",
        "                return to_unit(generator(z, training=False))\n",
        "                return to_unit(generator(tf.zeros_like(z), training=False))\n",
        ("tests/cli/test_export.py", "-k", "train_export"),
    ),
    # Our own, across losses, penalties, checkpoint, data, export, watchdog, files and the lock.
    Mutation(
        "hinge-sign",
        "hinge's D pushes real outputs down instead of up",
        "keras_gan/core/losses.py",
        "    return _mean(ops.relu(1.0 - real_outputs), global_batch_size) + _mean(",
        "    return _mean(ops.relu(1.0 + real_outputs), global_batch_size) + _mean(",
        ("tests/core/test_losses.py",),
    ),
    Mutation(
        "wgan-gp-zero-centred",
        "WGAN-GP pulls the gradient norm to 0 instead of 1",
        "keras_gan/core/penalties.py",
        "    return weight * ops.sum(ops.square(norms - 1.0)) / global_batch_size\n",
        "    return weight * ops.sum(ops.square(norms)) / global_batch_size\n",
        ("tests/core/test_penalties.py",),
    ),
    Mutation(
        "interpolation-normal",
        "WGAN-GP's interpolation weights are drawn from a normal, not U[0, 1]",
        "keras_gan/core/tf_step.py",
        "        return tf.random.stateless_uniform((batch_size,), seed=self._replica_seed())\n",
        "        return tf.random.stateless_normal((batch_size,), seed=self._replica_seed())\n",
        ("tests/core/test_penalties.py",),
    ),
    Mutation(
        "r1-not-halved",
        "R1 is gamma * ||g||^2 instead of gamma / 2 * ||g||^2",
        "keras_gan/core/penalties.py",
        "    return gamma / 2.0 * ops.sum(squared_norms(gradients)) / global_batch_size\n",
        "    return gamma * ops.sum(squared_norms(gradients)) / global_batch_size\n",
        ("tests/core/test_penalties.py",),
    ),
    Mutation(
        "checkpoint-ignores-paths",
        "a checkpoint of reordered variables with equal shapes loads into the wrong variables",
        "keras_gan/training/checkpoint.py",
        "            if saved_path != structural_path(variable):\n",
        "            if False:\n",
        ("tests/training/test_checkpoint.py",),
    ),
    Mutation(
        "data-order-ignores-epoch",
        "every epoch sees the batches in the same order",
        "keras_gan/training/data.py",
        "seed=tf.stack([tf.cast(seed, tf.int64), epoch])",
        "seed=tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])",
        ("tests/training/test_data.py",),
    ),
    Mutation(
        "serving-uncapped",
        "serving_default accepts any batch of z: a request can exhaust the server's memory",
        "keras_gan/export/saved_model.py",
        "        checks = [tf.debugging.assert_less_equal(batch, max_n, message=",
        "        checks = [] and [tf.debugging.assert_less_equal(batch, max_n, message=",
        ("tests/export/test_saved_model.py", "-k", "caps"),
    ),
    Mutation(
        "watchdog-without-warm-up",
        "the watchdog judges a normal run's first epochs, which are at noise level, as failed",
        "keras_gan/training/monitor.py",
        "        warm = (epoch + 1) * self.images_per_epoch >= self.warmup_images\n",
        "        warm = True\n",
        ("tests/training/test_monitor.py",),
    ),
    Mutation(
        "write-in-place",
        "files are written in place: a failed write destroys the previous file",
        "keras_gan/files.py",
        "        yield tmp\n        os.replace(tmp, path)\n",
        "        yield path\n",
        ("tests/test_write_faults.py", "-k", "writer"),
    ),
    Mutation(
        "lock-ignored",
        "two trainers may write into one run folder",
        "keras_gan/training/lock.py",
        "            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n",
        "            pass\n",
        ("tests/training/test_lock.py",),
    ),
    Mutation(
        "loss-per-replica",
        "each replica averages over its own batch: N replicas take N times the step",
        "keras_gan/core/tf_step.py",
        '        global_batch = ops.cast(batch_size * tf.distribute.get_strategy().num_replicas_in_sync, "float32")\n',
        '        global_batch = ops.cast(batch_size, "float32")\n',
        ("tests/training/test_distribute.py", "-k", "single_device_step and dcgan"),
    ),
]


def copy_repository(target):
    """The working tree without caches and environments; the test npm packages are linked, not copied."""
    ignore = shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache", "runs"
    )
    shutil.copytree(ROOT, target, ignore=ignore)
    modules = ROOT / "tests" / "web" / "node_modules"
    if modules.exists():
        (target / "tests" / "web" / "node_modules").symlink_to(modules)


def run(mutation, keep_output=False):
    """Applies one mutation in a fresh copy and runs its tests; returns ("killed" | "survived" | "stale", seconds)."""
    with tempfile.TemporaryDirectory(prefix="keras-gan-mutant-") as tmp:
        copy = Path(tmp) / "repo"
        copy_repository(copy)
        path = copy / mutation.path
        text = path.read_text()
        if text.count(mutation.old) != 1:
            return "stale", 0.0
        path.write_text(text.replace(mutation.old, mutation.new))
        env = {**os.environ, "PYTHONPATH": str(copy), "TF_CPP_MIN_LOG_LEVEL": "3"}
        env.pop("KERAS_GAN_REQUIRE_WEB", None)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutation.tests],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        seconds = time.monotonic() - started
        if keep_output:
            print(result.stdout[-3000:])
        # Exit 1: tests failed. 5 (nothing collected) or a skip-only run would be a broken mutation, not a kill.
        if result.returncode == 1:
            return "killed", seconds
        if result.returncode == 0 and " passed" in result.stdout:
            return "survived", seconds
        return f"error (pytest exit {result.returncode})", seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the mutations whose name contains this")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--verbose", action="store_true", help="print the tests' output")
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if args.only in m.name]
    if args.list:
        for m in chosen:
            print(f"{m.name:30s} {m.path}: {m.why}")
        return 0
    outcomes = {}
    for m in chosen:
        outcome, seconds = run(m, args.verbose)
        outcomes[m.name] = outcome
        print(f"{outcome:10s} {seconds:6.1f} s  {m.name}: {m.why}", flush=True)
    killed = sum(outcome == "killed" for outcome in outcomes.values())
    survivors = [name for name, outcome in outcomes.items() if outcome != "killed"]
    if survivors:
        print("not killed: " + ", ".join(survivors))
    print(f"mutations: {killed} killed of {len(chosen)} ({100 * killed / max(len(chosen), 1):.0f}%)")
    return 0 if not survivors else 1


if __name__ == "__main__":
    sys.exit(main())
