"""`keras-gan generate`: digits from a trained generator into PREFIX.npy and PREFIX.png."""

from pathlib import Path

from keras_gan.cli.common import OneLineErrorParser, run
from keras_gan.cli.source import add_source, resolve_source
from keras_gan.core import sampling


def build_parser(prog="keras-gan generate"):
    parser = OneLineErrorParser(
        prog=prog,
        description="Sample digits from a trained generator: PREFIX.npy (uint8 [n, 28, 28], white on black like "
        "MNIST), PREFIX.png (a grid of the first 64) and, for a conditional generator, PREFIX_labels.npy.",
    )
    add_source(parser)
    parser.add_argument("--n", type=int, default=10_000, help="number of digits")
    parser.add_argument("--seed", type=int, default=0, help="noise seed; the same seed gives the same digits")
    parser.add_argument(
        "--out", metavar="PREFIX", help="writes PREFIX.npy and PREFIX.png (default: SOURCE_FOLDER/samples)"
    )
    parser.add_argument("--digit", type=int, help="conditional generators only: draw this digit (0..9)")
    return parser


def main(argv=None, prog="keras-gan generate"):
    parser = build_parser(prog)

    def body(args):
        source, _ = resolve_source(args, out_metavar="PREFIX")
        prefix = Path(args.out) if args.out else (source if source.is_dir() else source.parent) / "samples"
        generator = sampling.load_generator(source)
        written = sampling.write_samples(generator, args.n, prefix, seed=args.seed, digit=args.digit)
        print("Wrote " + ", ".join(str(p) for p in written))

    return run(parser, body, argv)
