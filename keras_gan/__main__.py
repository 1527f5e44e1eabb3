"""`python -m keras_gan`: the same as the `keras-gan` command."""

import sys

from keras_gan.cli import main

sys.exit(main())
