"""The full training state in one atomically written `.npz` file.

A checkpoint holds everything needed to continue a run as if it had never
stopped: both networks (batch-norm statistics included), both optimizers'
state (Adam's moments and step count), the noise stream's RNG state, the
fixed grid noise and the number of completed epochs. The data order needs no
state: it is a function of (seed, epoch), see `keras_gan.training.data.make_dataset`.

It is a plain `.npz` so it works on any Keras backend and can be inspected
with `numpy.load`. Each variable is stored with its path, and loading checks
those paths against the model's: a checkpoint of other networks, or of the
same shapes in another order, is refused instead of loaded into the wrong
variables.
"""

import json
import re
import zipfile

import keras
import numpy as np

from keras_gan.errors import UserError
from keras_gan.files import save_npz


def variable_groups(gan):
    """The variables a checkpoint holds, by group: both networks, both optimizers, the noise stream.

    Not the optimizers' learning rates: the config sets them, and a rate
    given as a schedule (`lr_decay`) has no variable at all.
    """
    return {
        "generator": gan.generator.variables,
        "discriminator": gan.discriminator.variables,
        "g_optimizer": [v for v in gan.g_optimizer.variables if not _is_learning_rate(v.path)],
        "d_optimizer": [v for v in gan.d_optimizer.variables if not _is_learning_rate(v.path)],
        "rng": [gan.seed_generator.state],
    }


def _is_learning_rate(path):
    return path.rsplit("/", 1)[-1] == "learning_rate"


def structural_path(variable):
    """A variable's path without Keras' per-process numbering ("dense_3/kernel" -> "dense/kernel").

    Auto-generated layer names count the layers made so far in the process,
    so the same network gets other numbers in another process; what stays is
    the layer type, the variable's name and its order.
    """
    return _without_numbering(variable.path)


def _without_numbering(path):
    # "dense_3/kernel" and "adam/dense_3_kernel_momentum" lose their "_3".
    return re.sub(r"_\d+(?=/|_|$)", "", path)


def save_checkpoint(gan, path, epoch, grid_noise):
    """Writes the training state of a compiled `GAN` to `path` atomically.

    Args:
        gan: A compiled `keras_gan.core.engine.GAN`.
        path: Target `.npz` file; replaced only once the new one is complete.
        epoch: Number of completed epochs.
        grid_noise: The fixed noise of the per-epoch image grid.
    """
    arrays = {"epoch": np.int64(epoch), "grid_noise": np.asarray(grid_noise)}
    layout = {}
    for group, variables in variable_groups(gan).items():
        layout[group] = [structural_path(v) for v in variables]
        for i, variable in enumerate(variables):
            arrays[f"{group}/{i:03d}"] = keras.ops.convert_to_numpy(variable)
    arrays["layout"] = np.asarray(json.dumps(layout))
    save_npz(path, **arrays)


def read_checkpoint(path):
    """Every array of a checkpoint file, read in one pass (the zip's CRC-32 checks included).

    Raises:
        UserError: the file is missing, unreadable or corrupt.
    """
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise UserError(f"{path}: no checkpoint here; was this run folder made by keras-gan train?") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise UserError(f"{path}: corrupt checkpoint ({type(e).__name__}: {reason})") from None
    missing = [key for key in ("epoch", "grid_noise", "layout") if key not in arrays]
    if missing:
        raise UserError(f"{path}: not a keras-gan checkpoint (missing {missing})")
    return arrays


def load_checkpoint(gan, path):
    """Restores the state written by `save_checkpoint` into a compiled `GAN`.

    Nothing is assigned until every group has passed its checks, so a
    refused checkpoint leaves the model as it was.

    Returns:
        (completed_epochs, grid_noise).

    Raises:
        UserError: the file is missing or corrupt, or was written for other
            networks (a different arch, latent size or variable order).
    """
    arrays = read_checkpoint(path)
    try:
        layout = json.loads(str(arrays["layout"]))
    except ValueError:
        raise UserError(f"{path}: corrupt checkpoint (its variable layout is not JSON)") from None
    assignments = []
    for group, variables in variable_groups(gan).items():
        saved = sorted(k for k in arrays if k.startswith(group + "/"))
        saved_paths = layout.get(group, [])
        if len(saved) == len(saved_paths):
            # Checkpoints from before 2026-12-03 also hold the learning rates: skip them.
            kept = [(k, p) for k, p in zip(saved, saved_paths) if not _is_learning_rate(p)]
            saved, saved_paths = [k for k, _ in kept], [p for _, p in kept]
        if len(saved) != len(variables) or len(saved_paths) != len(variables):
            raise UserError(
                f"{path}: {group} has {len(saved)} variables, the model has {len(variables)}; "
                "the checkpoint belongs to a different architecture"
            )
        for key, saved_path, variable in zip(saved, saved_paths, variables):
            # Checkpoints written before structural paths stored the raw ones.
            saved_path = _without_numbering(saved_path)
            if saved_path != structural_path(variable):
                raise UserError(
                    f"{path}: {group} variable {key.split('/')[-1]} is {saved_path} in the checkpoint but "
                    f"{structural_path(variable)} in the model; the checkpoint belongs to other networks"
                )
            if tuple(arrays[key].shape) != tuple(variable.shape):
                raise UserError(
                    f"{path}: {variable.path} has shape {arrays[key].shape} in the checkpoint, "
                    f"{tuple(variable.shape)} in the model"
                )
            assignments.append((variable, arrays[key]))
    for variable, value in assignments:
        variable.assign(value)
    return int(arrays["epoch"]), arrays["grid_noise"]
