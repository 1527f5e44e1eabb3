"""TF.js export: the sub-pixel rewrite, the converter environment, and parity in Node with plain @tensorflow/tfjs."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_gan import tfjs
from keras_gan.errors import UserError
from keras_gan.export import export
from tests.conftest import randomized_generator

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"


def need_node(*packages):
    """Skips (or, with KERAS_GAN_REQUIRE_WEB=1 as in CI, fails) when Node or the npm packages are missing."""
    missing = [p for p in packages if not (WEB / "node_modules" / p).exists()]
    reason = "node is not installed" if shutil.which("node") is None else None
    if missing:
        reason = f"missing {', '.join(missing)}: run `npm ci --prefix web`"
    if reason and os.environ.get("KERAS_GAN_REQUIRE_WEB") == "1":
        pytest.fail(reason)
    if reason:
        pytest.skip(reason)


@pytest.mark.parametrize("kernel_size, strides", [(4, 2), (3, 1), (3, 2), (5, 2), (2, 2), (4, 1), (6, 3)])
def test_subpixel_form_equals_conv2d_transpose(kernel_size, strides):
    rng = np.random.default_rng(kernel_size * 10 + strides)
    inputs = keras.Input((5, 6, 3))
    layer = keras.layers.Conv2DTranspose(4, kernel_size, strides=strides, padding="same", activation="tanh")
    model = keras.Model(inputs, layer(inputs))
    layer.bias.assign(rng.normal(size=4).astype("float32"))
    x = rng.normal(size=(2, 5, 6, 3)).astype("float32")
    rewritten = tfjs.browser_generator(model)
    assert type(rewritten.layers[1]).__name__ == "SubPixelConv2D"
    expected = model.predict(x, verbose=0)
    assert expected.shape == (2, 5 * strides, 6 * strides, 4)
    np.testing.assert_allclose(rewritten.predict(x, verbose=0), expected, atol=1e-6, rtol=0)


def test_subpixel_kernel_of_a_stride_1_transpose_is_the_flipped_kernel():
    kernel = np.arange(3 * 3 * 2 * 5, dtype="float32").reshape(3, 3, 2, 5)  # [k, k, C_out, C_in]
    conv, padding = tfjs.subpixel_kernel(kernel, 1)
    assert padding == (1, 1)
    np.testing.assert_array_equal(conv, kernel[::-1, ::-1].transpose(0, 1, 3, 2))


@pytest.mark.parametrize("arch", ["dcgan", "cdcgan"])
def test_browser_generator_equals_the_generator(arch):
    generator = randomized_generator(arch)
    rewritten = tfjs.browser_generator(generator)
    assert not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in rewritten.layers)
    z = np.random.default_rng(0).standard_normal((8, 100)).astype("float32")
    inputs = [z, np.arange(8) % 10] if arch == "cdcgan" else z
    np.testing.assert_allclose(
        rewritten.predict(inputs, verbose=0), generator.predict(inputs, verbose=0), atol=1e-5, rtol=0
    )


def test_unsupported_transpose_gets_a_clear_error():
    inputs = keras.Input((5, 5, 3))
    model = keras.Model(inputs, keras.layers.Conv2DTranspose(4, 3, strides=2, padding="valid")(inputs))
    with pytest.raises(UserError, match="unsupported padding"):
        tfjs.browser_generator(model)


def test_converter_install_failure_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(tfjs.ENV_VARIABLE, str(tmp_path / "env"))
    monkeypatch.setattr(tfjs.sys, "executable", "/bin/false")  # creating the venv fails
    with pytest.raises(UserError, match=r"could not install the TF.js converter \(creating the environment failed"):
        tfjs.ensure_converter(log=lambda message: None)
    assert not (tmp_path / "env" / tfjs.READY_MARKER).exists()


def run_in_node(model_dir, inputs, tmp_path, backend):
    in_path, out_path = tmp_path / f"in-{backend}.json", tmp_path / f"out-{backend}.json"
    in_path.write_text(json.dumps(inputs))
    result = subprocess.run(
        ["node", str(WEB / "tests" / "run_model.mjs"), str(model_dir), str(in_path), str(out_path), backend],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(out_path.read_text())
    assert out["backend"] == backend
    return np.array(out["images"], dtype=np.float32).reshape(out["shape"])


@pytest.mark.parametrize("arch", ["gan", "dcgan", "cdcgan"])
def test_tfjs_model_in_node_matches_keras(arch, generator_run, tmp_path):
    need_node("@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm")
    run_dir = generator_run(arch)
    model_dir = export(run_dir, "tfjs")
    assert model_dir == run_dir / "export" / "tfjs"
    manifest = json.loads((model_dir / "model.json").read_text())
    assert manifest["format"] == "graph-model"
    assert manifest["userDefinedMetadata"]["keras_gan"] == {
        "latent_dim": 100,
        "conditional": arch == "cdcgan",
        "arch": arch,
        "epochs": 3,
    }
    ops = {node["op"] for node in manifest["modelTopology"]["node"]}
    assert "Conv2DBackpropInput" not in ops  # the sub-pixel form is what runs in the browser

    generator = keras.saving.load_model(run_dir / "generator.keras")
    z = np.random.default_rng(5).standard_normal((6, 100)).astype("float32")
    inputs = {"z": z.tolist()}
    labels = None
    if arch == "cdcgan":
        labels = np.array([0, 1, 4, 5, 7, 9], dtype=np.int32)
        inputs["label"] = labels.tolist()
    expected = (generator.predict(z if labels is None else [z, labels], verbose=0) + 1) / 2
    assert expected.std() > 0.05
    for backend in ["cpu", "wasm"]:
        images = run_in_node(model_dir, inputs, tmp_path, backend)
        assert images.shape == (6, 28, 28, 1)
        assert np.abs(images - expected).max() < 1e-4, backend


def test_tfjs_export_needs_force_to_replace(generator_run, capsys):
    from keras_gan.export import main

    run_dir = generator_run("gan")
    (run_dir / "export" / "tfjs").mkdir(parents=True)
    (run_dir / "export" / "tfjs" / "model.json").write_text("{}")
    with pytest.raises(SystemExit) as exit_info:
        main([str(run_dir), "--format", "tfjs"])
    assert exit_info.value.code == 2 and "already exists; pass --force" in capsys.readouterr().err
    assert (run_dir / "export" / "tfjs" / "model.json").read_text() == "{}"
