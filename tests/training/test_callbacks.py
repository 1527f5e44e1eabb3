"""The run folder's callbacks: the metrics CSV, the image grid and the checkpoint."""

import keras
import numpy as np

from keras_gan.core.architectures import build_networks
from keras_gan.core.engine import GAN
from keras_gan.images import to_uint8
from keras_gan.training import callbacks


def test_metrics_csv_handles_columns_that_come_and_go(tmp_path):
    path = tmp_path / "m.csv"
    log = callbacks.MetricsCSV(path, images_per_epoch=100)
    log.on_train_begin()
    for epoch, logs in enumerate([{"d_loss": 1.0}, {"d_loss": 0.5, "fcd": 3.0}, {"d_loss": 0.4}]):
        log.on_epoch_begin(epoch)
        log.on_train_batch_end(0)
        log.on_epoch_end(epoch, logs)
    rows = callbacks.read_csv(path)
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    assert [r["fcd"] for r in rows] == ["", "3", ""]
    callbacks.MetricsCSV.truncate(path, 2)
    assert [r["epoch"] for r in callbacks.read_csv(path)] == ["1", "2"]


def brightness_generator():
    """A conditional generator that draws digit d as a flat image of brightness d / 9, whatever z is."""
    z, label = keras.Input((100,)), keras.Input((), dtype="int32")
    embedding = keras.layers.Embedding(10, 784)
    x = keras.layers.Reshape((28, 28, 1))(embedding(label))
    generator = keras.Model([z, label], keras.layers.Add()([x, 0.0 * keras.layers.Dense(1)(z)[:, :, None, None]]))
    embedding.embeddings.assign(np.repeat((np.arange(10) / 9 * 2 - 1)[:, None], 784, axis=1).astype("float32"))
    return generator


def test_a_conditional_grid_has_one_column_per_digit():
    """Read what is drawn: cell (row, col) of a conditional grid shows digit `col`."""
    _, discriminator = build_networks("cgan")
    gan = GAN(brightness_generator(), discriminator, num_classes=10)
    gan.compile()
    rows = 3
    grid = callbacks.render_grid(gan, np.zeros((rows * 10, 100), "float32"), rows)
    assert grid.shape == (2 * (rows * 30 + 2), 2 * (10 * 30 + 2))  # 3 rows of 10 columns, 2 px gaps, scale 2
    for row in range(rows):
        for col in range(10):
            top, left = 2 * (2 + row * 30), 2 * (2 + col * 30)
            cell = grid[top : top + 56, left : left + 56]
            assert np.all(cell == round(col / 9 * 255)), (row, col)


def test_an_unconditional_grid_draws_the_fixed_noise_in_reading_order():
    z = keras.Input((100,))
    generator = keras.Model(z, keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(784, activation="tanh")(z)))
    _, discriminator = build_networks("gan")
    gan = GAN(generator, discriminator)
    gan.compile()
    noise = np.random.default_rng(0).standard_normal((4, 100)).astype("float32")
    grid = callbacks.render_grid(gan, noise, 2)
    expected = to_uint8(generator.predict(noise, verbose=0))
    for k in range(4):
        top, left = 2 * (2 + (k // 2) * 30), 2 * (2 + (k % 2) * 30)
        np.testing.assert_array_equal(grid[top : top + 56 : 2, left : left + 56 : 2], expected[k])
