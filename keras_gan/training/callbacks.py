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
from keras_gan.errors import UserError
from keras_gan.files import atomic_write_text
from keras_gan.training.checkpoint import save_checkpoint


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


def summary_module():
    """`tf.summary`, which writes TensorBoard's logs (Keras has no equivalent).

    Raises:
        UserError: TensorFlow is not installed (as on a JAX-only machine).
    """
    try:
        import tensorflow as tf  # deferred: the JAX backend trains without TensorFlow
    except ImportError:
        raise UserError(
            "`tensorboard` writes its logs with tf.summary, which needs TensorFlow: install it or drop the flag",
            argument="tensorboard",
        ) from None
    return tf.summary


class TensorBoard(keras.callbacks.Callback):
    """Logs the epoch metrics and the image grid for TensorBoard.

    Keras' own `TensorBoard` callback does scalars only; the grid is what you
    want to watch in a GAN.
    """

    def __init__(self, log_dir, noise, rows=8):
        super().__init__()
        self.summary = summary_module()
        self.writer = self.summary.create_file_writer(str(log_dir))
        self.noise = noise
        self.rows = rows

    def on_epoch_end(self, epoch, logs=None):
        grid = render_grid(self.model, self.noise, self.rows)
        with self.writer.as_default(step=epoch + 1):
            for name, value in (logs or {}).items():
                self.summary.scalar(name, float(np.mean(value)))
            self.summary.image("samples", grid[None, :, :, None])
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.writer.close()
