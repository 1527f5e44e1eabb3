"""`export(source, fmt)`: a trained generator as a SavedModel for TF Serving or a TF.js graph model.

Every export is built in a temporary folder and renamed into place, so a
failed export leaves nothing half-written, and an existing export is
replaced only when asked.
"""

from pathlib import Path

from keras_gan import paths
from keras_gan.core.engine import all_finite
from keras_gan.core.sampling import is_conditional, latent_dim_of, load_generator
from keras_gan.errors import UserError, invalid
from keras_gan.export import tfjs
from keras_gan.export.saved_model import DEFAULT_MAX_N, float32_copy, save_serving_model
from keras_gan.files import atomic_dir
from keras_gan.training.config import TrainConfig

FORMATS = paths.EXPORT_FORMATS


def export(run_dir, fmt="saved_model", version=1, force=False, max_n=DEFAULT_MAX_N, source=None, out=None):
    """Exports the generator of `run_dir` and returns the folder written.

    Args:
        run_dir: A run folder holding `generator.keras` (a pretrained one
            from `keras_gan.paths.pretrained_dir` too).
        fmt: "saved_model" or "tfjs".
        version: The SavedModel version folder (TF Serving serves the highest).
        force: Replace an existing export folder.
        max_n: The most digits one request may ask for (`n` of `sample`,
            the batch of `serving_default`).
        source: The generator file to export (default `RUN_DIR/generator.keras`).
        out: The export's base folder (default `RUN_DIR/export`); the
            SavedModel goes to `OUT/saved_model/<version>`, TF.js to `OUT/tfjs`.

    Raises:
        UserError: no generator, a corrupt one, NaN weights, a bad argument,
            or an existing target without `force`.

    Example:

    >>> export("runs/dcgan", "saved_model")
    PosixPath('runs/dcgan/export/saved_model/1')
    """
    if fmt not in FORMATS:
        raise invalid("format", fmt, f"one of {list(FORMATS)}")
    for name, value in (("version", version), ("max_n", max_n)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
            raise invalid(name, value, "a positive integer")
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: not a run folder")
    target = paths.export_dir(run_dir, fmt, version, base=out)
    if target.exists() and not force:
        raise UserError(f"{target} already exists; replace it with `force`", argument="force")
    generator = load_generator(source or run_dir)
    if not all_finite(generator):
        raise UserError(f"{source or run_dir}: the generator has NaN or Inf weights; refusing to export it")
    generator = float32_copy(generator)

    with atomic_dir(target, replace=force) as tmp:
        if fmt == "saved_model":
            save_serving_model(generator, tmp, max_n)
        else:
            tfjs.export_tfjs(generator, tmp, metadata=metadata(run_dir, generator))
    return target


def metadata(run_dir, generator):
    """What the demo page shows about the model: arch, epochs, latent size, conditional."""
    meta = {"latent_dim": latent_dim_of(generator), "conditional": is_conditional(generator)}
    if (Path(run_dir) / paths.CONFIG).exists():
        config = TrainConfig.from_json(Path(run_dir) / paths.CONFIG)
        meta.update(arch=config.arch, epochs=config.epochs)
    return meta
