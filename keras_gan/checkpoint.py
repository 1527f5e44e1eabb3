"""The full training state in one atomically written `.npz` file.

A checkpoint holds everything needed to continue a run as if it had never
stopped: both networks (batch-norm statistics included), both optimizers'
state (Adam's moments and step count), the noise stream's RNG state, the
fixed grid noise and the number of completed epochs. The data order needs no
state: it is a function of (seed, epoch), see `keras_gan.data.make_dataset`.

It is a plain `.npz` so it works on any Keras backend and can be inspected
with `numpy.load`.
"""

import json

import keras
import numpy as np

from keras_gan.errors import UserError
from keras_gan.io import save_npz

CHECKPOINT_NAME = "checkpoint.npz"


def _variable_groups(gan):
    return {
        "generator": gan.generator.variables,
        "discriminator": gan.discriminator.variables,
        "g_optimizer": gan.g_optimizer.variables,
        "d_optimizer": gan.d_optimizer.variables,
        "rng": [gan.seed_generator.state],
    }


def save_checkpoint(gan, path, epoch, grid_noise):
    """Writes the training state of a compiled `GAN` to `path` atomically.

    Args:
        gan: A compiled `keras_gan.engine.GAN`.
        path: Target `.npz` file; replaced only once the new one is complete.
        epoch: Number of completed epochs.
        grid_noise: The fixed noise of the per-epoch image grid.
    """
    arrays = {"epoch": np.int64(epoch), "grid_noise": np.asarray(grid_noise)}
    layout = {}
    for group, variables in _variable_groups(gan).items():
        layout[group] = [v.path for v in variables]
        for i, variable in enumerate(variables):
            arrays[f"{group}/{i:03d}"] = keras.ops.convert_to_numpy(variable)
    arrays["layout"] = np.asarray(json.dumps(layout))
    save_npz(path, **arrays)


def load_checkpoint(gan, path):
    """Restores the state written by `save_checkpoint` into a compiled `GAN`.

    Returns:
        (completed_epochs, grid_noise).

    Raises:
        UserError: the file is missing or corrupt, or was written for other
            networks (a different arch or latent size).
    """
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise UserError(f"{path}: no checkpoint here; was this run folder made by train.py?") from None
    except Exception as e:
        raise UserError(f"{path}: corrupt checkpoint ({type(e).__name__}: {e})") from None
    for group, variables in _variable_groups(gan).items():
        saved = sorted(k for k in arrays if k.startswith(group + "/"))
        if len(saved) != len(variables):
            raise UserError(
                f"{path}: {group} has {len(saved)} variables, the model has {len(variables)}; "
                "the checkpoint belongs to a different architecture"
            )
        for key, variable in zip(saved, variables):
            if tuple(arrays[key].shape) != tuple(variable.shape):
                raise UserError(
                    f"{path}: {variable.path} has shape {arrays[key].shape} in the checkpoint, "
                    f"{tuple(variable.shape)} in the model"
                )
        for key, variable in zip(saved, variables):
            variable.assign(arrays[key])
    return int(arrays["epoch"]), arrays["grid_noise"]
