"""`train(config)`: the whole training run, from data to a run folder.

`keras-gan train` (and `train.py`) is a thin command line over this
function; notebooks and tests call it directly.
"""

import dataclasses
import shutil
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from keras_gan import paths
from keras_gan.core.architectures import NUM_CLASSES, get_arch
from keras_gan.core.engine import GAN, all_finite
from keras_gan.core.optimizers import default_optimizer
from keras_gan.core.schedules import LinearTail
from keras_gan.errors import Interrupted, TrainingFailure, UserError
from keras_gan.evaluation.classifier import Classifier
from keras_gan.files import save_keras
from keras_gan.training import budget, callbacks, data, distribute, interrupt, monitor
from keras_gan.training.checkpoint import load_checkpoint
from keras_gan.training.config import TrainConfig
from keras_gan.training.lock import run_folder_lock


def build_model(config, steps_per_epoch=None):
    """A compiled `GAN` for `config` (weights initialised from `config.seed`).

    With `config.mixed_precision` the networks get a mixed dtype policy
    (their output layers stay float32), and under float16 both optimizers
    scale the loss.

    Args:
        config: A `TrainConfig`.
        steps_per_epoch: Steps in one epoch, which `config.lr_decay` needs
            to place its schedule; without it the rates stay constant.
    """
    config = dataclasses.replace(config).validate()  # fills in the architecture's defaults
    keras.utils.set_random_seed(config.seed)
    policy = distribute.precision_policy(config.mixed_precision)
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        generator, discriminator = get_arch(config.arch).networks(
            config.latent_dim, config.from_logits, config.d_batch_norm, config.d_width
        )
    finally:
        keras.mixed_precision.set_global_policy(previous)
    gan = GAN(
        generator,
        discriminator,
        latent_dim=config.latent_dim,
        from_logits=config.from_logits,
        seed=config.seed,
        num_classes=NUM_CLASSES if get_arch(config.arch).conditional else None,
        loss=config.loss,
        r1=config.r1,
        r2=config.r2,
        reg_every=config.reg_every,
    )

    def optimizer(lr, ema=0.0):
        if config.lr_decay and steps_per_epoch:
            lr = LinearTail(lr, config.epochs * steps_per_epoch, config.lr_decay)
        adam = default_optimizer(lr, config.beta1, ema, config.beta2, config.ema_kimg, config.batch_size)
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
    cols = NUM_CLASSES if get_arch(config.arch).conditional else config.grid_size
    rng = np.random.default_rng(config.seed)
    return rng.standard_normal((config.grid_size * cols, config.latent_dim)).astype(np.float32)


def default_run_dir(arch):
    return Path("saved_models") / f"{arch}-{time.strftime('%Y%m%d-%H%M%S')}"


def resume_config(run_dir, epochs=None):
    """The saved config of `run_dir`, with `epochs` raised if given."""
    run_dir = Path(run_dir)
    if not (run_dir / paths.CHECKPOINT).exists():
        raise UserError(f"`resume`={str(run_dir)!r}: no {paths.CHECKPOINT} in this folder, nothing to resume", "resume")
    config = TrainConfig.from_json(run_dir / paths.CONFIG)
    config.out = str(run_dir)
    if epochs is not None:
        config.epochs = epochs
    if config.epochs is None:  # a run saves the epochs it planned; a hand-written config may not have them
        raise UserError(f"{run_dir / paths.CONFIG} says no `epochs`: give the total to resume to", "epochs")
    return config


def train(config, resume=False, verbose=1, extra_callbacks=()):
    """Trains a GAN as `config` says and returns the run folder.

    The chief (the only process, unless `strategy` is "multiworker") holds
    an exclusive lock on the run folder while it trains. SIGINT and SIGTERM
    stop the run at the next step boundary with `Interrupted`; the last
    complete epoch's checkpoint stays, and a resumed run ends where an
    uninterrupted one would have.

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

    Raises:
        UserError: bad config, data or run folder (also: locked by another run).
        TrainingFailure: the watchdog stopped a failed run.
        Interrupted: a signal stopped the run; its `run_dir` says where.
    """
    started = time.perf_counter()  # a time budget counts from here
    config = dataclasses.replace(config).validate()
    run_dir = Path(config.out) if config.out else default_run_dir(config.arch)
    if run_dir.exists() and not run_dir.is_dir():
        raise UserError(f"`out`={str(run_dir)!r} is a file, not a folder", argument="out")
    # The strategy first: a multi-worker one must exist before other TensorFlow work.
    strategy = distribute.make_strategy(config.strategy, config.tpu)
    if config.tensorboard:
        callbacks.summary_module()  # no TensorFlow to write the logs: say so before any file is written
    # Data before the run folder: bad data, or a batch larger than it, leaves nothing behind.
    x, y = data.load_mnist(config.data)
    data.check_batch_size(len(x), config.batch_size)
    config.out = str(run_dir)
    stop = interrupt.StopOnSignal()
    chief = distribute.is_chief(strategy)
    try:
        with interrupt.graceful_stop(stop):
            if not chief:
                # Other workers run the same callbacks (they join the same collective ops) into a scratch folder.
                with tempfile.TemporaryDirectory(prefix="keras-gan-worker-") as scratch:
                    _train(
                        config, strategy, x, y, resume, run_dir, Path(scratch), stop, verbose, extra_callbacks, started
                    )
            else:
                with run_folder_lock(run_dir):
                    _train(config, strategy, x, y, resume, run_dir, run_dir, stop, verbose, extra_callbacks, started)
    except Interrupted as e:
        e.run_dir = run_dir
        raise
    return run_dir


def plan_epochs(config, strategy, x, y, started, stop=None, verbose=1):
    """The epochs that fit `config.minutes`, timed on a throwaway copy of the run (`budget.plan_epochs`).

    Args:
        config: A validated `TrainConfig` with `minutes` set.
        strategy: The run's `tf.distribute` strategy.
        x: uint8 [N, 28, 28] training images.
        y: uint8 [N] labels.
        started: `time.perf_counter()` when the run began.
        stop: The run's `StopOnSignal`: a signal during the probe stops the run.
        verbose: Print the plan.

    Returns:
        A `budget.Plan`.
    """
    steps = data.steps_per_epoch(len(x), config.batch_size)
    noise = grid_noise(config)

    def build():
        with strategy.scope():
            return build_model(config)

    def probe_callbacks(folder):
        run_callbacks = make_callbacks(config, Path(folder), noise, images_per_epoch=steps * config.batch_size)
        return run_callbacks + ([stop] if stop else [])

    # Enough epochs of batches for the probe, however small the data.
    dataset, _ = data.make_dataset(x, y, config.batch_size, config.seed, 0, -(-budget.PROBE_STEPS // steps))
    measured = get_arch(config.arch).documented_epochs(config.minutes)
    plan = budget.plan_epochs(config, started, build, dataset, probe_callbacks, steps, measured)
    if verbose:
        print(plan.summary(), flush=True)
    return plan


def _train(config, strategy, x, y, resume, run_dir, write_dir, stop, verbose, extra_callbacks, started):
    """The run itself, once the folder is locked (or, on a non-chief worker, a scratch folder chosen)."""
    if not resume and (run_dir / paths.CHECKPOINT).exists():
        raise UserError(f"`out`={str(run_dir)!r} already holds a run; resume it instead", argument="out")
    if config.minutes and not resume:  # after the checks, so bad input costs no probe; a resumed run keeps its plan
        config.epochs = plan_epochs(config, strategy, x, y, started, stop, verbose).epochs
    # Variables (networks, optimizers, RNG state) live in the strategy's scope.
    with strategy.scope():
        gan = build_model(config, data.steps_per_epoch(len(x), config.batch_size))
        noise = grid_noise(config)
        start_epoch = 0
        if resume:
            start_epoch, noise = load_checkpoint(gan, run_dir / paths.CHECKPOINT)
    stop.epochs_done = start_epoch
    if resume:
        if write_dir != run_dir and (run_dir / paths.METRICS).exists():
            shutil.copyfile(run_dir / paths.METRICS, write_dir / paths.METRICS)
        callbacks.MetricsCSV.truncate(write_dir / paths.METRICS, start_epoch)
    config.to_json(write_dir / paths.CONFIG)

    dataset, steps = data.make_dataset(x, y, config.batch_size, config.seed, start_epoch, config.epochs)
    run_callbacks = make_callbacks(config, write_dir, noise, images_per_epoch=steps * config.batch_size)
    if start_epoch < config.epochs:
        gan.fit(
            dataset,
            epochs=config.epochs,
            initial_epoch=start_epoch,
            steps_per_epoch=steps,
            callbacks=run_callbacks + [stop, *extra_callbacks],
            verbose=verbose if write_dir == run_dir else 0,
            shuffle=False,  # the dataset is already shuffled, per epoch
        )
    if not all_finite(gan):
        raise TrainingFailure("NaN or Inf in the weights: generator.keras was not written")
    with gan.averaged_generator() as generator:
        save_keras(generator, write_dir / paths.GENERATOR)


def make_callbacks(config, run_dir, noise, images_per_epoch):
    """The run's callbacks, in the order that matters.

    The quality monitor first (it adds FCD to the logs that the CSV then writes), the
    watchdog before the outputs (a failed epoch is never saved), and the
    checkpoint last (an epoch counts as done only once its outputs exist).
    """
    run_callbacks = []
    if config.eval_every:
        earlier = [float(r["fcd"]) for r in callbacks.read_csv(run_dir / paths.METRICS) if r.get("fcd")]
        best_path = run_dir / paths.BEST_GENERATOR
        best_fcd = min(earlier, default=float("inf"))
        run_callbacks.append(
            monitor.QualityMonitor(Classifier(), config.eval_every, config.eval_n, best_path, best_fcd)
        )
    run_callbacks += [
        callbacks.MetricsCSV(run_dir / paths.METRICS, images_per_epoch),
        monitor.Watchdog(images_per_epoch),
        callbacks.ImageGrid(run_dir, noise, config.grid_size),
    ]
    if config.tensorboard:
        run_callbacks.append(callbacks.TensorBoard(run_dir / "tensorboard", noise, config.grid_size))
    run_callbacks.append(callbacks.Checkpoint(run_dir / paths.CHECKPOINT, noise))
    return run_callbacks
