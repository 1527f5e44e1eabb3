"""Atomic file writes: a crash or a full disk never leaves a half-written file.

Every output that a later step reads back (checkpoints, models, configs,
images, samples, exports) is written to a temporary file in the same folder,
then renamed over the target. A rename within one file system is atomic on
POSIX, so readers see the old file or the new one, never a mix. A failed
write (disk full, read-only folder, no permission) leaves the old file as it
was and becomes one `UserError` that names the file and the OS error.
"""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from keras_gan.errors import UserError


def write_error(path, error):
    """The one-line `UserError` for an `OSError` met while writing `path`."""
    reason = error.strerror or (str(error).splitlines() or [type(error).__name__])[0]
    return UserError(f"cannot write {path}: {reason}; the previous file, if any, is unchanged")


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path next to `path`; renames it to `path` on success.

    The temporary name keeps the target's suffixes, because some writers
    (Keras' `model.save`, `save_weights`, Pillow) choose the format from
    them. On any exception the temporary file is removed and the target is
    left as it was; an `OSError` becomes a `UserError`.

    Example:

    >>> with atomic_path("run/generator.keras") as tmp:
    ...     model.save(tmp)
    """
    path = Path(path)
    # Keep every suffix: Keras wants "x.weights.h5", not just ".h5".
    suffixes = "".join(path.suffixes)
    stem = path.name[: len(path.name) - len(suffixes)] if suffixes else path.name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=f".tmp{suffixes}", dir=path.parent)
        os.close(fd)
    except OSError as e:
        raise write_error(path, e) from None
    tmp = Path(tmp)
    try:
        # mkstemp makes the file private (0600); give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        raise write_error(path, e) from None
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
        UserError: `path` exists and `replace` is False, or a write failed.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    except OSError as e:
        raise write_error(path, e) from None
    try:
        yield tmp
        if path.exists():
            if not replace:
                raise UserError(f"{path} already exists; replace it with `force`", argument="force")
            old = path.with_name(f"{tmp.name}.old")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except OSError as e:
        raise write_error(path, e) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def atomic_write_text(path, text):
    """Writes `text` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def save_npz(path, **arrays):
    """Writes arrays to an `.npz` file, atomically (`np.savez` on a file object
    does not append another ".npz" to the temporary name)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def save_npy(path, array):
    """Writes one array to an `.npy` file, atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, array)


def save_keras(model, path):
    """Saves a Keras model as a `.keras` file, atomically."""
    with atomic_path(path) as tmp:
        model.save(tmp)
