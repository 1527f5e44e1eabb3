"""Where things live: the files of a run folder, the package's own data, and the user cache.

Every module asks here instead of spelling a file name itself, so a run
folder has one layout, and an installed package never reads the repository.
"""

import os
from pathlib import Path

from keras_gan.errors import UserError, invalid

PACKAGE_DIR = Path(__file__).resolve().parent

# The files of a run folder (docs/cli.md "Outputs").
CONFIG = "config.json"
METRICS = "metrics.csv"
CHECKPOINT = "checkpoint.npz"
GENERATOR = "generator.keras"
BEST_GENERATOR = "best_generator.keras"
EVAL = "eval.json"
LOCK = ".lock"
EXPORT_DIR = "export"
# What `export` writes: a SavedModel for TF Serving, a TF.js graph model for the browser.
EXPORT_FORMATS = ("saved_model", "tfjs")


def cache_dir():
    """The user cache of keras-gan: `$XDG_CACHE_HOME/keras-gan`, or `~/.cache/keras-gan`.

    It holds what is installed on first use (the TF.js converter's Python
    environment, TF.js itself for the demo) and exports of the pretrained
    generators.
    """
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "keras-gan"


def export_dir(run_dir, fmt, version=1, base=None):
    """Where an export of `run_dir` goes: `BASE/saved_model/<version>` or `BASE/tfjs`.

    `base` defaults to the run folder's `export/`.
    """
    base = Path(base) if base is not None else Path(run_dir) / EXPORT_DIR
    return base / "saved_model" / str(version) if fmt == "saved_model" else base / fmt


PRETRAINED_DIR = PACKAGE_DIR / "pretrained"
PRETRAINED = ("dcgan", "cdcgan")


def pretrained_dir(name):
    """The run folder of a generator that ships with the package (`generator.keras`, `config.json`, `eval.json`).

    Raises:
        UserError: `name` is not one of `PRETRAINED`, or its files are missing.
    """
    if name not in PRETRAINED:
        raise invalid("pretrained", name, f"one of {list(PRETRAINED)}")
    folder = PRETRAINED_DIR / name
    if not (folder / GENERATOR).is_file():
        raise UserError(f"{folder / GENERATOR} is missing from this installation; reinstall keras-gan")
    return folder
