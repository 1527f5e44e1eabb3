"""`keras-gan export`: a run's generator as a SavedModel (TF Serving) or a TF.js graph model (the browser)."""

from pathlib import Path

from keras_gan import paths
from keras_gan.cli.common import OneLineErrorParser, run
from keras_gan.cli.source import add_source, resolve_source
from keras_gan.export import FORMATS, export
from keras_gan.export.saved_model import DEFAULT_MAX_N


def build_parser(prog="keras-gan export"):
    parser = OneLineErrorParser(
        prog=prog,
        description="Export a run's generator as a SavedModel for TF Serving (RUN_DIR/export/saved_model/N) "
        "or as a TF.js graph model (RUN_DIR/export/tfjs). See docs/deploy.md.",
    )
    add_source(parser, "a run folder holding generator.keras", "RUN_DIR")
    parser.add_argument("--format", choices=FORMATS, default="saved_model", help="what to write")
    parser.add_argument("--version", type=int, default=1, help="SavedModel version folder: saved_model/N")
    parser.add_argument("--force", action="store_true", help="replace an existing export")
    parser.add_argument(
        "--max-n", type=int, default=DEFAULT_MAX_N, help="the most digits one request may ask for (n or batch)"
    )
    parser.add_argument("--best", action="store_true", help="export best_generator.keras (lowest FCD) instead")
    parser.add_argument("--out", help="base folder of the export (default: RUN_DIR/export; needed with --pretrained)")
    return parser


def main(argv=None, prog="keras-gan export"):
    parser = build_parser(prog)

    def body(args):
        run_dir, _ = resolve_source(args, out_metavar="DIR")
        file = run_dir / paths.BEST_GENERATOR if args.best else None
        target = export(
            run_dir, args.format, args.version, args.force, args.max_n, source=file, out=args.out and Path(args.out)
        )
        print(f"Wrote {target}")

    return run(parser, body, argv)
