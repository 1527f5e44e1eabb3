"""Sample digits from a trained generator.

    python -m keras_gan.generate RUN_DIR_OR_GENERATOR --n 10000 --seed 0 --out PREFIX

writes `PREFIX.npy` (uint8 [n, 28, 28], white digit on black, like MNIST)
and `PREFIX.png` (a grid of the first 64). A conditional generator draws the
digit given by `--digit`, or uniform digits whose labels go to
`PREFIX_labels.npy`.
"""

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


def is_conditional(generator):
    """A conditional generator takes [z, labels]."""
    return len(generator.inputs) == 2


def latent_dim_of(generator):
    """The length of the generator's z."""
    return int(generator.inputs[0].shape[-1])


def generate(generator, n, seed=0, digit=None, batch_size=500):
    """Draws `n` digits from z ~ N(0, 1) seeded by `seed`.

    Args:
        generator: An unconditional or conditional generator.
        n: Number of digits.
        seed: Seeds z (and the labels of a conditional generator).
        digit: For a conditional generator, the digit to draw; `None` draws
            labels uniformly.
        batch_size: Digits per forward pass.

    Returns:
        (uint8 images [n, 28, 28], int labels [n] or `None` when unconditional).
    """
    from keras_gan.images import to_uint8

    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, latent_dim_of(generator))).astype(np.float32)
    if not is_conditional(generator):
        if digit is not None:
            raise UserError("--digit needs a conditional generator (--arch cgan or cdcgan)")
        return to_uint8(generator.predict(z, batch_size=batch_size, verbose=0)), None
    if digit is not None and not 0 <= digit <= 9:
        raise UserError(f"--digit must be 0..9. Received: {digit}")
    labels = np.full(n, digit, np.int32) if digit is not None else rng.integers(0, 10, n).astype(np.int32)
    return to_uint8(generator.predict([z, labels], batch_size=batch_size, verbose=0)), labels


def save_samples(samples, prefix, labels=None):
    """Writes `PREFIX.npy`, `PREFIX.png` and, given labels, `PREFIX_labels.npy`, each atomically."""
    from keras_gan.images import make_grid, save_png
    from keras_gan.io import save_npy

    prefix = Path(prefix)
    npy, png = prefix.with_name(prefix.name + ".npy"), prefix.with_name(prefix.name + ".png")
    save_npy(npy, samples)
    if labels is not None:
        save_npy(prefix.with_name(prefix.name + "_labels.npy"), labels)
    save_png(make_grid(samples, GRID_ROWS), png)
    return npy, png


def main(argv=None):
    from keras_gan.cli import OneLineErrorParser

    parser = OneLineErrorParser(
        prog="python -m keras_gan.generate",
        description="Sample digits from a trained generator into PREFIX.npy and PREFIX.png.",
    )
    parser.add_argument("source", metavar="RUN_DIR_OR_GENERATOR", help="a run folder or a .keras file")
    parser.add_argument("--n", type=int, default=10000, help="number of digits")
    parser.add_argument("--seed", type=int, default=0, help="noise seed; the same seed gives the same digits")
    parser.add_argument("--out", default="samples", metavar="PREFIX", help="writes PREFIX.npy and PREFIX.png")
    parser.add_argument("--digit", type=int, help="conditional generators only: draw this digit (0..9)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"--n must be a positive integer. Received: {args.n}")
    try:
        generator = load_generator(args.source)
        samples, labels = generate(generator, args.n, args.seed, args.digit)
        npy, png = save_samples(samples, args.out, labels)
    except UserError as e:
        parser.error(str(e))
    print(f"Wrote {npy} and {png}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    sys.exit(main())
