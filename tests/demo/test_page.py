"""The demo page in headless Chromium: every backend computes what Keras computes, and the page draws it.

Each check reads what is drawn on the canvas, after the page says it has
drawn, and compares it with the Keras generator on the same z (and labels).
"""

import base64
import io
import json
import os
import queue
import subprocess
import sys
import threading
import time

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import paths
from keras_gan.demo import server as serve_demo
from keras_gan.export import tfjs
from tests.helpers import WEB_TESTS, need_node

CHROMIUM = "/usr/bin/chromium"
BACKENDS = ["wasm", "webgl", "cpu"]


def need_browser():
    need_node("@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "playwright-core")
    if not os.path.exists(CHROMIUM):
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("KERAS_GAN_REQUIRE_WEB"):
            pytest.fail(message)
        pytest.skip(message)


def run_page(run_dir, tmp_path, z, labels=None, backends=(), ui=False, query=""):
    """Serves `run_dir`'s demo and drives it with tests/web/e2e.mjs; returns its result.json and output folder."""
    need_browser()
    model_dir = serve_demo.prepare(run_dir, log=lambda message: None)
    with serve_demo.serving(model_dir) as url:
        return drive_page(f"{url}/{query}", tmp_path, z, labels, backends, ui)


def drive_page(url, tmp_path, z, labels=None, backends=(), ui=False):
    """Drives the demo page at `url` with tests/web/e2e.mjs; returns its result.json and output folder."""
    inputs = tmp_path / "inputs.json"
    inputs.write_text(
        json.dumps(
            {"z": z.tolist(), "label": None if labels is None else labels.tolist(), "backends": backends, "ui": ui}
        )
    )
    out = tmp_path / "page"
    result = subprocess.run(
        ["node", str(WEB_TESTS / "e2e.mjs"), url, str(inputs), str(out)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads((out / "result.json").read_text()), out


def decode_png(data_url):
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("L"))


def expected_images(generator, z, labels=None):
    """What the page must show: the generator's output on [0, 1], [n, 28, 28]."""
    z = np.asarray(z, np.float32).reshape(-1, 100)
    out = generator.predict(z if labels is None else [z, np.asarray(labels, np.int32)], verbose=0)
    return ((out + 1) / 2)[..., 0]


def assert_drawn(data_url, expected):
    """Every one of the 64 cells of the canvas (2x2 screen pixels per MNIST pixel) shows its digit."""
    canvas = decode_png(data_url).astype(int)
    for k in range(64):
        y0, x0 = 2 * (2 + (k // 8) * 30), 2 * (2 + (k % 8) * 30)
        drawn = canvas[y0 : y0 + 56 : 2, x0 : x0 + 56 : 2]
        assert np.abs(drawn - np.round(255 * expected[k])).max() <= 1, f"cell {k}"


@pytest.mark.parametrize("arch", ["gan", "cgan", "dcgan", "cdcgan"])
def test_every_backend_computes_and_draws_what_keras_computes(arch, tfjs_run, tmp_path):
    run_dir = tfjs_run(arch)
    generator = keras.saving.load_model(run_dir / paths.GENERATOR)
    z = np.random.default_rng(7).standard_normal((64, 100)).astype("float32")
    labels = np.arange(64, dtype=np.int32) % 10 if generator.inputs[1:] else None
    result, _ = run_page(run_dir, tmp_path, z, labels, backends=BACKENDS)
    expected = expected_images(generator, z, labels)
    assert expected.std() > 0.05  # trained-looking weights: the digits really differ
    for name in BACKENDS:
        entry = result["backends"][name]
        assert entry["failures"] == {} and entry["failureText"] == "", (name, entry["failures"])
        assert entry["used"] == name
        images = np.array(entry["images"], dtype=np.float32).reshape(expected.shape)
        assert np.abs(images - expected).max() < 1e-4, name
        assert_drawn(entry["canvas"], expected)
    assert result["consoleErrors"] == []


def test_the_page_as_a_user_meets_it(tfjs_run, tmp_path):
    """First grid, New digits, and the latent walk, each read off the canvas."""
    run_dir = tfjs_run("dcgan")
    generator = keras.saving.load_model(run_dir / paths.GENERATOR)
    result, out = run_page(run_dir, tmp_path, np.zeros((64, 100), "float32"), ui=True)
    assert result["consoleErrors"] == [] and result["first"]["failureText"] == ""
    assert result["first"]["status"].startswith("Ready on ") and result["first"]["backend"] in BACKENDS
    assert_drawn(result["first"]["canvas"], expected_images(generator, result["first"]["z"]))

    after = result["newDigits"]
    z = np.array(after["z"], np.float32)
    assert z.size == 64 * 100 and abs(z.mean()) < 0.1 and abs(z.std() - 1.0) < 0.1  # fresh z ~ N(0, 1)
    assert not np.allclose(z, result["first"]["z"])
    assert_drawn(after["canvas"], expected_images(generator, z))
    assert result["walkDistinctFrames"] >= 2  # the latent walk animates
    screenshot = Image.open(out / "demo.png")
    assert screenshot.size[0] == 720 and screenshot.size[1] >= 700


def test_the_digit_picker_draws_the_picked_digit(tfjs_run, tmp_path):
    run_dir = tfjs_run("cdcgan")
    generator = keras.saving.load_model(run_dir / paths.GENERATOR)
    result, _ = run_page(run_dir, tmp_path, np.zeros((64, 100), "float32"), ui=True, query="?backend=wasm")
    assert result["conditional"] is True and result["consoleErrors"] == []
    picked = result["picked"]
    assert picked["labels"] == [7] * 64
    assert picked["z"] == result["newDigits"]["z"]  # the same z, now all sevens
    assert_drawn(picked["canvas"], expected_images(generator, picked["z"], picked["labels"]))


def test_a_backend_that_fails_is_shown_on_the_page(tfjs_run, tmp_path):
    run_dir = tfjs_run("gan")
    result, _ = run_page(run_dir, tmp_path, np.zeros((64, 100), "float32"), backends=["nope"])
    entry = result["backends"]["nope"]
    assert "nope" in entry["failures"]
    assert entry["failureText"].startswith("nope failed: ")
    assert entry["status"].startswith("Could not start: no TF.js backend works here (nope: ")


def wait_for_line(process, prefix, timeout):
    """The first line of `process`'s output that starts with `prefix`; fails the test after `timeout` seconds."""
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            assert process.poll() is None, "".join(seen)[-2000:]
            continue
        if line.startswith(prefix):
            return line
        seen.append(line)
    pytest.fail(f"no {prefix!r} line in {timeout} s: " + "".join(seen)[-2000:])


def test_demo_pretrained_serves_the_shipped_generator_as_a_user_starts_it(tmp_path):
    """`keras-gan demo --pretrained cdcgan` with no run folder: the export goes to the user cache, the page draws it.

    The converter and TF.js already fetched by this session are reused (the
    user cache is otherwise a fresh folder); the pretrained export itself is
    made from scratch by the command.
    """
    need_browser()
    tfjs.ensure_converter(log=lambda message: None)
    converter = tfjs.converter_env(tfjs.requirements_hash())
    fetched = serve_demo.ensure_tfjs(log=lambda message: None)
    cache = tmp_path / "cache"
    (cache / "keras-gan").mkdir(parents=True)
    (cache / "keras-gan" / fetched.name).symlink_to(fetched)
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), tfjs.ENV_VARIABLE: str(converter)}
    command = [sys.executable, "-m", "keras_gan", "demo", "--pretrained", "cdcgan", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        url = wait_for_line(process, "Demo at ", timeout=300).split()[2]
        z = np.random.default_rng(3).standard_normal((64, 100)).astype("float32")
        labels = np.arange(64, dtype=np.int32) % 10
        result, _ = drive_page(url, tmp_path, z, labels, backends=["wasm"])
    finally:
        process.terminate()
        process.wait(timeout=30)
    shipped = paths.pretrained_dir("cdcgan")
    exports = list((cache / "keras-gan" / "pretrained").glob("cdcgan-*/tfjs/model.json"))
    assert len(exports) == 1 and not (shipped / paths.EXPORT_DIR).exists()  # the package folder stays untouched
    expected = expected_images(keras.saving.load_model(shipped / paths.GENERATOR), z, labels)
    entry = result["backends"]["wasm"]
    assert entry["failures"] == {} and entry["used"] == "wasm" and result["consoleErrors"] == []
    assert np.abs(np.array(entry["images"], np.float32).reshape(expected.shape) - expected).max() < 1e-4
    assert_drawn(entry["canvas"], expected)
