"""Export a trained generator for TF Serving (SavedModel) and for TF.js.

    python -m keras_gan.export RUN_DIR --format saved_model   # RUN_DIR/export/saved_model/1/
    python -m keras_gan.export RUN_DIR --format tfjs          # RUN_DIR/export/tfjs/

The SavedModel has two signatures:

- `serving_default`: `z` (float32 [batch, latent_dim]) -> `images`
  (float32 [batch, 28, 28, 1] in [0, 1], white digit on black).
- `sample`: `n` (int32) and `seed` (int32) -> `images` and the `z` used.
  It draws z with stateless random ops, so a seed always gives the same
  digits; `n` above `max_n` is refused with an `InvalidArgumentError`.

A conditional generator adds a `label` input (int32 [batch] to
`serving_default`; a scalar to `sample`, where -1 draws uniform labels and
returns them as `labels`).

The TF.js model is written by `keras_gan.tfjs` from that same SavedModel
(see its docstring for why). Every export is built in a temporary folder and
renamed into place, so a failed export leaves nothing half-written.
"""

import os
import sys
from pathlib import Path

from keras_gan.errors import UserError

FORMATS = ("saved_model", "tfjs")
DEFAULT_MAX_N = 1024


def export_dir(run_dir, fmt, version=1):
    """Where `export` writes `fmt` for `run_dir`: `export/saved_model/<version>` or `export/tfjs`."""
    run_dir = Path(run_dir)
    return run_dir / "export" / "saved_model" / str(version) if fmt == "saved_model" else run_dir / "export" / fmt


def serving_functions(generator, max_n=DEFAULT_MAX_N):
    """The two serving signatures of `generator` as `tf.function`s.

    Returns:
        `{"serving_default": fn, "sample": fn}`; each fn returns a dict of
        named outputs.
    """
    import tensorflow as tf

    from keras_gan.generate import is_conditional, latent_dim_of
    from keras_gan.networks import NUM_CLASSES

    latent_dim = latent_dim_of(generator)
    conditional = is_conditional(generator)

    def to_unit(images):
        # tanh output [-1, 1] -> [0, 1]; float32 even if the model ran in mixed precision.
        return {"images": (tf.cast(images, tf.float32) + 1.0) / 2.0}

    def check_n(n):
        return [
            tf.debugging.assert_greater_equal(n, 1, message="n must be at least 1"),
            tf.debugging.assert_less_equal(n, max_n, message=f"n must be at most {max_n} (max_n of this export)"),
        ]

    def check_labels(labels):
        return [
            tf.debugging.assert_greater_equal(labels, 0, message="label must be a digit 0..9"),
            tf.debugging.assert_less_equal(labels, NUM_CLASSES - 1, message="label must be a digit 0..9"),
        ]

    def draw_z(n, seed):
        with tf.control_dependencies(check_n(n)):
            return tf.random.stateless_normal(tf.stack([n, latent_dim]), seed=tf.stack([seed, 0]))

    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    if not conditional:

        @tf.function(input_signature=[z_spec])
        def serve(z):
            return to_unit(generator(z, training=False))

        @tf.function(input_signature=[tf.TensorSpec([], tf.int32, name="n"), tf.TensorSpec([], tf.int32, name="seed")])
        def sample(n, seed):
            z = draw_z(n, seed)
            return {**to_unit(generator(z, training=False)), "z": z}

        return {"serving_default": serve, "sample": sample}

    @tf.function(input_signature=[z_spec, tf.TensorSpec([None], tf.int32, name="label")])
    def serve_conditional(z, label):
        with tf.control_dependencies(check_labels(label)):
            return to_unit(generator([z, label], training=False))

    @tf.function(
        input_signature=[
            tf.TensorSpec([], tf.int32, name="n"),
            tf.TensorSpec([], tf.int32, name="seed"),
            tf.TensorSpec([], tf.int32, name="label"),
        ]
    )
    def sample_conditional(n, seed, label):
        z = draw_z(n, seed)
        uniform = tf.random.stateless_uniform([n], seed=tf.stack([seed, 1]), maxval=NUM_CLASSES, dtype=tf.int32)
        labels = tf.where(label < 0, uniform, tf.fill([n], label))
        with tf.control_dependencies(check_labels(labels)):
            return {**to_unit(generator([z, labels], training=False)), "z": z, "labels": labels}

    return {"serving_default": serve_conditional, "sample": sample_conditional}


def float32_copy(generator):
    """`generator` itself if it computes in float32, else a float32 copy with the same weights.

    A generator trained with `--mixed-precision` computes in float16 or
    bfloat16; serving and TF.js want float32 (TF.js has no bfloat16 kernels).
    """
    import keras

    if all(layer.compute_dtype == "float32" for layer in generator.layers):
        return generator

    def clone(layer):
        config = layer.get_config()
        config["dtype"] = "float32"
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(generator, clone_function=clone)
    copy.set_weights(generator.get_weights())
    return copy


def save_serving_model(generator, path, max_n=DEFAULT_MAX_N):
    """Writes `generator` with its serving signatures as a SavedModel at `path` (not atomic)."""
    import keras

    archive = keras.export.ExportArchive()
    archive.track(generator)
    for name, fn in serving_functions(generator, max_n).items():
        archive.add_endpoint(name, fn)
    archive.write_out(str(path), verbose=False)


def export(run_dir, fmt="saved_model", version=1, force=False, max_n=DEFAULT_MAX_N, source=None):
    """Exports the generator of `run_dir` and returns the folder written.

    Args:
        run_dir: A run folder holding `generator.keras`.
        fmt: "saved_model" or "tfjs".
        version: The SavedModel version folder (TF Serving serves the highest).
        force: Replace an existing export folder.
        max_n: The largest `n` the `sample` signature accepts.
        source: The generator file to export (default `RUN_DIR/generator.keras`).

    Raises:
        UserError: no generator, a corrupt one, NaN weights, or an existing
            target without `force`.
    """
    from keras_gan.callbacks import all_finite
    from keras_gan.generate import load_generator
    from keras_gan.io import atomic_dir

    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}. Received: {fmt!r}")
    if version < 1:
        raise UserError(f"--version must be a positive integer. Received: {version}")
    if max_n < 1:
        raise UserError(f"--max-n must be a positive integer. Received: {max_n}")
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: not a run folder")
    target = export_dir(run_dir, fmt, version)
    if target.exists() and not force:
        raise UserError(f"{target} already exists; pass --force to replace it")
    generator = load_generator(source or run_dir)
    if not all_finite(generator):
        raise UserError(f"{source or run_dir}: the generator has NaN or Inf weights; refusing to export it")
    generator = float32_copy(generator)

    with atomic_dir(target, replace=force) as tmp:
        if fmt == "saved_model":
            save_serving_model(generator, tmp, max_n)
        else:
            from keras_gan import tfjs

            tfjs.export_tfjs(generator, tmp, metadata=_metadata(run_dir, generator))
    return target


def _metadata(run_dir, generator):
    """What the demo page shows about the model: arch, epochs, latent size, conditional."""
    from keras_gan.config import TrainConfig
    from keras_gan.generate import is_conditional, latent_dim_of
    from keras_gan.training import CONFIG_NAME

    meta = {"latent_dim": latent_dim_of(generator), "conditional": is_conditional(generator)}
    if (Path(run_dir) / CONFIG_NAME).exists():
        config = TrainConfig.from_json(Path(run_dir) / CONFIG_NAME)
        meta.update(arch=config.arch, epochs=config.epochs)
    return meta


def main(argv=None):
    from keras_gan.cli import OneLineErrorParser

    parser = OneLineErrorParser(
        prog="python -m keras_gan.export",
        description="Export a run's generator as a SavedModel for TF Serving or as a TF.js graph model.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run folder holding generator.keras")
    parser.add_argument("--format", choices=FORMATS, default="saved_model", help="what to write")
    parser.add_argument("--version", type=int, default=1, help="SavedModel version folder: export/saved_model/N")
    parser.add_argument("--force", action="store_true", help="replace an existing export")
    parser.add_argument("--max-n", type=int, default=DEFAULT_MAX_N, help="largest n the 'sample' signature serves")
    parser.add_argument("--best", action="store_true", help="export best_generator.keras (lowest FCD) instead")
    args = parser.parse_args(argv)
    try:
        source = Path(args.run_dir) / "best_generator.keras" if args.best else None
        path = export(args.run_dir, args.format, args.version, args.force, args.max_n, source)
    except UserError as e:
        parser.error(str(e))
    print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    sys.exit(main())
