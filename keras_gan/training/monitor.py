"""Callbacks that watch sample quality during training, and stop a run that has failed."""

from pathlib import Path

import keras
import numpy as np

from keras_gan import images
from keras_gan.core.engine import all_finite
from keras_gan.errors import TrainingFailure
from keras_gan.evaluation.report import evaluate
from keras_gan.files import save_keras

# What a failed run looks like (docs/reliability.md has the measurements behind each number).
# Uniform noise scores FCD 566 (N = 10,000); a normal run is well below 400 once it has seen 300,000 images.
NOISE_FCD = 400.0
WARMUP_IMAGES = 300_000
# Share of samples with a near-identical other sample (L2 < 1.0 on [0, 1] pixels); normal runs stay under 1%.
MAX_DUPLICATES = 0.5


class QualityMonitor(keras.callbacks.Callback):
    """Every `every` epochs: FCD, class coverage and near-duplicates of `n` samples, logged with the metrics.

    The samples come from fixed noise (and fixed labels) through G's averaged
    weights, so the numbers are comparable across epochs. The (averaged)
    generator with the lowest FCD so far is saved as `best_generator.keras`,
    unless its samples look failed (noise-level FCD, or mostly
    near-duplicates): a collapsed run never leaves a "best" generator.

    Args:
        classifier: A `keras_gan.evaluation.classifier.Classifier`.
        every: Evaluate after epochs `every`, `2 * every`, ...
        n: Samples per evaluation. FCD depends on n: compare like with like.
        best_path: Where the best generator goes.
        best_fcd: The best FCD of earlier epochs (when resuming).
        seed: Seed of the fixed evaluation noise.
    """

    def __init__(self, classifier, every, n, best_path, best_fcd=float("inf"), seed=1234):
        super().__init__()
        self.classifier = classifier
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
        with self.model.averaged_generator() as generator:
            samples = keras.ops.convert_to_numpy(self.model.generate(self.z, self.labels, training=False))
            if not np.isfinite(samples).all():
                return  # the watchdog reports this
            result = evaluate(images.to_uint8(samples), self.classifier, labels=self.labels)
            duplicates = result["nearest_sample_distance"]["share_below_1"]
            failed = result["fcd"] > NOISE_FCD or duplicates > MAX_DUPLICATES
            if result["fcd"] < self.best_fcd and not failed:
                self.best_fcd = result["fcd"]
                save_keras(generator, self.best_path)
        logs["fcd"] = result["fcd"]
        logs["classes_covered"] = result["classes"]["classes_covered"]
        logs["max_class_share"] = result["classes"]["max_share"]
        logs["confidence"] = result["mean_confidence"]
        logs["near_duplicates"] = duplicates
        if "label_accuracy" in result:
            logs["label_accuracy"] = result["label_accuracy"]["overall"]


class Watchdog(keras.callbacks.Callback):
    """Stops a run that has failed, with a one-line diagnosis (`TrainingFailure`).

    It triggers on:
    - NaN or Inf in a loss (checked every step) or in a weight (every epoch);
    - a discriminator that wins outright: mean D(fake) under `d_fake_floor`
      for `patience` epochs in a row, when G's gradient has vanished;
    - what `QualityMonitor` sees, when it runs, once `warmup_images` images
      have been seen (an untrained G draws near-identical blobs at noise
      level; normal runs leave that behind well before):
      - near-identical samples: more than `max_duplicates` of them have a
        near-identical other sample, in 2 evaluations in a row;
      - noise-level samples: FCD above `noise_fcd`;
      - class collapse: fewer than 10 classes covered, or one class above
        `max_class_share`, in `patience` evaluations in a row, while the
        classifier is confident (mean confidence at least
        `min_confidence`) that the samples are digits at all. Early
        samples are blobs that the classifier spreads over a few classes
        at low confidence; that is not collapse.

    Put it before `Checkpoint`: the exception ends `fit()` before the bad
    epoch is saved, so the last good checkpoint stays, and no
    `generator.keras` is written.

    Args:
        images_per_epoch: Training images per epoch, to count the warm-up.
    """

    def __init__(
        self,
        images_per_epoch=60_000,
        patience=3,
        d_fake_floor=0.01,
        max_class_share=0.3,
        min_confidence=0.8,
        max_duplicates=None,
        noise_fcd=None,
        warmup_images=None,
    ):
        super().__init__()
        self.images_per_epoch = images_per_epoch
        self.patience = patience
        self.d_fake_floor = d_fake_floor
        self.max_class_share = max_class_share
        self.min_confidence = min_confidence
        # None: the module's thresholds, read when the run starts.
        self.max_duplicates = MAX_DUPLICATES if max_duplicates is None else max_duplicates
        self.noise_fcd = NOISE_FCD if noise_fcd is None else noise_fcd
        self.warmup_images = WARMUP_IMAGES if warmup_images is None else warmup_images
        self.won_epochs = 0
        self.collapsed_evaluations = 0
        self.duplicate_evaluations = 0

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
        if "fcd" in logs:
            self._check_samples(epoch, logs)

    def _check_samples(self, epoch, logs):
        warm = (epoch + 1) * self.images_per_epoch >= self.warmup_images
        duplicates = float(logs.get("near_duplicates", 0.0))
        self.duplicate_evaluations = self.duplicate_evaluations + 1 if warm and duplicates > self.max_duplicates else 0
        if self.duplicate_evaluations >= 2:
            raise TrainingFailure(
                f"mode collapse after epoch {epoch + 1}: {duplicates:.0%} of samples have a near-identical twin "
                f"in {self.duplicate_evaluations} evaluations in a row; the last good checkpoint is kept"
            )
        fcd, seen = float(logs["fcd"]), (epoch + 1) * self.images_per_epoch
        if warm and fcd > self.noise_fcd:
            raise TrainingFailure(
                f"no digits after epoch {epoch + 1}: FCD {fcd:.0f} is at noise level (above {self.noise_fcd:.0f}) "
                f"after {seen:,} images, where normal runs are far below; the last good checkpoint is kept"
            )
        covered, top = logs.get("classes_covered"), logs.get("max_class_share")
        confident = logs.get("confidence", 1.0) >= self.min_confidence
        collapsed = confident and (covered < 10 or top > self.max_class_share)
        self.collapsed_evaluations = self.collapsed_evaluations + 1 if collapsed else 0
        if self.collapsed_evaluations >= self.patience:
            raise TrainingFailure(
                f"class collapse after epoch {epoch + 1}: {covered} of 10 digits covered, largest class "
                f"{top:.0%} of samples, in {self.collapsed_evaluations} evaluations in a row; "
                "the last good checkpoint is kept"
            )
