"""The quality monitor (FCD during training, the best generator) and the watchdog that stops failed runs."""

import dataclasses
import json
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers, ops

from keras_gan import paths
from keras_gan.core.architectures import ARCHITECTURES, ArchSpec, build_networks
from keras_gan.core.engine import GAN
from keras_gan.errors import TrainingFailure
from keras_gan.training import callbacks, monitor
from keras_gan.training import run as training
from keras_gan.training.checkpoint import read_checkpoint
from tests.helpers import assert_one_line_error, run_cli, synthetic_digits


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


class ScriptedClassifier:
    """A stand-in classifier: ten confident, balanced classes, and FCDs read off a script, in order."""

    def __init__(self, fcds):
        self.fcds = list(fcds)

    def features(self, samples):
        n = len(samples)
        probs = np.full((n, 10), 0.001, "float32")
        probs[np.arange(n), np.arange(n) % 10] = 0.991
        return np.random.default_rng(0).normal(size=(n, 8)).astype("float32"), probs

    def fcd(self, features):
        return self.fcds.pop(0)


class AveragedWeights(keras.callbacks.Callback):
    """Records the averaged generator's weights after every epoch."""

    def on_train_begin(self, logs=None):
        self.per_epoch = []

    def on_epoch_end(self, epoch, logs=None):
        with self.model.averaged_generator() as generator:
            self.per_epoch.append([keras.ops.convert_to_numpy(w) for w in generator.weights])


def test_the_best_generator_is_the_one_with_the_lowest_fcd(tmp_path):
    """FCDs of 50, 30 and 40: best_generator.keras is epoch 2's, not the first's nor the last's."""
    keras.utils.set_random_seed(0)
    generator, discriminator = build_networks("gan")
    gan = GAN(generator, discriminator, seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-3, use_ema=True, ema_momentum=0.5))
    quality = monitor.QualityMonitor(ScriptedClassifier([50.0, 30.0, 40.0]), 1, 100, tmp_path / "best.keras")
    recorder = AveragedWeights()
    x, y = real_dataset(64)
    history = gan.fit(x, y, batch_size=32, epochs=3, verbose=0, callbacks=[quality, recorder])
    assert history.history["fcd"] == [50.0, 30.0, 40.0] and quality.best_fcd == 30.0
    best = [keras.ops.convert_to_numpy(w) for w in keras.saving.load_model(tmp_path / "best.keras").weights]
    for b, epoch_2 in zip(best, recorder.per_epoch[1]):
        np.testing.assert_array_equal(b, epoch_2)
    assert any(not np.array_equal(a, b) for a, b in zip(recorder.per_epoch[1], recorder.per_epoch[2]))


def test_a_resumed_run_remembers_its_best_fcd(tiny_config, monkeypatch):
    """Resumed after FCDs 50 and 30, an epoch at 40 must not replace the best generator."""
    script = ScriptedClassifier([50.0, 30.0, 40.0])
    monkeypatch.setattr(training, "Classifier", lambda: script)
    run_dir = training.train(tiny_config, verbose=0)  # epochs 1 and 2
    best_before = (run_dir / paths.BEST_GENERATOR).read_bytes()
    training.train(training.resume_config(run_dir, epochs=3), resume=True, verbose=0)
    assert [r["fcd"] for r in callbacks.read_csv(run_dir / paths.METRICS)] == ["50", "30", "40"]
    assert (run_dir / paths.BEST_GENERATOR).read_bytes() == best_before


def test_training_logs_fcd_and_near_duplicates_every_epoch(tiny_config):
    """The default eval_every=1 runs in every train() test; here its columns are checked."""
    run_dir = training.train(tiny_config, verbose=0)
    rows = callbacks.read_csv(run_dir / paths.METRICS)
    assert len(rows) == 2
    for row in rows:
        assert float(row["fcd"]) > 0 and 0 <= float(row["near_duplicates"]) <= 1 and int(row["classes_covered"]) >= 1


def broken_architecture(monkeypatch):
    """Registers "broken": the constant generator against gan's D, a run that can learn nothing."""

    def build(latent_dim=100, from_logits=True, d_batch_norm=True):
        _, discriminator = build_networks("gan", latent_dim, from_logits)
        return constant_generator(), discriminator

    spec = ArchSpec("broken", build, "a generator that ignores z", defaults={"epochs": 5})
    monkeypatch.setitem(ARCHITECTURES, "broken", spec)


@pytest.mark.parametrize(
    "rule, expected, checkpointed",
    [
        ("noise", "stopped: no digits after epoch 1: FCD", 0),
        ("duplicates", "stopped: mode collapse after epoch 2: 100% of samples have a near-identical twin", 1),
    ],
)
def test_a_collapsed_run_stops_with_exit_1_and_writes_no_generator(
    rule, expected, checkpointed, tiny_config, capsys, monkeypatch
):
    broken_architecture(monkeypatch)
    monkeypatch.setattr(monitor, "WARMUP_IMAGES", 0)  # 256 synthetic digits an epoch: warm at once
    if rule == "duplicates":
        monkeypatch.setattr(monitor, "NOISE_FCD", float("inf"))  # let the other rule speak
    argv = ["--arch", "broken", "--data", tiny_config.data, "--out", tiny_config.out, "--eval-n", "200"]
    code, _, err = run_cli("train", argv, capsys)
    assert_one_line_error(code, err, expected, status=1)
    run_dir = Path(tiny_config.out)
    assert not (run_dir / paths.GENERATOR).exists() and not (run_dir / paths.BEST_GENERATOR).exists()
    if checkpointed:
        assert int(read_checkpoint(run_dir / paths.CHECKPOINT)["epoch"]) == checkpointed  # kept for inspection
    else:
        assert not (run_dir / paths.CHECKPOINT).exists()  # the first epoch already failed


def test_noise_level_fcd_stops_a_run_only_after_the_warm_up():
    watchdog = monitor.Watchdog(images_per_epoch=60_000)
    watchdog.set_model(make_constant_gan())
    normal_start = {"d_fake": 0.4, "fcd": 640.0, "near_duplicates": 0.0, "classes_covered": 5, "max_class_share": 0.46,
                    "confidence": 0.32}  # fmt: skip
    for epoch in range(4):  # a normal gan's first epochs are at noise level too
        watchdog.on_epoch_end(epoch, dict(normal_start))
    with pytest.raises(TrainingFailure, match=r"no digits after epoch 5: FCD 505 is at noise level .* 300,000 images"):
        watchdog.on_epoch_end(4, {**normal_start, "fcd": 505.0})
    recovering = monitor.Watchdog(images_per_epoch=60_000)
    recovering.set_model(make_constant_gan())
    recovering.on_epoch_end(4, {**normal_start, "fcd": 250.0})  # below the line: fine


def test_near_duplicates_need_the_warm_up_and_two_evaluations_in_a_row():
    early = monitor.Watchdog(images_per_epoch=60_000)
    early.set_model(make_constant_gan())
    for epoch in range(4):  # an untrained G draws near-identical blobs: not yet a collapse
        early.on_epoch_end(
            epoch, {"d_fake": 0.4, "fcd": 300.0, "near_duplicates": 1.0, "classes_covered": 10, "max_class_share": 0.1}
        )
    watchdog = monitor.Watchdog(warmup_images=0)
    watchdog.set_model(make_constant_gan())
    logs = {"d_fake": 0.4, "fcd": 100.0, "classes_covered": 10, "max_class_share": 0.1}
    watchdog.on_epoch_end(0, {**logs, "near_duplicates": 0.9})
    watchdog.on_epoch_end(1, {**logs, "near_duplicates": 0.001})  # recovered: the count restarts
    watchdog.on_epoch_end(2, {**logs, "near_duplicates": 0.9})
    with pytest.raises(TrainingFailure, match="mode collapse after epoch 4: 90% of samples"):
        watchdog.on_epoch_end(3, {**logs, "near_duplicates": 0.9})


def test_watchdog_ignores_early_unconfident_samples():
    # Blobs that the classifier spreads over 3 classes at low confidence are
    # an early epoch, not a collapse; confident ones for 3 evaluations are.
    watchdog = monitor.Watchdog()
    watchdog.set_model(make_constant_gan())
    early = {"d_fake": 0.4, "fcd": 200.0, "classes_covered": 3, "max_class_share": 0.5, "confidence": 0.6}
    for epoch in range(5):
        watchdog.on_epoch_end(epoch, dict(early))
    confident = {**early, "confidence": 0.95}
    watchdog.on_epoch_end(5, dict(confident))
    watchdog.on_epoch_end(6, dict(confident))
    with pytest.raises(TrainingFailure, match="class collapse after epoch 8"):
        watchdog.on_epoch_end(7, dict(confident))


def test_nan_stops_the_run_and_keeps_the_last_good_checkpoint(tiny_config):
    run_dir = training.train(dataclasses.replace(tiny_config, epochs=1), verbose=0)
    # Break the run: an absurd weight in D's first layer makes its outputs overflow in epoch 2.
    path = run_dir / paths.CHECKPOINT
    with np.load(path) as f:
        arrays = dict(f)
    layout = json.loads(str(arrays["layout"]))
    index = next(i for i, name in enumerate(layout["discriminator"]) if name.endswith("kernel"))
    arrays[f"discriminator/{index:03d}"] = np.full_like(arrays[f"discriminator/{index:03d}"], 1e38)
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
