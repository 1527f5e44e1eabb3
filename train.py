"""Train a GAN on MNIST. Run `python train.py --help` for the flags."""

import os
import sys

# Quiet TensorFlow's start-up banner; warnings and errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

from keras_gan.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
