"""Callbacks that turn a training run into a run folder you can look at.

All of them take explicit paths and a fixed noise batch, so frames from
different epochs (and from a resumed run) are comparable.
"""

import csv
import io
import time
from pathlib import Path

import keras
import numpy as np

from keras_gan import images
from keras_gan.checkpoint import save_checkpoint
from keras_gan.errors import TrainingFailure
from keras_gan.io import atomic_write_text, save_keras


def grid_labels(n, num_classes=10):
    """Labels of a conditional grid: 0, 1, ..., 9, 0, 1, ... in reading order."""
    return np.arange(n, dtype=np.int32) % num_classes


def render_grid(gan, noise, rows):
    """The GAN's images for the fixed `noise` as one uint8 grid picture.

    A conditional GAN's grid has one column per digit, 0 to 9. The images
    come from G's averaged weights (`GAN.averaged_generator`).
    """
    labels = grid_labels(len(noise), gan.num_classes) if gan.conditional else None
    with gan.averaged_generator():
        samples = gan.generate(noise, labels, training=False)
    cols = gan.num_classes if gan.conditional else rows
    return images.make_grid(images.to_uint8(samples), rows, cols)


class ImageGrid(keras.callbacks.Callback):
    """Saves `epoch_001.png`, `epoch_002.png`, ... and, at the end, `progress.gif`.

    Args:
        out_dir: Run folder.
        noise: Fixed z [rows*rows, latent_dim].
        rows: Grid size.
    """

    def __init__(self, out_dir, noise, rows=8):
        super().__init__()
        self.out_dir = Path(out_dir)
        self.noise = noise
        self.rows = rows

    def on_epoch_end(self, epoch, logs=None):
        grid = render_grid(self.model, self.noise, self.rows)
        images.save_png(grid, self.out_dir / f"epoch_{epoch + 1:03d}.png")

    def on_train_end(self, logs=None):
        # Resumed runs include the frames written before the interruption.
        images.save_gif(sorted(self.out_dir.glob("epoch_*.png")), self.out_dir / "progress.gif")


class Checkpoint(keras.callbacks.Callback):
    """Writes the full training state after every epoch (see `keras_gan.checkpoint`)."""

    def __init__(self, path, grid_noise):
        super().__init__()
        self.path = Path(path)
        self.grid_noise = grid_noise

    def on_epoch_end(self, epoch, logs=None):
        save_checkpoint(self.model, self.path, epoch + 1, self.grid_noise)


class MetricsCSV(keras.callbacks.Callback):
    """Appends one row per epoch to a CSV: epoch (from 1), seconds, images/s and the metrics.

    `seconds` and `images_per_s` time the training steps alone, not the
    evaluation or the image grid written at the end of the epoch.

    The file is rewritten atomically each epoch, so a kill never leaves a
    half-written row. On resume, rows after the checkpoint are dropped first
    (`truncate`), so the log has no duplicate epochs.

    Args:
        path: The CSV file.
        images_per_epoch: Images seen per epoch, for the throughput column.
    """

    def __init__(self, path, images_per_epoch):
        super().__init__()
        self.path = Path(path)
        self.images_per_epoch = images_per_epoch

    def on_train_begin(self, logs=None):
        self.rows = read_csv(self.path)  # a resumed run's earlier epochs

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._last_step = self._start

    def on_train_batch_end(self, batch, logs=None):
        # Training time only: evaluation and image writing at epoch end are not steps.
        self._last_step = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = max(self._last_step - self._start, 1e-9)
        row = {
            "epoch": epoch + 1,
            "seconds": f"{seconds:.2f}",
            "images_per_s": f"{self.images_per_epoch / seconds:.0f}",
        }
        row.update({k: f"{float(np.mean(v)):.6g}" for k, v in sorted((logs or {}).items())})
        self.rows.append(row)
        _write_csv(self.path, self.rows)

    @staticmethod
    def truncate(path, completed_epochs):
        """Keeps only the rows of the first `completed_epochs` epochs."""
        path = Path(path)
        if path.exists():
            _write_csv(path, [r for r in read_csv(path) if int(r["epoch"]) <= completed_epochs])


def read_csv(path):
    """The rows of a metrics CSV as dicts ([] if there is no file yet)."""
    path = Path(path)
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _write_csv(path, rows):
    text = io.StringIO()
    if rows:
        # Some columns (an evaluation every few epochs) are not in every row.
        fieldnames = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(text, fieldnames=fieldnames, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    atomic_write_text(path, text.getvalue())


class TensorBoard(keras.callbacks.Callback):
    """Logs the epoch metrics and the image grid for TensorBoard.

    Keras' own `TensorBoard` callback does scalars only; the grid is what you
    want to watch in a GAN.
    """

    def __init__(self, log_dir, noise, rows=8):
        super().__init__()
        import tensorflow as tf  # tf.summary has no Keras equivalent.

        self._tf = tf
        self.writer = tf.summary.create_file_writer(str(log_dir))
        self.noise = noise
        self.rows = rows

    def on_epoch_end(self, epoch, logs=None):
        grid = render_grid(self.model, self.noise, self.rows)
        with self.writer.as_default(step=epoch + 1):
            for name, value in (logs or {}).items():
                self._tf.summary.scalar(name, float(np.mean(value)))
            self._tf.summary.image("samples", grid[None, :, :, None])
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.writer.close()


def all_finite(model):
    """True if every weight of `model` (of a GAN: G's and D's) is finite."""
    return all(np.isfinite(keras.ops.convert_to_numpy(v)).all() for v in model.weights)


class Evaluate(keras.callbacks.Callback):
    """Every `every` epochs: FCD and class coverage of `n` samples, logged with the metrics.

    The samples come from fixed noise (and fixed labels) through G's averaged
    weights, so the numbers are comparable across epochs. The (averaged)
    generator with the lowest FCD so far is saved as `best_generator.keras`.

    Args:
        evaluator: A `keras_gan.evaluate.Evaluator`.
        every: Evaluate after epochs `every`, `2 * every`, ...
        n: Samples per evaluation. FCD depends on n: compare like with like.
        best_path: Where the best generator goes.
        best_fcd: The best FCD of earlier epochs (when resuming).
        seed: Seed of the fixed evaluation noise.
    """

    def __init__(self, evaluator, every, n, best_path, best_fcd=float("inf"), seed=1234):
        super().__init__()
        self.evaluator = evaluator
        self.every = every
        self.best_path = Path(best_path)
        self.best_fcd = best_fcd
        self.n = n
        self.seed = seed

    def on_train_begin(self, logs=None):
        rng = np.random.default_rng(self.seed)
        n = self.n
        self.z = rng.standard_normal((n, self.model.latent_dim)).astype(np.float32)
        self.labels = rng.integers(0, self.model.num_classes, n).astype(np.int32) if self.model.conditional else None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        from keras_gan.evaluate import evaluate

        with self.model.averaged_generator() as generator:
            samples = keras.ops.convert_to_numpy(self.model.generate(self.z, self.labels, training=False))
            if not np.isfinite(samples).all():
                return  # the watchdog reports this
            result = evaluate(images.to_uint8(samples), self.evaluator, labels=self.labels)
            if result["fcd"] < self.best_fcd:
                self.best_fcd = result["fcd"]
                save_keras(generator, self.best_path)
        logs["fcd"] = result["fcd"]
        logs["classes_covered"] = result["classes"]["classes_covered"]
        logs["max_class_share"] = result["classes"]["max_share"]
        logs["confidence"] = result["mean_confidence"]
        if "label_accuracy" in result:
            logs["label_accuracy"] = result["label_accuracy"]["overall"]


class Watchdog(keras.callbacks.Callback):
    """Stops a run that has failed, with a one-line diagnosis (`TrainingFailure`).

    It triggers on:
    - NaN or Inf in a loss (checked every step) or in a weight (every epoch);
    - a discriminator that wins outright: mean D(fake) under `d_fake_floor`
      for `patience` epochs in a row, when G's gradient has vanished;
    - class collapse seen by `Evaluate`: fewer than 10 classes covered, or
      one class above `max_class_share`, in `patience` evaluations in a row,
      while the classifier is confident (mean confidence at least
      `min_confidence`) that the samples are digits at all. Early samples
      are blobs that the classifier spreads over a few classes at low
      confidence; that is not collapse (real digits score 0.99, noise 0.71).

    Put it before `Checkpoint`: the exception ends `fit()` before the bad
    epoch is saved, so the last good checkpoint stays.
    """

    def __init__(self, patience=3, d_fake_floor=0.01, max_class_share=0.3, min_confidence=0.8):
        super().__init__()
        self.patience = patience
        self.d_fake_floor = d_fake_floor
        self.max_class_share = max_class_share
        self.min_confidence = min_confidence
        self.won_epochs = 0
        self.collapsed_evaluations = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        for name in ("d_loss", "g_loss"):
            value = float(np.mean((logs or {}).get(name, 0.0)))
            if not np.isfinite(value):
                raise TrainingFailure(
                    f"{name} became {value} at epoch {self.epoch}, step {batch + 1}: training diverged "
                    "(try a lower --lr); the last good checkpoint is kept"
                )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not all_finite(self.model):
            raise TrainingFailure(
                f"NaN or Inf in the weights after epoch {epoch + 1}: training diverged "
                "(try a lower --lr); the last good checkpoint is kept"
            )
        d_fake = float(np.mean(logs.get("d_fake", 1.0)))
        self.won_epochs = self.won_epochs + 1 if d_fake < self.d_fake_floor else 0
        if self.won_epochs >= self.patience:
            raise TrainingFailure(
                f"the discriminator has won outright for {self.won_epochs} epochs (mean D(fake)={d_fake:.4f}, "
                f"g_loss={float(np.mean(logs.get('g_loss', 0))):.2f}): G gets no useful gradient; "
                "restart with another --seed or a lower --lr"
            )
        covered, top = logs.get("classes_covered"), logs.get("max_class_share")
        if covered is None:
            return  # no evaluation this epoch
        confident = logs.get("confidence", 1.0) >= self.min_confidence
        collapsed = confident and (covered < 10 or top > self.max_class_share)
        self.collapsed_evaluations = self.collapsed_evaluations + 1 if collapsed else 0
        if self.collapsed_evaluations >= self.patience:
            raise TrainingFailure(
                f"class collapse after epoch {epoch + 1}: {covered} of 10 digits covered, largest class "
                f"{top:.0%} of samples, in {self.collapsed_evaluations} evaluations in a row; "
                "the last good checkpoint is kept"
            )
