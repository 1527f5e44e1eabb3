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


def resolve_source(args, out_metavar=None):
    """(path of the run folder or file, whether it is pretrained) from the parsed SOURCE / --pretrained.

    Args:
        args: the parsed arguments of `add_source`'s parser.
        out_metavar: for commands that write beside their source by default (name of their `--out`
            value, such as "DIR"): with `--pretrained` they must be given `--out`, since the
            package's folder may be read-only and is replaced on upgrade.
    """
    if args.pretrained and args.source:
        raise UserError(
            f"give either a source or `pretrained`, not both. Received: {args.source!r} and "
            f"pretrained={args.pretrained!r}",
            argument="pretrained",
        )
    if args.pretrained:
        if out_metavar and not args.out:
            raise UserError(
                f"a pretrained generator lives inside the installed package: give `out` {out_metavar}", "out"
            )
        return paths.pretrained_dir(args.pretrained), True
    if not args.source:
        raise UserError("give a run folder (or a file), or `pretrained` NAME", argument="pretrained")
    return Path(args.source), False
