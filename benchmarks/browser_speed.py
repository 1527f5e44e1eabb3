"""Time the demo page's generator in headless Chromium, per TF.js backend.

    python benchmarks/browser_speed.py RUN_DIR [--backends wasm,webgl,cpu]

Exports RUN_DIR to TF.js if needed, serves the demo on 127.0.0.1, and for
each backend opens the page with `?backend=NAME` and reports the median time
of 15 generations of 64 digits (after warm-up), plus the model's size.
Needs `npm ci --prefix tests/web` and Chromium (see .ci/run).
"""

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_gan.demo import server as serve_demo  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", metavar="RUN_DIR")
    parser.add_argument("--backends", default="wasm,webgl,cpu")
    args = parser.parse_args()

    model_dir = serve_demo.prepare(args.run_dir)
    size = sum(p.stat().st_size for p in model_dir.iterdir() if p.is_file())
    with tempfile.TemporaryDirectory() as tmp, serve_demo.serving(model_dir) as url:
        inputs = Path(tmp) / "inputs.json"
        inputs.write_text(json.dumps({"z": [[0.0] * 100] * 64, "label": None}))
        subprocess.run(
            ["node", str(ROOT / "tests/web/e2e.mjs"), f"{url}/", str(inputs), tmp, "--backends", args.backends],
            check=True,
            timeout=900,
        )
        result = json.loads((Path(tmp) / "result.json").read_text())

    print(f"model: {model_dir} ({size / 2**20:.1f} MiB)")
    print(f"page picked: {result['backend']}")
    print("backend   ms per 64 digits (median of 15)")
    for name, ms in result["backendTimings"].items():
        print(f"{name:<9} {'unavailable' if ms is None else f'{ms:.1f}'}")


if __name__ == "__main__":
    main()
