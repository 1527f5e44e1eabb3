"""The exceptions that the command line turns into one-line messages."""


class UserError(Exception):
    """Bad input from the user: an argument, a file or a folder that cannot be used.

    Library code names the argument the way Keras does ("`epochs` must be a
    positive integer. Received: epochs=0") and passes its name as
    `argument`; the command line rewrites that name as its flag
    (`--epochs`), prints the message on one line and exits with status 2.

    Args:
        message: What was expected and what was received, on one line.
        argument: The name of the argument at fault, if there is one.
    """

    def __init__(self, message, argument=None):
        super().__init__(message)
        self.argument = argument


class TrainingFailure(Exception):
    """Training went wrong in a way that more epochs will not fix (NaN, collapse).

    Raised by the watchdog with a one-line diagnosis. The run folder keeps
    the last good checkpoint; the command line prints the diagnosis and
    exits with status 1.
    """


class Interrupted(Exception):
    """Training stopped early on a signal (SIGINT or SIGTERM), at a step boundary.

    Args:
        signal_number: The signal that asked for the stop.
        epochs_done: Epochs whose checkpoint is complete.
        run_dir: The run folder, once known.
    """

    def __init__(self, signal_number, epochs_done, run_dir=None):
        super().__init__(f"stopped by signal {signal_number} after {epochs_done} complete epoch(s)")
        self.signal_number = signal_number
        self.epochs_done = epochs_done
        self.run_dir = run_dir


def invalid(name, value, expected):
    """A `UserError` in the Keras form: "`name` must be EXPECTED. Received: name=VALUE"."""
    return UserError(f"`{name}` must be {expected}. Received: {name}={value!r}", argument=name)


def last_line(output):
    """The last non-blank line of a failed command's output: the one-line reason to show."""
    lines = [line for line in (output or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"
