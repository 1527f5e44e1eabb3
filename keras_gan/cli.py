"""The `train.py` command line, generated from `TrainConfig`.

Every config field becomes a flag with the field's default, so the CLI and the
library never disagree about hyperparameters.
"""

import argparse
import dataclasses
import sys

from keras_gan.config import TrainConfig
from keras_gan.errors import TrainingFailure, UserError

HELP = {
    "arch": "network pair: 'gan' (fully connected), 'dcgan' (convolutional), or their conditional "
    "versions 'cgan' and 'cdcgan' (pick the digit with generate --digit)",
    "epochs": "passes over the 60,000 training digits",
    "batch_size": "images per training step (global batch under a distribution strategy)",
    "latent_dim": "length of the noise vector z",
    "lr": "Adam learning rate of G (and of D unless --d-lr is given)",
    "d_lr": "Adam learning rate of D",
    "beta1": "Adam beta_1 of both networks",
    "ema": "moving-average momentum of G's weights; samples and the saved generator use the average (0: off)",
    "from_logits": "D outputs a logit and the BCE loss applies the sigmoid (--no-from-logits: D ends in a sigmoid)",
    "seed": "seeds weights, data order and noise; the same seed repeats a CPU run",
    "data": "local MNIST: a .npz with x_train/y_train or a folder of IDX files "
    "(default: download with keras.datasets.mnist)",
    "out": "run folder (default: saved_models/<arch>-<timestamp>)",
    "grid_size": "the per-epoch image grid is N x N digits",
    "tensorboard": "also write TensorBoard logs (losses and the image grid) into <out>/tensorboard",
    "eval_every": "every N epochs measure FCD and class coverage, log them, keep best_generator.keras "
    "and stop on class collapse (0: off)",
    "eval_n": "samples per evaluation during training",
    "strategy": "tf.distribute strategy: 'auto' (mirrored over several GPUs if present, else one device), "
    "'default' (one device), 'mirrored' (all GPUs), 'multiworker' (several machines, from TF_CONFIG) "
    "or 'tpu' (with --tpu)",
    "tpu": "TPU address for --strategy tpu: a TPU name or grpc://HOST:8470 (default: this VM's TPU)",
    "mixed_precision": "compute in float16 on GPUs (with loss scaling) or bfloat16 on CPUs and TPUs; "
    "weights, D's output and the losses stay float32",
    "jit": "compile the train step with XLA (default: on with a GPU, off on a CPU, where it is slower)",
}


# How argparse parses each field type of TrainConfig.
_ARG_TYPES = {int: int, int | None: int, float: float, float | None: float, str: str}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except empty ones whose meaning the help text gives."""

    def _get_help_string(self, action):
        if action.default in ("", None):
            return action.help
        return super()._get_help_string(action)


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage dump), exit 2, and shows defaults in --help.

    Every command line of the project uses it; a `UserError` from the
    library goes through `parser.error(str(e))` too, so all bad input looks alike.
    """

    def __init__(self, *args, formatter_class=_HelpFormatter, **kwargs):
        super().__init__(*args, formatter_class=formatter_class, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(prog="train.py"):
    parser = OneLineErrorParser(
        prog=prog,
        description="Train a GAN on MNIST digits. Outputs go to a run folder: config.json, "
        "metrics.csv, an image grid per epoch, progress.gif, checkpoint.npz and generator.keras.",
    )
    from keras_gan.distribute import STRATEGIES
    from keras_gan.networks import DEFAULT_D_LR, DEFAULT_EPOCHS, NETWORKS

    for field in dataclasses.fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        help_text = HELP[field.name]
        if field.name == "epochs":
            defaults = ", ".join(f"{n} for {arch}" for arch, n in DEFAULT_EPOCHS.items())
            help_text += f" (default: {defaults})"
        if field.name == "d_lr":
            defaults = "".join(f"{lr:g} for {arch}, " for arch, lr in DEFAULT_D_LR.items())
            help_text += f" (default: {defaults}--lr for the others)"
        if field.type in (bool, bool | None):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=field.default, help=help_text)
        elif field.name == "arch":
            parser.add_argument(flag, choices=sorted(NETWORKS), default=field.default, help=help_text)
        elif field.name == "strategy":
            parser.add_argument(flag, choices=STRATEGIES, default=field.default, help=help_text)
        else:
            parser.add_argument(flag, type=_ARG_TYPES[field.type], default=field.default, help=help_text)
    parser.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="continue a stopped run from its last completed epoch; its config.json is used, "
        "and --epochs, if given, raises the total number of epochs",
    )
    parser.add_argument(
        "--export",
        action="append",
        choices=("saved_model", "tfjs"),
        default=[],
        metavar="FORMAT",
        help="after training, export the generator: saved_model (TF Serving) or tfjs (the browser demo); "
        "repeat for both. Same as python -m keras_gan.export RUN_DIR --format FORMAT --force",
    )
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # Keras is imported only now, so --help and flag errors are instant.
        from keras_gan import training

        if args.resume:
            given = any(a == "--epochs" or a.startswith("--epochs=") for a in argv)
            explicit_epochs = args.epochs if given else None
            config = training.resume_config(args.resume, epochs=explicit_epochs)
            run_dir = training.train(config, resume=True)
        else:
            values = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)}
            run_dir = training.train(TrainConfig(**values))
        if args.export:
            from keras_gan.export import export

            for fmt in args.export:
                print(f"Exported {fmt}: {export(run_dir, fmt, force=True)}")
    except UserError as e:
        parser.error(str(e))
    except TrainingFailure as e:
        parser.exit(1, f"{parser.prog}: stopped: {e}\n")
    print(f"Run folder: {run_dir}")
    return 0
