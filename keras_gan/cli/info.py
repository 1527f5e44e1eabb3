"""`keras-gan info`: what to paste into a bug report."""

import importlib.metadata
import os
import platform
import sys

from keras_gan import paths
from keras_gan.cli.common import OneLineErrorParser, run
from keras_gan.version import __version__


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _state(ready):
    return "ready" if ready else "not installed yet; installed on first use"


def collect():
    """The report as (name, value) rows: versions, backend, devices, caches."""
    import keras  # deferred: `keras-gan --help` should not wait for TensorFlow

    try:
        import tensorflow as tf  # deferred, and optional: a JAX-only machine has none
    except ImportError:
        tf = None
    rows = [
        ("keras-gan", f"{__version__} ({paths.PACKAGE_DIR})"),
        ("python", f"{platform.python_version()} ({sys.executable})"),
        ("platform", platform.platform()),
        ("tensorflow", tf.__version__ if tf else "not installed (the JAX backend trains without it)"),
        ("keras", keras.__version__),
        ("jax", _version("jax")),
        ("numpy", _version("numpy")),
        ("keras backend", keras.backend.backend()),
        ("devices", ", ".join(_devices(keras.backend.backend(), tf)) or "none"),
        ("cache", str(paths.cache_dir())),
    ]
    if tf:
        from keras_gan.demo.server import tfjs_dir  # deferred: the exports import TensorFlow
        from keras_gan.export.tfjs import READY_MARKER, REQUIREMENTS, converter_env, requirements_hash

        converter = converter_env(requirements_hash())
        rows += [
            ("tf.js converter env", f"{converter} ({_state((converter / READY_MARKER).exists())})"),
            ("tf.js converter pins", str(REQUIREMENTS)),
            ("tf.js for the demo", f"{tfjs_dir()} ({_state(tfjs_dir().exists())})"),
        ]
    else:
        rows.append(("exports (SavedModel, TF.js)", "need TensorFlow"))
    return rows + [
        ("mnist cache", str(os.path.join(os.path.expanduser("~"), ".keras", "datasets", "mnist.npz"))),
        ("pretrained", ", ".join(f"{n} ({paths.PRETRAINED_DIR / n})" for n in paths.PRETRAINED)),
    ]


def _devices(backend, tf):
    if backend == "jax":
        import jax  # deferred: only on the JAX backend

        return [f"{d.platform.upper()}:{d.id}" for d in jax.devices()]
    return [f"{d.device_type}:{d.name.rsplit(':', 1)[-1]}" for d in tf.config.list_physical_devices()] if tf else []


def build_parser(prog="keras-gan info"):
    return OneLineErrorParser(prog=prog, description="Print versions, devices and cache locations for a bug report.")


def main(argv=None, prog="keras-gan info"):
    parser = build_parser(prog)

    def body(args):
        rows = collect()
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            print(f"{name:<{width}}  {value}")

    return run(parser, body, argv)
