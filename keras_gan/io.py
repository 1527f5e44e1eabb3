"""Atomic file writes: a crash mid-write never leaves a half-written file.

Every output that a later step reads back (checkpoints, models, configs,
images) is written to a temporary file in the same folder, then renamed over
the target. A rename within one file system is atomic on POSIX.
"""

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path next to `path`; renames it to `path` on success.

    The temporary name keeps the target's suffixes, because some writers
    (Keras' `model.save`, `save_weights`, Pillow) choose the format from them. On an exception the
    temporary file is removed and the target is left as it was.

    Example:

    >>> with atomic_path("run/generator.keras") as tmp:
    ...     model.save(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Keep every suffix: Keras wants "x.weights.h5", not just ".h5".
    suffixes = "".join(path.suffixes)
    stem = path.name[: len(path.name) - len(suffixes)] if suffixes else path.name
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=f".tmp{suffixes}", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    # mkstemp makes the file private (0600); give it the usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o666 & ~umask)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path, replace=False):
    """Yields a temporary folder next to `path`; renames it to `path` on success.

    For outputs that are folders (a SavedModel, a TF.js model). An existing
    `path` is swapped out only when the new folder is complete, and only if
    `replace`; on an exception the temporary folder is removed and `path`
    is left as it was.

    Raises:
        FileExistsError: `path` exists and `replace` is False.
    """
    import shutil

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        yield tmp
        if path.exists():
            if not replace:
                raise FileExistsError(f"{path} already exists")
            old = path.with_name(f"{tmp.name}.old")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def atomic_write_text(path, text):
    """Writes `text` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def save_npz(path, **arrays):
    """Writes arrays to an `.npz` file, atomically (`np.savez` on a file object
    does not append another ".npz" to the temporary name)."""
    import numpy as np

    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def save_npy(path, array):
    """Writes one array to an `.npy` file, atomically."""
    import numpy as np

    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, array)


def save_keras(model, path):
    """Saves a Keras model as a `.keras` file, atomically."""
    with atomic_path(path) as tmp:
        model.save(tmp)
