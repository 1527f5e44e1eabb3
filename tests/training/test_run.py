import dataclasses
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan.errors import UserError
from keras_gan.export.run import export
from keras_gan.export.saved_model import float32_copy
from keras_gan.training import run as training
from keras_gan.training.callbacks import read_csv, render_grid
from keras_gan.training.checkpoint import load_checkpoint, variable_groups
from keras_gan.training.config import TrainConfig
from tests.helpers import real_batch, synthetic_digits


def final_state(run_dir):
    """Every variable of the run's last checkpoint, loaded into a fresh GAN."""
    config = TrainConfig.from_json(run_dir / "config.json")
    gan = training.build_model(config)
    load_checkpoint(gan, run_dir / "checkpoint.npz")
    return [keras.ops.convert_to_numpy(v) for vs in variable_groups(gan).values() for v in vs]


class StopAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = True


def assert_same_state(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_train_writes_a_complete_run_folder(tiny_config):
    run_dir = training.train(dataclasses.replace(tiny_config, tensorboard=True), verbose=0)
    names = {p.name for p in run_dir.iterdir()}
    assert {"config.json", "metrics.csv", "epoch_001.png", "epoch_002.png", "progress.gif"} <= names
    assert {"checkpoint.npz", "generator.keras", "tensorboard"} <= names
    assert TrainConfig.from_json(run_dir / "config.json").out == str(run_dir)
    rows = read_csv(run_dir / "metrics.csv")
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert {"seconds", "images_per_s", "d_loss", "g_loss", "d_real", "d_fake"} <= set(rows[0])
    assert all(float(r["images_per_s"]) > 0 and 0 <= float(r["d_real"]) <= 1 for r in rows)
    with Image.open(run_dir / "epoch_002.png") as png:
        assert png.size == (2 * (4 * 30 + 2),) * 2  # 4x4 grid, 2 px gaps, scale 2
    with Image.open(run_dir / "progress.gif") as gif:
        assert gif.n_frames == 2
    generator = keras.saving.load_model(run_dir / "generator.keras")
    assert generator.output_shape == (None, 28, 28, 1)


def test_saved_generator_and_grid_use_the_averaged_weights(tiny_config):
    run_dir = training.train(tiny_config, verbose=0)
    gan = training.build_model(TrainConfig.from_json(run_dir / "config.json"))
    _, noise = load_checkpoint(gan, run_dir / "checkpoint.npz")
    saved = [keras.ops.convert_to_numpy(v) for v in keras.saving.load_model(run_dir / "generator.keras").weights]
    raw = [keras.ops.convert_to_numpy(v) for v in gan.generator.weights]
    with gan.averaged_generator() as generator:
        averaged = [keras.ops.convert_to_numpy(v) for v in generator.weights]
    assert any(not np.allclose(a, r) for a, r in zip(averaged, raw))
    for a, s in zip(averaged, saved):
        np.testing.assert_array_equal(a, s)
    with Image.open(run_dir / "epoch_002.png") as png:
        last_grid = np.asarray(png.convert("L"))
    np.testing.assert_array_equal(last_grid, render_grid(gan, noise, 4))


def test_tensorboard_logs_scalars_and_the_grid(tiny_config):
    import tensorflow as tf

    run_dir = training.train(dataclasses.replace(tiny_config, epochs=1, tensorboard=True), verbose=0)
    tags = {}
    for event_file in (run_dir / "tensorboard").glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(event_file)):
            for value in event.summary.value:
                tags[value.tag] = value
    assert {"d_loss", "g_loss", "d_real", "d_fake", "samples"} <= set(tags)
    samples = tf.make_ndarray(tags["samples"].tensor)  # [width, height, png bytes]
    png = tf.io.decode_png(samples[2]).numpy()
    assert png.shape == (2 * (4 * 30 + 2), 2 * (4 * 30 + 2), 1)
    assert float(tf.make_ndarray(tags["d_loss"].tensor)) > 0


def test_an_existing_run_is_not_overwritten(tiny_config):
    training.train(dataclasses.replace(tiny_config, epochs=1), verbose=0)
    with pytest.raises(UserError, match="already holds a run; resume it instead"):
        training.train(tiny_config, verbose=0)


def test_bad_data_leaves_no_run_folder(tiny_config, tmp_path):
    config = dataclasses.replace(tiny_config, data=str(tmp_path / "missing.npz"))
    with pytest.raises(UserError, match="no such file"):
        training.train(config, verbose=0)
    assert not Path(config.out).exists()


@pytest.mark.parametrize("arch", ["gan", "dcgan"])
def test_resume_ends_where_an_uninterrupted_run_ends(arch, tiny_config, tmp_path):
    config = dataclasses.replace(tiny_config, arch=arch)
    straight = training.train(dataclasses.replace(config, epochs=3, out=str(tmp_path / "straight")), verbose=0)
    # Stopped after epoch 1 of 3 (raising `epochs` on resume would stretch dcgan's lr schedule instead).
    interrupted = dataclasses.replace(config, epochs=3, out=str(tmp_path / "resumed"))
    training.train(interrupted, verbose=0, extra_callbacks=[StopAfterFirstEpoch()])
    assert len(list((tmp_path / "resumed").glob("epoch_*.png"))) == 1
    # As if killed after logging epoch 2 but before its checkpoint was written:
    with open(tmp_path / "resumed" / "metrics.csv", "a") as f:
        f.write("2,1.0,1,0.5,0.5,0.5,0.5\n")
    resumed = training.train(training.resume_config(tmp_path / "resumed"), resume=True, verbose=0)
    assert_same_state(final_state(straight), final_state(resumed))
    assert [r["epoch"] for r in read_csv(resumed / "metrics.csv")] == ["1", "2", "3"]
    assert len(list(resumed.glob("epoch_*.png"))) == 3


def test_a_wider_dcgan_d_trains_and_resumes_at_its_width(tiny_config):
    config = dataclasses.replace(tiny_config, arch="dcgan", d_width=48, epochs=2)
    training.train(config, verbose=0, extra_callbacks=[StopAfterFirstEpoch()])
    resumed = training.resume_config(config.out)
    assert resumed.d_width == 48
    gan = training.build_model(resumed)
    widths = [x.filters for x in gan.discriminator.layers if isinstance(x, keras.layers.Conv2D)]
    assert widths == [16, 24, 48]
    # The checkpoint's D weights only fit a D of the same width.
    run_dir = training.train(resumed, resume=True, verbose=0)
    assert [r["epoch"] for r in read_csv(run_dir / "metrics.csv")] == ["1", "2"]


def test_resume_needs_a_checkpoint(tmp_path):
    with pytest.raises(UserError, match="no checkpoint.npz in this folder"):
        training.resume_config(tmp_path)


def test_conditional_grid_has_a_column_per_digit(tiny_config):
    run_dir = training.train(dataclasses.replace(tiny_config, arch="cgan", epochs=1, grid_size=3), verbose=0)
    with Image.open(run_dir / "epoch_001.png") as png:
        assert png.size == (2 * (10 * 30 + 2), 2 * (3 * 30 + 2))  # 10 columns, 3 rows


@pytest.mark.parametrize("arch", ["gan", "dcgan", "cdcgan"])
def test_mixed_precision_computes_in_bfloat16_and_keeps_outputs_float32(arch, tiny_config):
    config = dataclasses.replace(tiny_config, arch=arch, mixed_precision=True).validate()
    gan = training.build_model(config)
    assert keras.mixed_precision.global_policy().name == "float32"  # restored after building
    hidden = [layer for layer in gan.generator.layers if layer.weights][0]
    assert hidden.compute_dtype == "bfloat16" and hidden.weights[0].dtype == "float32"
    assert gan.generator.layers[-1].compute_dtype == "float32"  # the image
    z = keras.ops.zeros((2, 100))
    labels = keras.ops.convert_to_tensor(np.array([1, 2], "int32"))
    images = gan.generate(z, labels if gan.conditional else None)
    assert images.dtype == "float32"
    outputs, code_logits = gan.discriminate(images, labels if gan.conditional else None)
    assert outputs.dtype == "float32" and (code_logits is None or code_logits.dtype == "float32")
    before = [keras.ops.convert_to_numpy(v) for v in gan.generator.trainable_weights]
    x, y = synthetic_digits(32)
    logs = gan.train_on_batch(x[..., None].astype("float32") / 127.5 - 1, y.astype("int32"), return_dict=True)
    assert all(np.isfinite(v) for v in logs.values())
    after = [keras.ops.convert_to_numpy(v) for v in gan.generator.trainable_weights]
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))


def test_mixed_precision_penalties_stay_float32(tiny_config):
    config = dataclasses.replace(tiny_config, arch="dcgan", mixed_precision=True, r1=1.0, loss="wgan-gp").validate()
    gan = training.build_model(config)
    logs = gan.train_on_batch(*real_batch(32), return_dict=True)
    assert np.isfinite(logs["d_penalty"]) and logs["d_penalty"] > 0
    images, _ = real_batch(4)
    penalty = gan.penalty(gan.input_gradient(None, None), images, images, np.full(4, 0.5, "float32"), 4.0, 0)
    assert keras.backend.standardize_dtype(penalty.dtype) == "float32"


def test_float16_uses_loss_scaling(tiny_config, monkeypatch):
    # float16 is what a GPU gets; its gradients underflow without loss scaling.
    monkeypatch.setattr(training.distribute, "precision_policy", lambda mixed: "mixed_float16")
    gan = training.build_model(dataclasses.replace(tiny_config, mixed_precision=True).validate())
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    x, y = synthetic_digits(32)
    logs = gan.train_on_batch(x[..., None].astype("float32") / 127.5 - 1, y.astype("int32"), return_dict=True)
    assert all(np.isfinite(v) for v in logs.values())
    assert int(gan.g_optimizer.iterations) == 1


def test_jit_default_and_flag(tiny_config):
    assert training.build_model(tiny_config).jit_compile is False  # CPU: XLA is slower here
    assert training.build_model(dataclasses.replace(tiny_config, jit=True)).jit_compile is True
    with pytest.raises(UserError, match="`jit` does not work with strategy mirrored"):
        dataclasses.replace(tiny_config, jit=True, strategy="mirrored").validate()


def test_mixed_precision_run_exports_a_float32_generator(tiny_config):
    config = dataclasses.replace(tiny_config, epochs=1, mixed_precision=True)
    run_dir = training.train(config, verbose=0)
    generator = keras.saving.load_model(run_dir / "generator.keras")
    assert any(layer.compute_dtype == "bfloat16" for layer in generator.layers)
    copy = float32_copy(generator)
    assert all(layer.compute_dtype == "float32" for layer in copy.layers)
    z = np.random.default_rng(0).standard_normal((4, 100)).astype("float32")
    reference = generator.predict(z, verbose=0)
    np.testing.assert_allclose(copy.predict(z, verbose=0), reference, atol=0.05)  # bfloat16 rounding
    import tensorflow as tf

    served = tf.saved_model.load(str(export(run_dir, "saved_model"))).signatures["serving_default"]
    images = served(z=tf.constant(z))["images"].numpy()
    np.testing.assert_allclose(images, (copy.predict(z, verbose=0) + 1) / 2, atol=1e-5)


def test_lr_decay_schedules_both_rates_over_the_whole_run(tiny_config):
    config = dataclasses.replace(tiny_config, lr=1e-3, d_lr=2e-3, lr_decay=0.5, beta2=0.9)  # 2 epochs
    gan = training.build_model(config, steps_per_epoch=10)
    rates = {}
    for step in (0, 10, 15, 20):
        for optimizer in (gan.g_optimizer, gan.d_optimizer):
            optimizer.iterations.assign(step)
        rates[step] = (float(gan.g_optimizer.learning_rate), float(gan.d_optimizer.learning_rate))
    assert rates == {
        0: pytest.approx((1e-3, 2e-3)),
        10: pytest.approx((1e-3, 2e-3)),
        15: pytest.approx((5e-4, 1e-3)),
        20: pytest.approx((0.0, 0.0)),
    }
    assert float(gan.g_optimizer.beta_2) == pytest.approx(0.9)


def test_each_network_gets_its_learning_rate(tiny_config):
    gan = training.build_model(dataclasses.replace(tiny_config, lr=1e-4, d_lr=3e-4))
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(3e-4)
    dcgan = training.build_model(dataclasses.replace(tiny_config, arch="dcgan"))  # its own default D rate
    assert float(dcgan.d_optimizer.learning_rate) == pytest.approx(4e-3)
    assert float(dcgan.g_optimizer.learning_rate) == pytest.approx(2e-3)
