"""The demo server: what it serves, and nothing more."""

import http.client
import json
import urllib.error
import urllib.request

import pytest

from keras_gan.demo import server as serve_demo
from keras_gan.errors import UserError
from tests.helpers import assert_one_line_error, run_cli


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
        "/tests/web/e2e.mjs",
        "/node_modules/@tensorflow/tfjs/package.json",
        "/vendor/../package.json",
        "/../keras_gan/cli/train.py",
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
        serve_demo.ensure_tfjs(tmp_path, log=lambda message: None)


def test_busy_port_is_a_clear_error(server):
    url, model_dir = server
    port = int(url.rsplit(":", 1)[1])
    with pytest.raises(UserError, match=f"cannot listen on 127.0.0.1:{port}"):
        serve_demo.make_server(model_dir, port=port)


def test_run_without_generator_gets_one_line(tmp_path, capsys):
    code, _, err = run_cli("demo", [tmp_path], capsys)
    assert_one_line_error(code, err, "generator.keras: not found")
