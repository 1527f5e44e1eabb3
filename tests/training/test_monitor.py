"""The quality monitor (FCD during training, the best generator) and the watchdog that stops failed runs."""

import dataclasses
import json

import keras
import numpy as np
import pytest
from keras import layers, ops

from keras_gan import paths
from keras_gan.core.architectures import build_networks
from keras_gan.core.engine import GAN
from keras_gan.errors import TrainingFailure
from keras_gan.evaluation.classifier import Classifier
from keras_gan.training import callbacks, monitor
from keras_gan.training import run as training
from tests.helpers import synthetic_digits


def constant_generator():
    """A generator whose output ignores z: a black image with one white bar."""
    z = keras.Input((100,))
    image = np.full((28, 28, 1), -1.0, "float32")
    image[10:14, 4:24] = 1.0
    # The Dense keeps one trainable weight (with zero gradient) for the optimizer.
    x = layers.Dense(1)(z)
    out = layers.Lambda(lambda t: ops.convert_to_tensor(image)[None] + 0.0 * t[:, :, None, None])(x)
    return keras.Model(z, out, name="generator")


def real_dataset(n=256, batch_size=32):
    x, y = synthetic_digits(n)
    return (x[..., None].astype("float32") / 127.5 - 1.0, y.astype("int32"))


def make_constant_gan(lr=1e-3):
    keras.utils.set_random_seed(0)
    _, discriminator = build_networks("gan")
    gan = GAN(constant_generator(), discriminator, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(lr), g_optimizer=keras.optimizers.Adam(lr))
    return gan


def test_watchdog_stops_a_discriminator_that_has_won():
    gan = make_constant_gan(lr=1e-3)
    x, y = real_dataset()
    with pytest.raises(TrainingFailure, match="discriminator has won outright for 2 epochs") as e:
        gan.fit(x, y, batch_size=32, epochs=30, verbose=0, callbacks=[monitor.Watchdog(patience=2)])
    assert "\n" not in str(e.value)


def test_evaluate_logs_fcd_and_watchdog_catches_class_collapse(tmp_path):
    gan = make_constant_gan()
    x, y = real_dataset()
    evaluate = monitor.QualityMonitor(Classifier(), every=1, n=200, best_path=tmp_path / "best_generator.keras")
    csv_log = callbacks.MetricsCSV(tmp_path / "metrics.csv", 256)
    with pytest.raises(
        TrainingFailure, match=r"class collapse after epoch 3: 1 of 10 digits covered, largest class 100%"
    ):
        gan.fit(x, y, batch_size=32, epochs=5, verbose=0, callbacks=[evaluate, csv_log, monitor.Watchdog()])
    rows = callbacks.read_csv(tmp_path / "metrics.csv")
    assert len(rows) == 3 and float(rows[0]["fcd"]) > 10 and rows[0]["classes_covered"] == "1"
    assert float(rows[0]["confidence"]) > 0.8
    assert (tmp_path / "best_generator.keras").exists()


def test_watchdog_ignores_early_unconfident_samples():
    # Blobs that the classifier spreads over 3 classes at low confidence are
    # an early epoch, not a collapse; confident ones for 3 evaluations are.
    watchdog = monitor.Watchdog()
    watchdog.set_model(make_constant_gan())
    early = {"d_fake": 0.4, "classes_covered": 3, "max_class_share": 0.5, "confidence": 0.6}
    for epoch in range(5):
        watchdog.on_epoch_end(epoch, dict(early))
    confident = {**early, "confidence": 0.95}
    watchdog.on_epoch_end(5, dict(confident))
    watchdog.on_epoch_end(6, dict(confident))
    with pytest.raises(TrainingFailure, match="class collapse after epoch 8"):
        watchdog.on_epoch_end(7, dict(confident))


def test_evaluate_keeps_the_best_generator(tmp_path):
    keras.utils.set_random_seed(0)
    generator, discriminator = build_networks("gan")
    gan = GAN(generator, discriminator, seed=0)
    gan.compile()
    evaluate = monitor.QualityMonitor(Classifier(), every=2, n=100, best_path=tmp_path / "best.keras", best_fcd=-1.0)
    x, y = real_dataset(64)
    history = gan.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[evaluate])
    assert "fcd" in history.history and len(history.history["fcd"]) == 1  # epoch 2 only
    assert not (tmp_path / "best.keras").exists()  # nothing beat the (impossible) best of -1


def test_nan_stops_the_run_and_keeps_the_last_good_checkpoint(tiny_config):
    run_dir = training.train(dataclasses.replace(tiny_config, epochs=1), verbose=0)
    # Break the run: an absurd learning rate (the optimizers' learning rate is
    # part of their saved state) makes the weights overflow in epoch 2.
    path = run_dir / paths.CHECKPOINT
    with np.load(path) as f:
        arrays = dict(f)
    layout = json.loads(str(arrays["layout"]))
    for group in ("g_optimizer", "d_optimizer"):
        index = next(i for i, name in enumerate(layout[group]) if name.endswith("learning_rate"))
        arrays[f"{group}/{index:03d}"] = np.float32(1e30)
    np.savez(path, **arrays)
    broken_checkpoint = path.read_bytes()
    good_generator = (run_dir / "generator.keras").read_bytes()

    with pytest.raises(TrainingFailure, match="became (nan|inf)|NaN or Inf in the weights") as e:
        training.train(training.resume_config(run_dir, epochs=3), resume=True, verbose=0)
    assert "last good checkpoint is kept" in str(e.value) and "\n" not in str(e.value)
    assert path.read_bytes() == broken_checkpoint  # epoch 1's state, not overwritten
    assert (run_dir / "generator.keras").read_bytes() == good_generator  # no NaN generator written
    # Caught mid-epoch, at the first NaN loss: epoch 2 never finished.
    assert [r["epoch"] for r in callbacks.read_csv(run_dir / "metrics.csv")] == ["1"]
