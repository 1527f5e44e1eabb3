import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan.core.layers import FusedBatchNormalization, LatentCode, MinibatchStddev, latent_code


def twin_layers(shape, **kwargs):
    """A fused and a plain batch norm with the same (non-trivial) weights and statistics."""
    fused, plain = FusedBatchNormalization(**kwargs), keras.layers.BatchNormalization(**kwargs)
    fused.build(shape)
    plain.build(shape)
    rng = np.random.default_rng(1)
    for variable in fused.weights:
        variable.assign(rng.uniform(0.5, 1.5, variable.shape).astype("float32"))
    plain.set_weights(fused.get_weights())
    return fused, plain


def outputs_and_gradients(layer, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        # A loss that weighs every output differently, so every gradient term counts.
        loss = tf.reduce_sum(y * tf.cos(tf.reshape(tf.range(tf.size(y), dtype="float32"), tf.shape(y))))
    grads = tape.gradient(loss, [x, layer.gamma, layer.beta])
    return [y.numpy()] + [g.numpy() for g in grads]


@pytest.mark.parametrize("shape", [(16, 5, 5, 6), (16, 12)])
def test_training_matches_keras_batch_norm(shape):
    x = np.random.default_rng(0).normal(2.0, 3.0, shape).astype("float32")
    fused, plain = twin_layers(shape, momentum=0.9)
    for got, want in zip(outputs_and_gradients(fused, x), outputs_and_gradients(plain, x)):
        np.testing.assert_allclose(got, want, atol=2e-5, rtol=1e-4)
    # Same moving statistics: the fused kernel's unbiased variance is converted back.
    for got, want in zip(fused.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-5)
    assert not np.allclose(plain.moving_mean.numpy(), 1.0)  # they did move
    # Inference uses the moving statistics, as Keras does.
    np.testing.assert_allclose(fused(x, training=False), plain(x, training=False), atol=1e-5)


def op_types(layer, shape):
    fn = tf.function(lambda x: layer(x, training=True))
    return {op.type for op in fn.get_concrete_function(tf.TensorSpec(shape)).graph.get_operations()}


def test_training_runs_the_fused_kernel():
    assert "FusedBatchNormV3" in op_types(FusedBatchNormalization(), (8, 4, 4, 3))
    assert "FusedBatchNormV3" in op_types(FusedBatchNormalization(), (8, 3))


def test_falls_back_where_the_kernel_does_not_apply():
    # Channels-first, and a 3-d input: Keras' own ops.
    assert "FusedBatchNormV3" not in op_types(FusedBatchNormalization(axis=1), (8, 3, 4, 4))
    assert "FusedBatchNormV3" not in op_types(FusedBatchNormalization(), (8, 4, 3))


def test_synchronized_across_replicas_keeps_global_statistics(monkeypatch):
    # With several replicas in sync the statistics must cover the global
    # batch, which the fused kernel cannot: the layer takes Keras' path
    # (tests/test_distribute.py checks that 2 replicas then train dcgan exactly as 1 device).
    replicas = type("Context", (), {"num_replicas_in_sync": 2, "all_reduce": lambda self, op, value: value})()
    monkeypatch.setattr(tf.distribute, "get_replica_context", lambda: replicas)
    assert "FusedBatchNormV3" not in op_types(FusedBatchNormalization(synchronized=True), (8, 3))
    assert "FusedBatchNormV3" in op_types(FusedBatchNormalization(synchronized=False), (8, 3))


def test_latent_code_is_uniform_and_one_hot():
    z = np.random.default_rng(0).standard_normal((50_000, 12)).astype("float32")
    codes = keras.ops.convert_to_numpy(latent_code(z, 10))
    np.testing.assert_array_equal(codes, z[:, :10].argmax(axis=1))
    shares = np.bincount(codes, minlength=10) / len(codes)
    assert np.all(np.abs(shares - 0.1) < 0.006)  # uniform: 10% each
    out = keras.ops.convert_to_numpy(LatentCode(10)(z))
    assert out.shape == (50_000, 12)
    np.testing.assert_array_equal(out[:, :10], np.eye(10, dtype="float32")[codes])
    np.testing.assert_array_equal(out[:, 10:], z[:, 10:])  # the rest of z passes through


def test_latent_code_layer_round_trips_through_a_keras_file(tmp_path):
    z_in = keras.Input((16,))
    model = keras.Model(z_in, keras.layers.Dense(3)(LatentCode(4)(z_in)))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.layers[1].codes == 4
    z = np.random.default_rng(1).standard_normal((5, 16)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(z)), keras.ops.convert_to_numpy(model(z)))


def test_minibatch_stddev_appends_the_batch_spread():
    x = np.random.default_rng(2).normal(0.0, 1.0, (6, 3, 3, 4)).astype("float32")
    x[:, 0, 0, 0] = [1, 2, 3, 4, 5, 6]  # population std sqrt(35/12)
    out = keras.ops.convert_to_numpy(MinibatchStddev()(x))
    assert out.shape == (6, 3, 3, 5)
    np.testing.assert_array_equal(out[..., :4], x)  # the features pass through
    want = np.sqrt(x.var(axis=0) + 1e-8).mean()  # per feature over the batch, then averaged
    np.testing.assert_allclose(out[..., 4], np.full((6, 3, 3), want), rtol=1e-5)
    # One image repeated has no spread: the channel holds only sqrt(1e-8).
    same = keras.ops.convert_to_numpy(MinibatchStddev()(np.repeat(x[:1], 6, axis=0)))
    np.testing.assert_allclose(same[..., 4], 1e-4, rtol=1e-3)


def test_minibatch_stddev_passes_gradients_through_the_spread():
    x = tf.constant(np.random.default_rng(3).normal(size=(5, 2, 2, 3)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(MinibatchStddev()(x)[..., -1])
    grad = tape.gradient(total, x).numpy()
    # d(mean std)/dx: each feature's (x - mean) / (n * std), times 4 positions over 12 features, summed over 20 outputs.
    xn = x.numpy()
    std = np.sqrt(xn.var(axis=0) + 1e-8)
    want = 20 * (xn - xn.mean(axis=0)) / (5 * std) / 12
    np.testing.assert_allclose(grad, want, rtol=1e-4, atol=1e-6)


def test_minibatch_stddev_round_trips_and_keeps_mixed_precision(tmp_path):
    images = keras.Input((4, 4, 2))
    model = keras.Model(images, MinibatchStddev()(images))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    x = np.random.default_rng(4).normal(size=(3, 4, 4, 2)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)))
    half = MinibatchStddev(dtype="mixed_float16")(tf.constant(x, "float16"))
    assert half.dtype == "float16" and np.isfinite(keras.ops.convert_to_numpy(half)).all()


def _group_spread(x, group_size):
    # Each image's group of `group_size` consecutive images (the last one may be smaller), by hand.
    starts = [(i // group_size) * group_size for i in range(len(x))]
    return np.array([np.sqrt(x[s : s + group_size].var(axis=0) + 1e-8).mean() for s in starts])


def test_minibatch_stddev_in_groups_gives_each_image_its_groups_spread():
    x = np.random.default_rng(5).normal(size=(10, 3, 3, 4)).astype("float32")
    x[4:8] = x[4]  # the second group of four is one image repeated: no spread
    out = keras.ops.convert_to_numpy(MinibatchStddev(4)(x))
    assert out.shape == (10, 3, 3, 5)
    np.testing.assert_array_equal(out[..., :4], x)
    want = _group_spread(x, 4)  # groups 0-3, 4-7 and a last group of two, 8-9
    np.testing.assert_allclose(out[..., 4], np.broadcast_to(want[:, None, None], (10, 3, 3)), rtol=1e-5)
    np.testing.assert_allclose(out[4:8, 0, 0, 4], 1e-4, rtol=1e-3)
    assert out[0, 0, 0, 4] != out[9, 0, 0, 4]  # not the whole batch's number
    # A group of one (11 images in groups of 5) has no spread either.
    odd = keras.ops.convert_to_numpy(MinibatchStddev(5)(np.concatenate([x, x[:1]])))
    np.testing.assert_allclose(odd[10, 0, 0, 4], 1e-4, rtol=1e-3)


def test_minibatch_stddev_in_groups_traces_with_an_unknown_batch():
    # tf.data's last batch of an epoch is smaller, so fit() traces the step with batch None.
    step = tf.function(lambda t: MinibatchStddev(4)(t), input_signature=[tf.TensorSpec([None, 2, 2, 3])])
    for n in (8, 6):
        x = np.random.default_rng(n).normal(size=(n, 2, 2, 3)).astype("float32")
        np.testing.assert_allclose(step(x).numpy()[:, 1, 1, 3], _group_spread(x, 4), rtol=1e-5)


def test_minibatch_stddev_group_size_round_trips_and_is_checked(tmp_path):
    images = keras.Input((2, 2, 3))
    model = keras.Model(images, MinibatchStddev(2)(images))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.layers[1].group_size == 2
    x = np.random.default_rng(6).normal(size=(4, 2, 2, 3)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)))
    for bad in (1, 0, 2.0, True):
        with pytest.raises(ValueError, match="group_size must be an integer >= 2"):
            MinibatchStddev(bad)
