"""The demo server (what it serves, and nothing more) and the page end to end in headless Chromium."""

import base64
import http.client
import io
import json
import os
import subprocess
import urllib.error
import urllib.request

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import serve_demo
from keras_gan.errors import UserError
from tests.test_tfjs import WEB, need_node

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def server(tmp_path):
    """Serves a folder with a fake model.json on 127.0.0.1; yields (base URL, model folder)."""
    model_dir = tmp_path / "export" / "tfjs"
    model_dir.mkdir(parents=True)
    (model_dir / "model.json").write_text('{"format": "graph-model"}')
    (tmp_path / "export" / "secret.txt").write_text("not for the web")
    with serve_demo.serving(model_dir) as url:
        yield url, model_dir


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), b""


def test_listens_on_loopback_only(server):
    url, _ = server
    assert url.startswith("http://127.0.0.1:")


def test_serves_the_page_and_the_model_cross_origin_isolated(server):
    url, _ = server
    status, headers, body = get(url + "/")
    assert status == 200 and b'<canvas id="grid"' in body
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    status, headers, body = get(url + "/model/model.json")
    assert status == 200 and json.loads(body) == {"format": "graph-model"}
    assert headers["Content-Type"] == "application/json"
    assert get(url + "/demo.js")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/model/../secret.txt",
        "/model/%2e%2e/secret.txt",
        "/model/..%2fsecret.txt",
        "/model/.hidden",
        "/model/sub/model.json",
        "/package.json",
        "/tests/e2e.mjs",
        "/node_modules/@tensorflow/tfjs/package.json",
        "/vendor/../package.json",
        "/../keras_gan/cli.py",
        "/etc/passwd",
    ],
)
def test_nothing_outside_the_page_and_model_is_served(server, path):
    url, _ = server
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path)  # the raw path: urllib would normalise ".."
    assert connection.getresponse().status == 404
    connection.close()


def test_missing_npm_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(serve_demo.shutil, "which", lambda name: None)
    with pytest.raises(UserError, match="npm is not installed"):
        serve_demo.ensure_tfjs(web_dir=tmp_path, log=lambda message: None)


def test_busy_port_is_a_clear_error(server):
    url, model_dir = server
    port = int(url.rsplit(":", 1)[1])
    with pytest.raises(UserError, match=f"cannot listen on 127.0.0.1:{port}"):
        serve_demo.make_server(model_dir, port=port)


def test_run_without_generator_gets_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        serve_demo.main([str(tmp_path)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1 and "generator.keras: not found" in err


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
            ["node", str(WEB / "tests" / "e2e.mjs"), f"{url}/{query}", str(inputs), str(out)],
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


def test_page_end_to_end(generator_run, tmp_path):
    run_dir = generator_run("dcgan")
    generator = keras.saving.load_model(run_dir / "generator.keras")
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


def test_page_with_a_conditional_model_has_a_digit_picker(generator_run, tmp_path):
    run_dir = generator_run("cdcgan")
    generator = keras.saving.load_model(run_dir / "generator.keras")
    z = np.random.default_rng(8).standard_normal((64, 100)).astype("float32")
    labels = np.arange(64, dtype=np.int32) % 10
    result, _ = run_page(run_dir, tmp_path, z, labels, query="?backend=wasm")
    assert result["consoleErrors"] == []
    assert result["conditional"] is True and result["backend"].startswith("wasm")
    check_grid(result, generator, z, labels)
    assert result["pickedLabels"] == [7] * 64
    assert result["pickedGrid"] != result["newGrid"]
