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
  plain loop: 588 of 599 ms for 64 dcgan digits. `browser_generator`
  rewrites each transposed convolution as the same computation done by a
  stride-1 `Conv2D` (which wasm runs with XNNPACK) and a depth-to-space
  shuffle, the "sub-pixel" form: 64 digits in 158 ms, same outputs to 1e-6.
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

from keras_gan.errors import UserError, last_line

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements-tfjs.txt"
ENV_VARIABLE = "KERAS_GAN_TFJS_ENV"
READY_MARKER = ".keras-gan-ready"
MODEL_JSON = "model.json"


def _requirements_hash():
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]


def converter_env(requirements_hash):
    """The converter's environment folder: `$KERAS_GAN_TFJS_ENV`, or one per requirements version in the user cache."""
    if os.environ.get(ENV_VARIABLE):
        return Path(os.environ[ENV_VARIABLE])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "keras-gan" / f"tfjs-converter-{requirements_hash}"


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
    requirements_hash = _requirements_hash()
    env = converter_env(requirements_hash)
    python = _env_python(env)
    marker = env / READY_MARKER
    if marker.exists() and marker.read_text().strip() == requirements_hash and python.exists():
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
    marker.write_text(requirements_hash)
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


def subpixel_kernel(kernel, strides):
    """The stride-1 convolution kernel that, followed by depth-to-space, equals a transposed convolution.

    A `Conv2DTranspose` with kernel K (k x k x C_out x C_in), stride s and
    "same" padding computes y[s*m + a] = sum_d x[m + d] K[a + p - s*d], where
    p = (k - s) // 2 and the sum runs over the d that index K in range. For
    each output phase (a_y, a_x) that is an ordinary correlation of x, so all
    s*s phases together are one `Conv2D` with s*s*C_out output channels,
    arranged as depth-to-space expects.

    Args:
        kernel: NumPy array [k, k, C_out, C_in], a Keras `Conv2DTranspose` kernel.
        strides: The transposed convolution's stride s (the same in both axes).

    Returns:
        (conv kernel [D, D, C_in, s*s*C_out], (pad_before, pad_after)): apply it
        with that zero padding on each spatial axis, stride 1.
    """
    import numpy as np

    k, _, c_out, c_in = kernel.shape
    s = strides
    p = max(k - s, 0) // 2
    offsets = [d for a in range(s) for d in range(-k, k + 1) if 0 <= a + p - s * d < k]
    d_min, d_max = min(offsets), max(offsets)
    size = d_max - d_min + 1
    out = np.zeros((size, size, c_in, s * s * c_out), kernel.dtype)
    for ay in range(s):
        for ax in range(s):
            phase = (ay * s + ax) * c_out
            for jy in range(size):
                ty = ay + p - s * (d_min + jy)
                for jx in range(size):
                    tx = ax + p - s * (d_min + jx)
                    if 0 <= ty < k and 0 <= tx < k:
                        out[jy, jx, :, phase : phase + c_out] = kernel[ty, tx].T
    return out, (-d_min, d_max)


def _subpixel_layer_class():
    import keras
    import numpy as np
    import tensorflow as tf

    class SubPixelConv2D(keras.layers.Layer):
        """`Conv2DTranspose` recomputed as `Conv2D` + depth-to-space (TensorFlow backend only)."""

        def __init__(self, transpose, **kwargs):
            super().__init__(name=transpose.name, dtype=transpose.dtype_policy, **kwargs)
            config = transpose.get_config()
            unsupported = {
                "padding": config["padding"] != "same",
                "data_format": config["data_format"] != "channels_last",
                "dilation_rate": tuple(config["dilation_rate"]) != (1, 1),
                "output_padding": config.get("output_padding") is not None,
                "strides": config["strides"][0] != config["strides"][1],
            }
            if any(unsupported.values()):
                bad = ", ".join(name for name, is_bad in unsupported.items() if is_bad)
                raise UserError(f"cannot export {transpose.name} to TF.js: unsupported {bad}")
            self.stride = config["strides"][0]
            kernel, (before, after) = subpixel_kernel(keras.ops.convert_to_numpy(transpose.kernel), self.stride)
            self.padding = "SAME" if before == after == (kernel.shape[0] - 1) // 2 else [
                [0, 0], [before, after], [before, after], [0, 0]
            ]  # fmt: skip
            self.kernel = self.add_weight(shape=kernel.shape, initializer="zeros", trainable=False, name="kernel")
            self.kernel.assign(kernel)
            self.bias = None
            if transpose.use_bias:
                bias = keras.ops.convert_to_numpy(transpose.bias)
                shape = (bias.size * self.stride**2,)
                self.bias = self.add_weight(shape=shape, initializer="zeros", trainable=False, name="bias")
                self.bias.assign(np.tile(bias, self.stride**2))
            self.activation = transpose.activation

        def call(self, x):
            y = tf.nn.conv2d(x, self.kernel, strides=1, padding=self.padding)
            if self.bias is not None:
                y = tf.nn.bias_add(y, self.bias)
            if self.stride > 1:
                y = tf.nn.depth_to_space(y, self.stride)
            return self.activation(y)

    return SubPixelConv2D


def browser_generator(generator):
    """A copy of `generator` with every `Conv2DTranspose` in sub-pixel form; same outputs, faster in TF.js."""
    import keras

    subpixel = _subpixel_layer_class()

    def clone(layer):
        if isinstance(layer, keras.layers.Conv2DTranspose):
            return subpixel(layer)
        return layer.__class__.from_config(layer.get_config())

    model = keras.models.clone_model(generator, clone_function=clone)
    for old, new in zip(generator.layers, model.layers):
        if not isinstance(old, keras.layers.Conv2DTranspose):
            new.set_weights(old.get_weights())
    return model


def export_tfjs(generator, out_dir, metadata=None, log=print):
    """Writes `generator` as a TF.js graph model into `out_dir` (via a temporary SavedModel)."""
    from keras_gan.export import save_serving_model

    with tempfile.TemporaryDirectory() as tmp:
        saved_model = Path(tmp) / "saved_model"
        save_serving_model(browser_generator(generator), saved_model)
        convert_saved_model(saved_model, out_dir, metadata, log)
