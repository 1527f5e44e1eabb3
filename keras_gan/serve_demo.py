"""Serve the TF.js demo page for a trained run, on 127.0.0.1 only.

    python -m keras_gan.serve_demo RUN_DIR [--port 8000]

exports the run's generator to TF.js first if `RUN_DIR/export/tfjs` is
missing, fetches TF.js into `web/node_modules` once (`npm ci`), and serves:

- `/` and the page's own files from `web/`;
- `/vendor/...`: the TF.js scripts and wasm binaries, a fixed list of files;
- `/model/NAME`: the files directly inside `RUN_DIR/export/tfjs`.

Nothing else is reachable: the page and TF.js come from a fixed table, and a
model file name may not contain a folder or start with a dot.
The responses are cross-origin isolated (COOP/COEP), which lets the wasm
backend use threads.
"""

import contextlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from keras_gan.errors import UserError, last_line

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
PAGE_FILES = ("index.html", "demo.js", "style.css")
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


def ensure_tfjs(web_dir=WEB_DIR, log=print):
    """Installs the pinned TF.js packages into `web/node_modules` if they are missing."""

    def installed():
        return all((web_dir / rel).exists() for rel in VENDOR_FILES.values())

    if installed():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise UserError("the demo needs TF.js from npm, and npm is not installed (install Node.js 18+ with npm)")
    log(f"Fetching TF.js into {web_dir / 'node_modules'} (npm ci, once)...")
    result = subprocess.run(
        [npm, "ci", "--omit=dev", "--no-audit", "--no-fund"], cwd=web_dir, capture_output=True, text=True
    )
    if result.returncode != 0 or not installed():
        raise UserError(f"npm ci in {web_dir} failed: {last_line(result.stderr or result.stdout)}")


def routes(web_dir=WEB_DIR):
    """The fixed URL table of the page and TF.js: URL path -> file."""
    table = {"/": web_dir / "index.html"}
    table.update({f"/{name}": web_dir / name for name in PAGE_FILES})
    table.update({f"/vendor/{name}": web_dir / rel for name, rel in VENDOR_FILES.items()})
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
        def do_GET(self):
            self._send(body=True)

        def do_HEAD(self):
            self._send(body=False)

        def _send(self, body):
            path = resolve(self.path, table, model_dir)
            if path is None or not path.is_file():
                self.send_error(404, "Not found")
                return
            data = path.read_bytes()
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


def prepare(run_dir, log=print):
    """Exports the run to TF.js if needed and fetches TF.js; returns the model folder."""
    from keras_gan.export import export, export_dir
    from keras_gan.tfjs import MODEL_JSON

    run_dir = Path(run_dir)
    model_dir = export_dir(run_dir, "tfjs")
    if not (model_dir / MODEL_JSON).exists():
        log(f"No TF.js export in {run_dir} yet; exporting...")
        export(run_dir, "tfjs")
    ensure_tfjs(log=log)
    return model_dir


def make_server(model_dir, port=8000):
    """A threaded HTTP server for the demo on 127.0.0.1:`port` (0 picks a free port)."""
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), make_handler(routes(), model_dir))
    except OSError as e:
        raise UserError(f"cannot listen on 127.0.0.1:{port} ({e.strerror}); pick another --port") from None


@contextlib.contextmanager
def serving(model_dir, port=0):
    """Serves the demo from a background thread while the block runs; yields its base URL."""
    server = make_server(model_dir, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


def main(argv=None):
    from keras_gan.cli import OneLineErrorParser

    parser = OneLineErrorParser(
        prog="python -m keras_gan.serve_demo",
        description="Serve the TF.js demo page for a run's generator on 127.0.0.1.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run folder (exported to TF.js first if needed)")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free port)")
    args = parser.parse_args(argv)
    try:
        server = make_server(prepare(args.run_dir), args.port)
    except UserError as e:
        parser.error(str(e))
    host, port = server.server_address[:2]
    print(f"Demo at http://{host}:{port}/  (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    sys.exit(main())
