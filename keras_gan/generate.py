"""Sample digits from a trained generator.

    python -m keras_gan.generate RUN_DIR_OR_GENERATOR --n 10000 --seed 0 --out PREFIX

writes `PREFIX.npy` (uint8 [n, 28, 28], white digit on black, like MNIST)
and `PREFIX.png` (a grid of the first 64).
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from keras_gan.errors import UserError

GRID_ROWS = 8


def load_generator(source):
    """Loads a generator from a run folder, a `generator.keras` or a whole-GAN `.keras`."""
    import keras

    from keras_gan import engine  # noqa: F401  (registers GAN for whole-model files)
    from keras_gan.training import GENERATOR_NAME

    path = Path(source)
    if path.is_dir():
        path = path / GENERATOR_NAME
    if not path.exists():
        raise UserError(f"{path}: not found; pass a run folder holding {GENERATOR_NAME} or a .keras file")
    try:
        model = keras.saving.load_model(path)
    except Exception as e:
        raise UserError(f"{path}: cannot load this model ({type(e).__name__}: {str(e).splitlines()[0]})") from None
    return getattr(model, "generator", model)


def generate(generator, n, seed=0, batch_size=500):
    """Draws `n` digits as uint8 [n, 28, 28] from z ~ N(0, 1) seeded by `seed`."""
    from keras_gan.images import to_uint8

    latent_dim = generator.input_shape[-1]
    z = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)
    return to_uint8(generator.predict(z, batch_size=batch_size, verbose=0))


def save_samples(samples, prefix):
    """Writes `PREFIX.npy` and the grid `PREFIX.png`, each atomically."""
    from keras_gan.images import make_grid, save_png
    from keras_gan.io import atomic_path

    prefix = Path(prefix)
    npy, png = prefix.with_name(prefix.name + ".npy"), prefix.with_name(prefix.name + ".png")
    with atomic_path(npy) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, samples)
    save_png(make_grid(samples, GRID_ROWS), png)
    return npy, png


def main(argv=None):
    from keras_gan.cli import OneLineErrorParser

    parser = OneLineErrorParser(
        prog="python -m keras_gan.generate",
        description="Sample digits from a trained generator into PREFIX.npy and PREFIX.png.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("source", metavar="RUN_DIR_OR_GENERATOR", help="a run folder or a .keras file")
    parser.add_argument("--n", type=int, default=10000, help="number of digits")
    parser.add_argument("--seed", type=int, default=0, help="noise seed; the same seed gives the same digits")
    parser.add_argument("--out", default="samples", metavar="PREFIX", help="writes PREFIX.npy and PREFIX.png")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"--n must be a positive integer. Received: {args.n}")
    try:
        generator = load_generator(args.source)
        npy, png = save_samples(generate(generator, args.n, args.seed), args.out)
    except UserError as e:
        parser.exit(2, f"{parser.prog}: error: {e}\n")
    print(f"Wrote {npy} and {png}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    sys.exit(main())
