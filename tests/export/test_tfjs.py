"""TF.js export: the converter environment, and parity with Keras in Node with plain @tensorflow/tfjs."""

import json
import subprocess

import keras
import numpy as np
import pytest

from keras_gan import paths
from keras_gan.errors import UserError
from keras_gan.export import export, tfjs
from tests.helpers import WEB_TESTS, need_node


def test_converter_install_failure_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(tfjs.ENV_VARIABLE, str(tmp_path / "env"))
    monkeypatch.setattr(tfjs.sys, "executable", "/bin/false")  # creating the venv fails
    with pytest.raises(UserError, match=r"could not install the TF.js converter \(creating the environment failed"):
        tfjs.ensure_converter(log=lambda message: None)
    assert not (tmp_path / "env" / tfjs.READY_MARKER).exists()


def run_in_node(model_dir, inputs, tmp_path, backend):
    """Runs the TF.js model in Node with plain @tensorflow/tfjs on `backend`; returns its images."""
    in_path, out_path = tmp_path / f"in-{backend}.json", tmp_path / f"out-{backend}.json"
    in_path.write_text(json.dumps(inputs))
    result = subprocess.run(
        ["node", str(WEB_TESTS / "run_model.mjs"), str(model_dir), str(in_path), str(out_path), backend],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(out_path.read_text())
    assert out["backend"] == backend
    return np.array(out["images"], dtype=np.float32).reshape(out["shape"])


@pytest.mark.parametrize("arch", ["gan", "cgan", "dcgan", "cdcgan"])
def test_tfjs_model_in_node_matches_keras_on_every_backend(arch, tfjs_run, tmp_path):
    """Trained-looking weights (random biases, batch-norm statistics): what a real export meets."""
    need_node("@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm")
    run_dir = tfjs_run(arch)
    model_dir = run_dir / "export" / "tfjs"
    manifest = json.loads((model_dir / "model.json").read_text())
    assert manifest["format"] == "graph-model"
    conditional = arch in ("cgan", "cdcgan")
    assert manifest["userDefinedMetadata"]["keras_gan"] == {
        "latent_dim": 100,
        "conditional": conditional,
        "arch": arch,
        "epochs": 3,
    }
    ops = {node["op"] for node in manifest["modelTopology"]["node"]}
    assert "Conv2DBackpropInput" not in ops  # the sub-pixel form is what runs in the browser

    generator = keras.saving.load_model(run_dir / paths.GENERATOR)
    z = np.random.default_rng(5).standard_normal((6, 100)).astype("float32")
    inputs = {"z": z.tolist()}
    labels = None
    if conditional:
        labels = np.array([0, 1, 4, 5, 7, 9], dtype=np.int32)
        inputs["label"] = labels.tolist()
    expected = (generator.predict(z if labels is None else [z, labels], verbose=0) + 1) / 2
    assert expected.std() > 0.05
    for backend in ["cpu", "wasm"]:
        images = run_in_node(model_dir, inputs, tmp_path, backend)
        assert images.shape == (6, 28, 28, 1)
        assert np.abs(images - expected).max() < 1e-4, backend


def test_tfjs_export_needs_force_to_replace(generator_run, tmp_path):
    target = tmp_path / "exports" / "tfjs"
    target.mkdir(parents=True)
    (target / "model.json").write_text("{}")
    with pytest.raises(UserError, match="already exists; replace it with `force`"):
        export(generator_run("gan"), "tfjs", out=tmp_path / "exports")
    assert (target / "model.json").read_text() == "{}"
