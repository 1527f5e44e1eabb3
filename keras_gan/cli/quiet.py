"""Hides TensorFlow's native start-up lines, which `TF_CPP_MIN_LOG_LEVEL` no longer reaches.

TensorFlow 2.21 logs through Abseil, and Abseil writes every message to
stderr until `absl::InitializeLog()` is called, which TensorFlow never does
(tensorflow/tensorflow#102212, abseil/abseil-cpp#1957). So importing it
prints "All log messages before absl::InitializeLog() ..." and an INFO line
about oneDNN, twice, whatever the level. The CLI catches stderr at the file
descriptor while the backend loads, then writes back every line but those,
so warnings, errors and tracebacks from the import still show.
"""

import contextlib
import os
import re
import sys
import tempfile

# Abseil's own notice, and INFO lines in its format ("I0000 00:00:1796624305.958040   20743 port.cc:153] ...").
_ABSL_NOTICE = "All log messages before absl::InitializeLog() is called are written to STDERR"
_ABSL_INFO = re.compile(r"^I\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.\-/]+:\d+\] ")


def is_startup_noise(line, min_log_level):
    """Whether a stderr line is start-up chatter that `TF_CPP_MIN_LOG_LEVEL` >= 1 means to hide."""
    if min_log_level < 1:
        return False
    return _ABSL_NOTICE in line or bool(_ABSL_INFO.match(line))


def _min_log_level():
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


@contextlib.contextmanager
def quiet_native_startup():
    """Within the block, stderr (the descriptor, as C++ writes it) is filtered by `is_startup_noise`.

    Lines are held until the block ends, so use it around imports, not
    around work that reports progress.
    """
    fd = 2  # where the C++ side writes, whatever object sys.stderr is
    try:
        os.fstat(fd)
    except OSError:  # started with stderr closed: nothing to filter
        yield
        return
    level = _min_log_level()
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), fd)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, fd)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
            kept = [line for line in text.splitlines(keepends=True) if not is_startup_noise(line, level)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
