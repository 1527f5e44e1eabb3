"""`train(config)`: the whole training run, from data to a run folder.

`train.py` is a thin command line over this function; tests call it directly.
"""

import dataclasses
import shutil
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from keras_gan import callbacks, data, distribute
from keras_gan.checkpoint import CHECKPOINT_NAME, load_checkpoint
from keras_gan.config import TrainConfig
from keras_gan.engine import GAN, default_optimizer
from keras_gan.errors import TrainingFailure, UserError
from keras_gan.io import save_keras
from keras_gan.networks import CONDITIONAL, NUM_CLASSES, build_networks

CONFIG_NAME = "config.json"
GENERATOR_NAME = "generator.keras"
BEST_GENERATOR_NAME = "best_generator.keras"
METRICS_NAME = "metrics.csv"


def build_gan(config):
    """A compiled `GAN` for `config` (weights initialised from `config.seed`).

    With `config.mixed_precision` the networks get a mixed dtype policy
    (their output layers stay float32), and under float16 both optimizers
    scale the loss.
    """
    config = dataclasses.replace(config).validate()  # fills in the architecture's defaults
    keras.utils.set_random_seed(config.seed)
    policy = distribute.precision_policy(config.mixed_precision)
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        generator, discriminator = build_networks(config.arch, config.latent_dim, config.from_logits)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    gan = GAN(
        generator,
        discriminator,
        latent_dim=config.latent_dim,
        from_logits=config.from_logits,
        seed=config.seed,
        num_classes=NUM_CLASSES if config.arch in CONDITIONAL else None,
    )

    def optimizer(lr, ema=0.0):
        adam = default_optimizer(lr, config.beta1, ema)
        # float16 gradients underflow without loss scaling; bfloat16 has float32's range.
        return keras.optimizers.LossScaleOptimizer(adam) if policy == "mixed_float16" else adam

    # Only G's weights are averaged: D's average is never used.
    gan.compile(
        d_optimizer=optimizer(config.d_lr),
        g_optimizer=optimizer(config.lr, config.ema),
        jit_compile=distribute.use_jit(config.jit),
    )
    return gan


def grid_noise(config):
    """The fixed z of the per-epoch grid, a function of the seed alone.

    The grid is square, but a conditional GAN's has one column per digit.
    """
    cols = NUM_CLASSES if config.arch in CONDITIONAL else config.grid_size
    rng = np.random.default_rng(config.seed)
    return rng.standard_normal((config.grid_size * cols, config.latent_dim)).astype(np.float32)


def default_run_dir(arch):
    return Path("saved_models") / f"{arch}-{time.strftime('%Y%m%d-%H%M%S')}"


def resume_config(run_dir, epochs=None):
    """The saved config of `run_dir`, with `epochs` raised if given."""
    run_dir = Path(run_dir)
    if not (run_dir / CHECKPOINT_NAME).exists():
        raise UserError(f"--resume {run_dir}: no {CHECKPOINT_NAME} in this folder, nothing to resume")
    config = TrainConfig.from_json(run_dir / CONFIG_NAME)
    config.out = str(run_dir)
    if epochs is not None:
        config.epochs = epochs
    return config


def train(config, resume=False, verbose=1, extra_callbacks=()):
    """Trains a GAN as `config` says and returns the run folder.

    Under `--strategy multiworker` every worker runs this; only the chief
    writes the run folder, the others write to a temporary folder that is
    removed at the end (their callbacks must still run: they take part in
    the same collective ops).

    Args:
        config: A `TrainConfig`. Its `out` is the run folder; an empty `out`
            becomes `saved_models/<arch>-<timestamp>`.
        resume: Continue the run in `config.out` from its checkpoint (see
            `resume_config`) instead of starting a new one.
        verbose: Passed to `fit()`: 1 shows Keras' progress bar.
        extra_callbacks: More `keras.callbacks.Callback`s, run after ours.

    Returns:
        The run folder, holding `config.json`, `metrics.csv`, the grids,
        `progress.gif`, `checkpoint.npz` and `generator.keras`.
    """
    config = dataclasses.replace(config).validate()
    run_dir = Path(config.out) if config.out else default_run_dir(config.arch)
    if not resume and (run_dir / CHECKPOINT_NAME).exists():
        raise UserError(f"--out {run_dir} already holds a run; pass --resume {run_dir} to continue it")
    # The strategy first: a multi-worker one must exist before other TensorFlow work.
    strategy = distribute.make_strategy(config.strategy, config.tpu)
    # Load data before touching the run folder: bad data leaves nothing behind.
    x, y = data.load_mnist(config.data)

    # Variables (networks, optimizers, RNG state) live in the strategy's scope.
    with strategy.scope():
        gan = build_gan(config)
        noise = grid_noise(config)
        start_epoch = 0
        if resume:
            start_epoch, noise = load_checkpoint(gan, run_dir / CHECKPOINT_NAME)
    config.out = str(run_dir)
    chief = distribute.is_chief(strategy)
    write_dir = run_dir if chief else Path(tempfile.mkdtemp(prefix="keras-gan-worker-"))
    try:
        if resume:
            if not chief:
                shutil.copyfile(run_dir / METRICS_NAME, write_dir / METRICS_NAME)
            callbacks.MetricsCSV.truncate(write_dir / METRICS_NAME, start_epoch)
        else:
            write_dir.mkdir(parents=True, exist_ok=True)
        config.to_json(write_dir / CONFIG_NAME)

        dataset, steps = data.make_dataset(x, y, config.batch_size, config.seed, start_epoch, config.epochs)
        run_callbacks = make_callbacks(config, write_dir, noise, images_per_epoch=steps * config.batch_size)
        if start_epoch < config.epochs:
            gan.fit(
                dataset,
                epochs=config.epochs,
                initial_epoch=start_epoch,
                steps_per_epoch=steps,
                callbacks=run_callbacks + list(extra_callbacks),
                verbose=verbose if chief else 0,
                shuffle=False,  # the dataset is already shuffled, per epoch
            )
        if not callbacks.all_finite(gan):
            raise TrainingFailure("NaN or Inf in the weights: generator.keras was not written")
        with gan.averaged_generator() as generator:
            save_keras(generator, write_dir / GENERATOR_NAME)
    finally:
        if not chief:
            shutil.rmtree(write_dir, ignore_errors=True)
    return run_dir


def make_callbacks(config, run_dir, noise, images_per_epoch):
    """The run's callbacks, in the order that matters.

    Evaluate first (it adds FCD to the logs that the CSV then writes), the
    watchdog before the outputs (a failed epoch is never saved), and the
    checkpoint last (an epoch counts as done only once its outputs exist).
    """
    run_callbacks = []
    if config.eval_every:
        from keras_gan.evaluate import Evaluator

        earlier = [float(r["fcd"]) for r in callbacks.read_csv(run_dir / METRICS_NAME) if r.get("fcd")]
        best_path = run_dir / BEST_GENERATOR_NAME
        best_fcd = min(earlier, default=float("inf"))
        run_callbacks.append(callbacks.Evaluate(Evaluator(), config.eval_every, config.eval_n, best_path, best_fcd))
    run_callbacks += [
        callbacks.MetricsCSV(run_dir / METRICS_NAME, images_per_epoch),
        callbacks.Watchdog(),
        callbacks.ImageGrid(run_dir, noise, config.grid_size),
    ]
    if config.tensorboard:
        run_callbacks.append(callbacks.TensorBoard(run_dir / "tensorboard", noise, config.grid_size))
    run_callbacks.append(callbacks.Checkpoint(run_dir / CHECKPOINT_NAME, noise))
    return run_callbacks
