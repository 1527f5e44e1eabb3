"""The demo server: what it serves, and nothing more."""

import http.client
import json
import socket
import threading
import time
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


@pytest.fixture
def loaded_server(tmp_path, monkeypatch):
    """A server whose idle connections time out after 2 s, with a model of two files."""
    monkeypatch.setattr(serve_demo, "CONNECTION_TIMEOUT", 2)
    model_dir = tmp_path / "tfjs"
    model_dir.mkdir()
    (model_dir / "model.json").write_text('{"format": "graph-model"}')
    (model_dir / "group1-shard1of1.bin").write_bytes(bytes(range(256)) * 64)
    with serve_demo.serving(model_dir) as url:
        yield url, model_dir


def test_twenty_clients_and_idle_connections(loaded_server):
    """500 requests from 20 concurrent keep-alive clients while 3 idle connections stay open: all answered."""
    url, model_dir = loaded_server
    host, port = url.removeprefix("http://").split(":")
    assert host == "127.0.0.1"
    expected = {
        "/": (200, (serve_demo.STATIC_DIR / "index.html").read_bytes()),
        "/demo.js": (200, (serve_demo.STATIC_DIR / "demo.js").read_bytes()),
        "/model/model.json": (200, (model_dir / "model.json").read_bytes()),
        "/model/group1-shard1of1.bin": (200, (model_dir / "group1-shard1of1.bin").read_bytes()),
        "/model/../secret": (404, None),
        "/nope": (404, None),
    }
    paths_cycle = list(expected)
    idle = []
    for _ in range(3):  # connected, silent: must not hold up anyone
        sock = socket.create_connection((host, int(port)), timeout=5)
        sock.sendall(b"GET / HTTP/1.1\r\n")  # an unfinished request
        idle.append(sock)
    failures, answered = [], []

    def client(index):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            for k in range(25):  # 20 clients x 25 requests = 500
                path = paths_cycle[(index + k) % len(paths_cycle)]
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                status, content = expected[path]
                if response.status != status or (content is not None and body != content):
                    failures.append((path, response.status))
                answered.append(path)
        except OSError as e:
            failures.append(("error", repr(e)))
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == [] and len(answered) == 500
    assert time.monotonic() - started < 30
    # The server drops the silent connections after its timeout...
    for sock in idle:
        sock.settimeout(5)
        assert sock.recv(1024) == b""  # closed by the server, not left hanging
        sock.close()
    # ...and keeps serving.
    assert get(url + "/model/model.json")[0] == 200
