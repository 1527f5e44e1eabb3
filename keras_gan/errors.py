"""The one exception type that the command-line tools turn into a one-line message."""


class UserError(Exception):
    """Bad input from the user: a flag, a file or a folder that cannot be used.

    The CLIs print `str(error)` on one line and exit with status 2, without a
    traceback. Library callers can catch it like any other exception.
    """


class TrainingFailure(Exception):
    """Training went wrong in a way that more epochs will not fix (NaN, collapse).

    Raised by `keras_gan.callbacks.Watchdog` with a one-line diagnosis. The
    run folder keeps the last good checkpoint; the CLI prints the diagnosis
    and exits with status 1.
    """


def last_line(output):
    """The last non-blank line of a failed command's output: the one-line reason to show."""
    lines = [line for line in (output or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"
