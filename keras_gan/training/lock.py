"""An exclusive lock on a run folder, so that two training processes never write into one.

It is an advisory `fcntl.flock` on `RUN_DIR/.lock`, which holds the PID of
its owner. The kernel releases the lock when the process ends, however it
ends (SIGKILL included), so a lock left by a dead process never blocks.
Readers (generate, evaluate, export) take no lock: every file of a run is
replaced by an atomic rename, so they always read a whole file.
"""

import contextlib
import errno
import fcntl
import os
from pathlib import Path

from keras_gan import paths
from keras_gan.errors import UserError


@contextlib.contextmanager
def run_folder_lock(run_dir):
    """Holds the lock of `run_dir` (created if missing) while the block runs.

    Raises:
        UserError: another live process holds it; the message names the
            folder and that process' PID.
    """
    run_dir = Path(run_dir)
    lock_path = run_dir / paths.LOCK
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise UserError(f"cannot use {run_dir} as a run folder: {e.strerror}", argument="out") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise UserError(f"cannot lock {lock_path}: {e.strerror}", argument="out") from None
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise UserError(
                f"{run_dir} is in use by another training run (PID {owner}); wait for it to end or choose another "
                "`out`",
                argument="out",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
