"""`python -m keras_gan.export`: an alias of `keras-gan export`."""

import sys

from keras_gan.cli import run_command

sys.exit(run_command("export", sys.argv[1:], prog="python -m keras_gan.export"))
