"""The one exception type that the command-line tools turn into a one-line message."""


class UserError(Exception):
    """Bad input from the user: a flag, a file or a folder that cannot be used.

    The CLIs print `str(error)` on one line and exit with status 2, without a
    traceback. Library callers can catch it like any other exception.
    """
