"""The demo page end to end in headless Chromium: it computes what Keras computes, and draws it."""

import base64
import io
import json
import os
import subprocess

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import paths
from keras_gan.demo import server as serve_demo
from tests.helpers import WEB_TESTS, need_node

CHROMIUM = "/usr/bin/chromium"


def decode_png(data_url):
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("L"))


def run_page(run_dir, tmp_path, z, labels=None, query=""):
    """Serves `run_dir`'s demo and drives it with web/tests/e2e.mjs; returns its result.json."""
    need_node("@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "playwright-core")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    model_dir = serve_demo.prepare(run_dir, log=lambda message: None)
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"z": z.tolist(), "label": None if labels is None else labels.tolist()}))
    out = tmp_path / "page"
    with serve_demo.serving(model_dir) as url:
        result = subprocess.run(
            ["node", str(WEB_TESTS / "e2e.mjs"), f"{url}/{query}", str(inputs), str(out)],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads((out / "result.json").read_text()), out


def check_grid(result, generator, z, labels=None):
    expected = (generator.predict(z if labels is None else [z, labels], verbose=0) + 1) / 2
    images = np.array(result["fixedImages"], dtype=np.float32).reshape(expected.shape)
    assert np.abs(images - expected).max() < 1e-4  # the page computes what Keras computes
    # ...and draws it: cell k of the canvas, at 2x2 pixels per MNIST pixel, 2 pixels of padding.
    canvas = decode_png(result["fixedGrid"]).astype(int)
    for k in [0, 9, 63]:
        y0, x0 = 2 * (2 + (k // 8) * 30), 2 * (2 + (k % 8) * 30)
        drawn = canvas[y0 : y0 + 56 : 2, x0 : x0 + 56 : 2]
        assert np.abs(drawn - np.round(255 * expected[k, :, :, 0])).max() <= 1


def test_page_end_to_end(tfjs_run, tmp_path):
    run_dir = tfjs_run("dcgan")
    generator = keras.saving.load_model(run_dir / paths.GENERATOR)
    z = np.random.default_rng(7).standard_normal((64, 100)).astype("float32")
    result, out = run_page(run_dir, tmp_path, z)

    assert result["consoleErrors"] == []
    assert result["backend"].split(" ")[0] in {"wasm", "webgl", "cpu"}
    assert set(result["startupTimings"]) <= {"wasm", "webgl", "cpu"} and result["startupTimings"]
    first = decode_png(result["firstGrid"])
    assert first.shape == (484, 484) and first.std() > 10 and len(np.unique(first)) > 50  # not blank
    check_grid(result, generator, z)
    assert result["newGrid"] != result["fixedGrid"]  # "New digits" drew new digits
    assert result["walkDistinctFrames"] >= 2  # the latent walk animates
    screenshot = Image.open(out / "demo.png")
    assert screenshot.size[0] == 720 and screenshot.size[1] >= 700


def test_page_with_a_conditional_model_has_a_digit_picker(tfjs_run, tmp_path):
    run_dir = tfjs_run("cdcgan")
    generator = keras.saving.load_model(run_dir / paths.GENERATOR)
    z = np.random.default_rng(8).standard_normal((64, 100)).astype("float32")
    labels = np.arange(64, dtype=np.int32) % 10
    result, _ = run_page(run_dir, tmp_path, z, labels, query="?backend=wasm")
    assert result["consoleErrors"] == []
    assert result["conditional"] is True and result["backend"].startswith("wasm")
    check_grid(result, generator, z, labels)
    assert result["pickedLabels"] == [7] * 64
    assert result["pickedGrid"] != result["newGrid"]
