"""keras-gan: handwritten-digit GANs on MNIST in Keras 3.

The Python API, for notebooks and scripts:

>>> from keras_gan import TrainConfig, train, load_generator, generate, evaluate
>>> run_dir = train(TrainConfig(arch="dcgan", data="mnist.npz"))
>>> digits, _ = generate(load_generator(run_dir), 1000, seed=0)
>>> evaluate(digits)["fcd"]

The names load on first use, so `import keras_gan` (and the `keras-gan`
command's `--help`) does not wait for TensorFlow. The package layout, from
the algorithm up to the command line, is in docs/development.md.
"""

import importlib

from keras_gan.version import __version__

# Public name -> the module that defines it.
_API = {
    "GAN": "keras_gan.core.engine",
    "TrainConfig": "keras_gan.training.config",
    "train": "keras_gan.training.run",
    "load_generator": "keras_gan.core.sampling",
    "generate": "keras_gan.core.sampling",
    "evaluate": "keras_gan.evaluation.report",
    "UserError": "keras_gan.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name):
    if name not in _API:
        raise AttributeError(f"module 'keras_gan' has no attribute {name!r}")
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_API))
