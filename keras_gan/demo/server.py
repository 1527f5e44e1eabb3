"""The TF.js demo page for a trained generator, served on 127.0.0.1 only.

`prepare` exports the run's generator to TF.js if it has no TF.js export
yet (a pretrained one into the user cache) and installs the pinned TF.js
packages into the user cache once (`npm ci`). The server then serves:

- `/` and the page's own files from `keras_gan/demo/static/`;
- `/vendor/...`: the TF.js scripts and wasm binaries, a fixed list of files;
- `/model/NAME`: the files directly inside the TF.js export folder.

Nothing else is reachable: the page and TF.js come from a fixed table, and a
model file name may not contain a folder or start with a dot. The responses
are cross-origin isolated (COOP/COEP), which lets the wasm backend use
threads. Each connection has its own thread and a timeout, so idle clients
cannot block the others.
"""

import contextlib
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

from keras_gan import paths
from keras_gan.errors import UserError, invalid, last_line
from keras_gan.export import export
from keras_gan.export.tfjs import MODEL_JSON

STATIC_DIR = Path(__file__).resolve().parent / "static"
NPM_DIR = Path(__file__).resolve().parent / "npm"  # package.json and package-lock.json of TF.js
PAGE_FILES = ("index.html", "demo.js", "style.css")
# Seconds a connection may stay silent before the server closes it.
CONNECTION_TIMEOUT = 10
TFJS_DIST = "node_modules/@tensorflow/tfjs/dist"
WASM_DIST = "node_modules/@tensorflow/tfjs-backend-wasm/dist"
VENDOR_FILES = {
    "tf.min.js": f"{TFJS_DIST}/tf.min.js",
    "tf-backend-wasm.min.js": f"{WASM_DIST}/tf-backend-wasm.min.js",
    "tfjs-backend-wasm.wasm": f"{WASM_DIST}/tfjs-backend-wasm.wasm",
    "tfjs-backend-wasm-simd.wasm": f"{WASM_DIST}/tfjs-backend-wasm-simd.wasm",
    "tfjs-backend-wasm-threaded-simd.wasm": f"{WASM_DIST}/tfjs-backend-wasm-threaded-simd.wasm",
}
# model.json and its weight shards: a plain name, no folders, no leading dot.
MODEL_FILE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".bin": "application/octet-stream",
    ".wasm": "application/wasm",
}


def tfjs_dir():
    """Where the pinned TF.js packages go: one folder per version of the lock file, in the user cache."""
    lock = hashlib.sha256((NPM_DIR / "package-lock.json").read_bytes()).hexdigest()[:12]
    return paths.cache_dir() / f"tfjs-{lock}"


def ensure_tfjs(target=None, log=print):
    """Installs the pinned TF.js packages (`npm ci`) into `target` (default `tfjs_dir()`) if missing; returns it."""
    target = Path(target) if target is not None else tfjs_dir()

    def installed():
        return all((target / rel).exists() for rel in VENDOR_FILES.values())

    if installed():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise UserError("the demo needs TF.js from npm, and npm is not installed (install Node.js 18+ with npm)")
    log(f"Fetching TF.js into {target} (npm ci, once)...")
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(NPM_DIR / name, target / name)
    except OSError as e:
        raise UserError(f"cannot prepare {target}: {e.strerror}") from None
    result = subprocess.run(
        [npm, "ci", "--omit=dev", "--no-audit", "--no-fund"], cwd=target, capture_output=True, text=True
    )
    if result.returncode != 0 or not installed():
        raise UserError(f"npm ci in {target} failed: {last_line(result.stderr or result.stdout)}")
    return target


def routes(tfjs=None):
    """The fixed URL table of the page and TF.js: URL path -> file."""
    tfjs = Path(tfjs) if tfjs is not None else tfjs_dir()
    table = {"/": STATIC_DIR / "index.html"}
    table.update({f"/{name}": STATIC_DIR / name for name in PAGE_FILES})
    table.update({f"/vendor/{name}": tfjs / rel for name, rel in VENDOR_FILES.items()})
    return table


def resolve(url_path, table, model_dir):
    """The file for `url_path`, or None: a table entry, or a plain file directly inside `model_dir`."""
    path = url_path.split("?", 1)[0].split("#", 1)[0]
    if path in table:
        return table[path]
    name = path.removeprefix("/model/")
    if name != path and MODEL_FILE.fullmatch(name):
        return Path(model_dir) / name
    return None


def make_handler(table, model_dir):
    """A request handler that serves the files in `table` and those of `model_dir`, nothing else."""

    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = CONNECTION_TIMEOUT  # a silent client is dropped, not waited for
        protocol_version = "HTTP/1.1"  # keep-alive, as browsers expect

        def do_GET(self):
            self._send(body=True)

        def do_HEAD(self):
            self._send(body=False)

        def _send(self, body):
            path = resolve(self.path, table, model_dir)
            if path is None or not path.is_file():
                self.send_error(404, "Not found")
                return
            try:
                data = path.read_bytes()
            except OSError:
                self.send_error(404, "Not found")
                return
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPES.get(path.suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-cache")
            # Cross-origin isolation: lets the wasm backend use SharedArrayBuffer threads.
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            self.end_headers()
            if body:
                self.wfile.write(data)

        def log_message(self, format, *args):  # noqa: A002  (the base class' name)
            if os.environ.get("KERAS_GAN_DEMO_LOG"):
                super().log_message(format, *args)

    return Handler


def prepare(run_dir, log=print, pretrained=False):
    """Exports the run to TF.js if needed and fetches TF.js; returns the model folder.

    A pretrained generator lives inside the installed package, which may be
    read-only, so its export goes to the user cache, keyed by its checksum.
    """
    run_dir = Path(run_dir)
    base = None
    if pretrained:
        digest = hashlib.sha256((run_dir / paths.GENERATOR).read_bytes()).hexdigest()[:12]
        base = paths.cache_dir() / "pretrained" / f"{run_dir.name}-{digest}"
    model_dir = paths.export_dir(run_dir, "tfjs", base=base)
    if not (model_dir / MODEL_JSON).exists():
        log(f"No TF.js export of {run_dir} yet; exporting to {model_dir}...")
        export(run_dir, "tfjs", out=base, force=True)
    ensure_tfjs(log=log)
    return model_dir


def check_port(port):
    """Refuses a port number that no socket can bind."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise invalid("port", port, "an integer in [0, 65535] (0: any free port)")


def make_server(model_dir, port=8000, tfjs=None):
    """A threaded HTTP server for the demo on 127.0.0.1:`port` (0 picks a free port)."""
    check_port(port)
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), make_handler(routes(tfjs), model_dir))
    except OSError as e:
        raise UserError(f"cannot listen on 127.0.0.1:{port} ({e.strerror}); pick another port", "port") from None
    server.daemon_threads = True  # a hung client never keeps the process alive
    return server


@contextlib.contextmanager
def serving(model_dir, port=0, tfjs=None):
    """Serves the demo from a background thread while the block runs; yields its base URL."""
    server = make_server(model_dir, port, tfjs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
