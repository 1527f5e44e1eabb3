"""The "which generator" arguments shared by generate, evaluate, export and demo: a run folder or `--pretrained`."""

from pathlib import Path

from keras_gan import paths
from keras_gan.errors import UserError


def add_source(parser, what="a run folder or a .keras file", positional="SOURCE"):
    """Adds the optional positional SOURCE and `--pretrained NAME`."""
    parser.add_argument("source", nargs="?", metavar=positional, help=what)
    parser.add_argument(
        "--pretrained",
        choices=paths.PRETRAINED,
        help="use a generator that ships with keras-gan instead of a run (no data or training needed)",
    )


def resolve_source(args):
    """(path of the run folder or file, whether it is pretrained) from the parsed SOURCE / --pretrained."""
    if args.pretrained and args.source:
        raise UserError(
            f"give either a source or `pretrained`, not both. Received: {args.source!r} and "
            f"pretrained={args.pretrained!r}",
            argument="pretrained",
        )
    if args.pretrained:
        return paths.pretrained_dir(args.pretrained), True
    if not args.source:
        raise UserError("give a run folder (or a file), or `pretrained` NAME", argument="pretrained")
    return Path(args.source), False
