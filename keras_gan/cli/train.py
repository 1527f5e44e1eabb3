"""`keras-gan train` (and `python train.py`): flags generated from `TrainConfig`.

Every config field becomes a flag with the field's default and help text,
so the command line, the library and docs/cli.md never disagree.
"""

import argparse
import dataclasses
import re
import shlex
import signal
import sys

from keras_gan.cli.common import OneLineErrorParser, run
from keras_gan.core.architectures import ARCHITECTURES
from keras_gan.core.losses import OBJECTIVES
from keras_gan.errors import Interrupted
from keras_gan.paths import EXPORT_FORMATS
from keras_gan.training import run as training
from keras_gan.training.config import STRATEGIES, TrainConfig

# How argparse parses each field type of TrainConfig.
_ARG_TYPES = {int: int, int | None: int, float: float, float | None: float, str: str}


def flag(name):
    """The flag of a `TrainConfig` field: `batch_size` -> `--batch-size`."""
    return "--" + name.replace("_", "-")


def field_help(field):
    """A field's help text, fields named as flags, with each architecture's own default where it has one."""
    text = re.sub(r"`(\w+)`", lambda m: flag(m.group(1)), field.metadata["help"])
    per_arch = {arch: spec.defaults[field.name] for arch, spec in ARCHITECTURES.items() if field.name in spec.defaults}
    if per_arch:
        listed = ", ".join(f"{value:g} for {arch}" for arch, value in per_arch.items())
        text += f" (default: {listed})" if len(per_arch) == len(ARCHITECTURES) else f" ({listed})"
    return text


def build_parser(prog="keras-gan train"):
    parser = OneLineErrorParser(
        prog=prog,
        description="Train a GAN on MNIST digits. Outputs go to a run folder: config.json, metrics.csv, "
        "an image grid per epoch, progress.gif, checkpoint.npz and generator.keras (docs/cli.md).",
    )
    for field in dataclasses.fields(TrainConfig):
        kwargs = {"default": field.default, "help": field_help(field), "dest": field.name}
        if field.type in (bool, bool | None):
            parser.add_argument(flag(field.name), action=argparse.BooleanOptionalAction, **kwargs)
        elif field.name == "arch":
            parser.add_argument(flag(field.name), choices=sorted(ARCHITECTURES), **kwargs)
        elif field.name == "strategy":
            parser.add_argument(flag(field.name), choices=STRATEGIES, **kwargs)
        elif field.name == "loss":
            parser.add_argument(flag(field.name), choices=list(OBJECTIVES), **kwargs)
        else:
            parser.add_argument(flag(field.name), type=_ARG_TYPES[field.type], **kwargs)
    parser.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="continue a stopped run from its last completed epoch; its config.json is used, "
        "and --epochs, if given, raises the total number of epochs (and stretches an --lr-decay schedule to it)",
    )
    parser.add_argument(
        "--export",
        action="append",
        choices=EXPORT_FORMATS,
        default=[],
        metavar="FORMAT",
        help="after training, export the generator: saved_model (TF Serving) or tfjs (the browser demo); "
        "repeat for both. Same as keras-gan export RUN_DIR --format FORMAT --force",
    )
    return parser


def main(argv=None, prog="keras-gan train"):
    parser = build_parser(prog)
    argv = list(argv or [])

    def body(args):
        if args.resume:
            given = any(a == "--epochs" or a.startswith("--epochs=") for a in argv)
            config = training.resume_config(args.resume, epochs=args.epochs if given else None)
            resume = True
        else:
            config = TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)})
            resume = False
        try:
            run_dir = training.train(config, resume=resume)
        except Interrupted as e:
            name = signal.Signals(e.signal_number).name
            print(
                f"{prog}: stopped by {name} after {e.epochs_done} complete epoch(s), all checkpointed; "
                f"continue with: keras-gan train --resume {shlex.quote(str(e.run_dir))}",
                file=sys.stderr,
                flush=True,
            )
            return 128 + e.signal_number
        if args.export:
            # Import deferred until asked: exports need TensorFlow, which JAX-only training does without.
            from keras_gan.export import export

            for fmt in args.export:
                print(f"Exported {fmt}: {export(run_dir, fmt, force=True)}")
        print(f"Run folder: {run_dir}")

    return run(parser, body, argv)
