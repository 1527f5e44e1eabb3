"""Train a GAN on MNIST: `python train.py --arch dcgan`, an alias of `keras-gan train`.

Run `python train.py --help` for the flags.
"""

import sys

from keras_gan.cli import run_command

if __name__ == "__main__":
    sys.exit(run_command("train", sys.argv[1:], prog="train.py"))
