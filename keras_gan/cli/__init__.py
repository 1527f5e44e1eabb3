"""The `keras-gan` command: one subcommand per job, each a thin layer over the library.

This package is the only one that knows flags and exit codes; nothing in
the library imports it. Subcommand modules are imported only when chosen,
so `keras-gan --help` and `--version` answer without loading TensorFlow.
"""

import importlib
import os
import sys

from keras_gan.cli.quiet import quiet_native_startup
from keras_gan.version import __version__

COMMANDS = {
    "train": "train a GAN on MNIST into a run folder",
    "generate": "sample digits from a trained or pretrained generator",
    "evaluate": "score digits: FCD, precision/recall, coverage, memorization",
    "export": "export a generator for TF Serving (SavedModel) or the browser (TF.js)",
    "demo": "serve the browser demo page for a generator",
    "info": "versions, devices and caches, for a bug report",
}

USAGE = (
    "usage: keras-gan [--version] [--help] COMMAND [ARGS]\n\ncommands:\n"
    + "".join(f"  {name:<10}{text}\n" for name, text in COMMANDS.items())
    + "\nRun keras-gan COMMAND --help for its flags."
)


def main(argv=None):
    """Entry point of the `keras-gan` console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "--version":
        print(f"keras-gan {__version__}")
        return 0
    command = argv[0]
    if command not in COMMANDS:
        print(f"keras-gan: error: unknown command {command!r}; expected one of {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    return run_command(command, argv[1:])


def run_command(command, argv, prog=None):
    """Runs one subcommand's `main` (also what the `train.py` and `python -m` aliases call)."""
    # Quiet TensorFlow's start-up banner; warnings and errors still show.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    with quiet_native_startup():
        _load_backend()
        module = importlib.import_module(f"keras_gan.cli.{command}")
    return module.main(argv, prog=prog or f"keras-gan {command}")


def _load_backend():
    # Here rather than at first use (as `info` defers it), so that its start-up lines meet the filter.
    try:
        importlib.import_module("keras")
    except ImportError:
        pass  # the command that needs Keras says so itself, with a clearer message
