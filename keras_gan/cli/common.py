"""What every subcommand shares: a parser that reports bad input in one line, and exit codes.

The library names arguments in the Keras form ("`epochs` must be ...");
here, and only here, they become the flags the user typed (`--epochs`).
"""

import argparse
import re
import signal

from keras_gan.errors import Interrupted, TrainingFailure, UserError

EXIT_FAILED = 1  # training failed (NaN, collapse) or the machine refused (memory)
EXIT_USAGE = 2  # bad input: a flag, a file or a folder


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except empty ones whose meaning the help text gives."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False or action.default in ("", argparse.SUPPRESS):
            return action.help
        return super()._get_help_string(action)


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage dump) with exit 2, and shows defaults in --help."""

    def __init__(self, *args, formatter_class=_HelpFormatter, **kwargs):
        super().__init__(*args, formatter_class=formatter_class, **kwargs)

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def flag_names(parser):
    """Argument name -> the flag that sets it (`batch_size` -> `--batch-size`), from the parser's own actions."""
    names = {}
    for action in parser._actions:
        long_flags = [s for s in action.option_strings if s.startswith("--") and not s.startswith("--no-")]
        names[action.dest] = long_flags[0] if long_flags else action.metavar or action.dest.upper()
    return names


def user_message(error, parser):
    """`error`'s message with the library's argument names (`epochs`) written as flags (--epochs)."""
    flags = flag_names(parser)
    message = re.sub(r"`(\w+)`", lambda m: flags.get(m.group(1), m.group(0)), str(error))
    return " ".join(message.split())  # one line, whatever the library wrote


def run(parser, body, argv):
    """Parses `argv`, runs `body(args)` and turns the library's exceptions into one line and an exit code.

    Returns:
        The exit status: `body`'s return value (0 if None), 2 for bad input,
        1 for a failed run, 130 or 143 for an interrupted one.
    """
    args = parser.parse_args(argv)
    try:
        return body(args) or 0
    except UserError as e:
        parser.error(user_message(e, parser))
    except TrainingFailure as e:
        parser.exit(EXIT_FAILED, f"{parser.prog}: stopped: {' '.join(str(e).split())}\n")
    except Interrupted as e:
        return 128 + e.signal_number
    except KeyboardInterrupt:
        parser.exit(128 + signal.SIGINT, f"{parser.prog}: interrupted\n")
    except MemoryError:
        parser.exit(EXIT_FAILED, f"{parser.prog}: error: out of memory; ask for less (a smaller --n or batch)\n")
