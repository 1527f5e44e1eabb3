"""TF.js export: the official converter, run in its own pinned environment.

Route: Keras generator -> SavedModel (`serving_default`, as for TF Serving) ->
`tensorflowjs_converter --input_format=tf_saved_model` -> a TF.js *graph
model* (`model.json` + weight shards) that `tf.loadGraphModel` loads.

Why this route:
- A Keras 3 `.keras`/`.h5` converted to a TF.js *layers* model does not load in
  tfjs 4.22 (its layer configs are Keras 3's, which tfjs-layers cannot read).
- The graph model is the converter's own, documented format, read by tfjs'
  own loader. Batch norm is folded into the weights, so it is also smaller
  and faster.
- TF.js' wasm backend runs `Conv2DTranspose` (Conv2DBackpropInput) as a
  plain loop, so the export first rewrites the generator for the browser
  (`keras_gan.export.subpixel.browser_generator`); docs/deploy.md has the
  timings.
- The converter's Python package pins an older TensorFlow through its
  dependencies, so it gets its own virtual environment, installed once from
  the fully pinned `requirements-tfjs.txt` with `--no-deps` (see that file).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from keras_gan import paths
from keras_gan.errors import UserError, last_line
from keras_gan.export.saved_model import save_serving_model
from keras_gan.export.subpixel import browser_generator

REQUIREMENTS = Path(__file__).resolve().parent / "requirements-tfjs.txt"
ENV_VARIABLE = "KERAS_GAN_TFJS_ENV"
READY_MARKER = ".keras-gan-ready"
MODEL_JSON = "model.json"


def requirements_hash():
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]


def converter_env(requirements_hash):
    """The converter's environment folder: `$KERAS_GAN_TFJS_ENV`, or one per requirements version in the user cache."""
    if os.environ.get(ENV_VARIABLE):
        return Path(os.environ[ENV_VARIABLE])
    return paths.cache_dir() / f"tfjs-converter-{requirements_hash}"


def _env_python(env):
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_converter(log=print):
    """Returns the Python of a working converter environment, installing it first if needed.

    The environment counts as installed only once the converter imports; a
    half-finished install is wiped and redone.

    Raises:
        UserError: the environment cannot be created (no network, an
            unsupported Python), with the install log's path.
    """
    if not REQUIREMENTS.exists():
        raise UserError(f"{REQUIREMENTS} is missing; it pins the TF.js converter")
    pins = requirements_hash()
    env = converter_env(pins)
    python = _env_python(env)
    marker = env / READY_MARKER
    if marker.exists() and marker.read_text().strip() == pins and python.exists():
        return python
    log(f"Installing the TF.js converter into {env} (once; about a minute)...")
    shutil.rmtree(env, ignore_errors=True)
    env.mkdir(parents=True)
    install_log = env / "install.log"
    steps = [
        ("creating the environment", [sys.executable, "-m", "venv", str(env)]),
        ("pip install", [str(python), "-m", "pip", "install", "--no-deps", "-r", str(REQUIREMENTS)]),
        ("importing tensorflowjs", [str(python), "-c", "import tensorflowjs.converters.converter"]),
    ]
    with open(install_log, "w") as f:
        for what, command in steps:
            f.write(f"$ {' '.join(command)}\n")
            f.flush()
            if subprocess.run(command, stdout=f, stderr=subprocess.STDOUT, env=_quiet_env()).returncode != 0:
                raise UserError(
                    f"could not install the TF.js converter ({what} failed; it needs the package index "
                    f"and Python 3.9-3.12); see {install_log}"
                )
    marker.write_text(pins)
    return python


def _quiet_env():
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def convert_saved_model(saved_model_dir, out_dir, metadata=None, log=print):
    """Converts the `serving_default` signature of a SavedModel to a TF.js graph model in `out_dir`.

    Args:
        saved_model_dir: A SavedModel folder.
        out_dir: An empty or missing folder for `model.json` and its weight shards.
        metadata: A JSON-able dict, stored in `model.json` as
            `userDefinedMetadata.keras_gan` (the page reads `model.metadata`).
        log: Where progress messages go.
    """
    python = ensure_converter(log)
    command = [python, "-m", "tensorflowjs.converters.converter"]
    with tempfile.TemporaryDirectory() as tmp:
        if metadata is not None:
            meta = Path(tmp) / "keras_gan.json"
            meta.write_text(json.dumps(metadata))
            command += [f"--metadata=keras_gan:{meta}"]
        command += [
            "--input_format=tf_saved_model",
            "--output_format=tfjs_graph_model",
            "--signature_name=serving_default",
            str(saved_model_dir),
            str(out_dir),
        ]
        result = subprocess.run([str(c) for c in command], capture_output=True, text=True, env=_quiet_env())
    if result.returncode != 0 or not (Path(out_dir) / MODEL_JSON).exists():
        raise UserError(f"the TF.js converter failed: {last_line(result.stderr or result.stdout)}")


def export_tfjs(generator, out_dir, metadata=None, log=print):
    """Writes `generator` as a TF.js graph model into `out_dir` (via a temporary SavedModel)."""
    with tempfile.TemporaryDirectory() as tmp:
        saved_model = Path(tmp) / "saved_model"
        save_serving_model(browser_generator(generator), saved_model)
        convert_saved_model(saved_model, out_dir, metadata, log)
