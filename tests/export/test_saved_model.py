"""The SavedModel for TF Serving: its signatures, parity with Keras, the request caps and the REST contract."""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import paths
from keras_gan.export import export


def keras_images(generator, z, labels=None):
    """What the export must compute: the generator's tanh output mapped to [0, 1]."""
    out = generator.predict(z if labels is None else [z, labels], verbose=0)
    return (out + 1.0) / 2.0


@pytest.fixture(scope="module")
def dcgan_export(generator_run):
    run_dir = generator_run("dcgan")
    path = export(run_dir, "saved_model", force=True)
    return run_dir, path, keras.saving.load_model(run_dir / paths.GENERATOR)


@pytest.fixture(scope="module")
def cdcgan_export(generator_run):
    run_dir = generator_run("cdcgan")
    path = export(run_dir, "saved_model", max_n=16, force=True)
    return run_dir, path, keras.saving.load_model(run_dir / paths.GENERATOR)


def test_layout_is_what_tf_serving_expects(dcgan_export):
    run_dir, path, _ = dcgan_export
    assert path == run_dir / "export" / "saved_model" / "1"
    assert (path / "saved_model.pb").is_file() and (path / "variables").is_dir()
    assert [p.name for p in path.parent.iterdir()] == ["1"]  # no temporary folders left


def test_serving_default_equals_keras(dcgan_export):
    _, path, generator = dcgan_export
    z = np.random.default_rng(1).standard_normal((7, 100)).astype("float32")
    out = tf.saved_model.load(str(path)).signatures["serving_default"](z=tf.constant(z))
    assert sorted(out) == ["images"]
    images = out["images"].numpy()
    assert images.shape == (7, 28, 28, 1) and images.dtype == np.float32
    expected = keras_images(generator, z)
    assert expected.std() > 0.05  # the fixture's outputs really vary
    np.testing.assert_allclose(images, expected, atol=1e-5, rtol=0)
    assert 0.0 <= images.min() and images.max() <= 1.0


def test_sample_is_seeded_and_returns_its_z(dcgan_export):
    _, path, generator = dcgan_export
    sample = tf.saved_model.load(str(path)).signatures["sample"]
    a = sample(n=tf.constant(5), seed=tf.constant(3))
    b = sample(n=tf.constant(5), seed=tf.constant(3))
    c = sample(n=tf.constant(5), seed=tf.constant(4))
    assert sorted(a) == ["images", "z"] and a["z"].shape == (5, 100)
    np.testing.assert_array_equal(a["images"].numpy(), b["images"].numpy())
    assert np.abs(a["images"].numpy() - c["images"].numpy()).max() > 0.01
    np.testing.assert_allclose(a["images"].numpy(), keras_images(generator, a["z"].numpy()), atol=1e-5, rtol=0)
    assert abs(float(np.std(a["z"].numpy())) - 1.0) < 0.2  # z ~ N(0, 1)


@pytest.mark.parametrize("n", [0, 1025])
def test_sample_refuses_n_out_of_range(dcgan_export, n):
    _, path, _ = dcgan_export
    sample = tf.saved_model.load(str(path)).signatures["sample"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="n must be"):
        sample(n=tf.constant(n), seed=tf.constant(0))


def test_conditional_export_takes_a_label(cdcgan_export):
    _, path, generator = cdcgan_export
    model = tf.saved_model.load(str(path))
    z = np.random.default_rng(2).standard_normal((10, 100)).astype("float32")
    labels = np.arange(10, dtype=np.int32)
    out = model.signatures["serving_default"](z=tf.constant(z), label=tf.constant(labels))
    np.testing.assert_allclose(out["images"].numpy(), keras_images(generator, z, labels), atol=1e-5, rtol=0)

    sevens = model.signatures["sample"](n=tf.constant(4), seed=tf.constant(0), label=tf.constant(7))
    np.testing.assert_array_equal(sevens["labels"].numpy(), [7, 7, 7, 7])
    expected = keras_images(generator, sevens["z"].numpy(), sevens["labels"].numpy())
    np.testing.assert_allclose(sevens["images"].numpy(), expected, atol=1e-5, rtol=0)

    mixed = model.signatures["sample"](n=tf.constant(16), seed=tf.constant(0), label=tf.constant(-1))
    assert len(set(mixed["labels"].numpy().tolist())) > 3 and set(mixed["labels"].numpy()) <= set(range(10))
    with pytest.raises(tf.errors.InvalidArgumentError, match="label must be a digit"):
        model.signatures["serving_default"](z=tf.constant(z[:1]), label=tf.constant([10]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="at most 16"):
        model.signatures["sample"](n=tf.constant(17), seed=tf.constant(0), label=tf.constant(1))


def test_saved_model_cli_lists_the_documented_signatures(dcgan_export, cdcgan_export):
    cli = Path(sys.executable).with_name("saved_model_cli")
    shown = {}
    for name, (_, path, _) in {"dcgan": dcgan_export, "cdcgan": cdcgan_export}.items():
        result = subprocess.run(
            [str(cli), "show", "--dir", str(path), "--all"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        assert result.returncode == 0, result.stderr
        shown[name] = " ".join(result.stdout.split())
    out = shown["dcgan"]
    for expected in [
        "signature_def['serving_default']",
        "inputs['z'] tensor_info: dtype: DT_FLOAT shape: (-1, 100) name: serving_default_z:0",
        "outputs['images'] tensor_info: dtype: DT_FLOAT shape: (-1, 28, 28, 1)",
        "signature_def['sample']",
        "inputs['n'] tensor_info: dtype: DT_INT32 shape: ()",
        "inputs['seed'] tensor_info: dtype: DT_INT32 shape: ()",
        "outputs['z'] tensor_info: dtype: DT_FLOAT shape: (-1, 100)",
    ]:
        assert expected in out
    assert "inputs['label']" not in out
    assert "inputs['label'] tensor_info: dtype: DT_INT32 shape: (-1)" in shown["cdcgan"]
    assert "outputs['labels'] tensor_info: dtype: DT_INT32 shape: (-1)" in shown["cdcgan"]


def rest_predict(model, body):
    """TF Serving's REST `:predict` in the columnar ("inputs") form, answered in-process.

    Decodes the JSON request like the server does (each input to the dtype its
    signature declares), calls the signature, and encodes the response: a
    single output is sent bare ({"outputs": [...]}), several by name.
    """
    request = json.loads(body)
    signature = model.signatures[request.get("signature_name", "serving_default")]
    specs = signature.structured_input_signature[1]
    inputs = {name: tf.constant(value, dtype=specs[name].dtype) for name, value in request["inputs"].items()}
    outputs = {name: tensor.numpy().tolist() for name, tensor in signature(**inputs).items()}
    return json.dumps({"outputs": next(iter(outputs.values())) if len(outputs) == 1 else outputs})


def test_rest_json_requests_give_the_same_images(dcgan_export):
    _, path, generator = dcgan_export
    model = tf.saved_model.load(str(path))
    z = np.random.default_rng(3).standard_normal((2, 100)).astype("float32")
    body = json.dumps({"signature_name": "serving_default", "inputs": {"z": z.tolist()}})
    response = json.loads(rest_predict(model, body))
    images = np.array(response["outputs"], dtype=np.float32)
    assert images.shape == (2, 28, 28, 1)
    np.testing.assert_allclose(images, keras_images(generator, z), atol=1e-5, rtol=0)

    body = json.dumps({"signature_name": "sample", "inputs": {"n": 3, "seed": 42}})
    response = json.loads(rest_predict(model, body))
    assert np.array(response["outputs"]["images"]).shape == (3, 28, 28, 1)
    z_used = np.array(response["outputs"]["z"], dtype=np.float32)
    np.testing.assert_allclose(response["outputs"]["images"], keras_images(generator, z_used), atol=1e-5, rtol=0)


def test_serving_default_caps_the_batch_like_sample_caps_n(cdcgan_export):
    _, path, _ = cdcgan_export  # exported with max_n=16
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    z = np.zeros((17, 100), "float32")
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch must be at most 16"):
        serve(z=tf.constant(z), label=tf.constant(np.zeros(17, "int32")))
    assert serve(z=tf.constant(z[:16]), label=tf.constant(np.zeros(16, "int32")))["images"].shape == (16, 28, 28, 1)


def test_serving_default_refuses_z_and_labels_of_different_batches(cdcgan_export):
    _, path, _ = cdcgan_export
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="z and label must have the same batch size"):
        serve(z=tf.constant(np.zeros((3, 100), "float32")), label=tf.constant(np.zeros(2, "int32")))
