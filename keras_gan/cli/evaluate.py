"""`keras-gan evaluate`: FCD, classifier score, coverage, precision/recall and memorization of digits."""

import json
import sys
from pathlib import Path

from keras_gan.cli.common import OneLineErrorParser, run, user_message
from keras_gan.cli.source import add_source, resolve_source
from keras_gan.errors import UserError, invalid
from keras_gan.evaluation.classifier import CLASSIFIER_TRAIN, CLASSIFIER_WEIGHTS, HELD_OUT, train_classifier
from keras_gan.evaluation.report import STANDARD_N, evaluate, format_table, load_samples
from keras_gan.files import atomic_write_text
from keras_gan.training.data import load_mnist


def build_parser(prog="keras-gan evaluate"):
    parser = OneLineErrorParser(
        prog=prog,
        description="Measure generated digits: FCD, classifier score, class coverage, precision/recall, "
        "memorization (docs/evaluation.md). Prints a table and writes JSON.",
    )
    add_source(parser, "a run folder, a .keras generator or a .npy of uint8 digits", "SOURCE")
    parser.add_argument("--n", type=int, default=STANDARD_N, help="samples to draw from a generator")
    parser.add_argument("--seed", type=int, default=0, help="noise seed for drawing samples")
    parser.add_argument(
        "--data", default="", help="local MNIST for precision/recall and memorization (as for keras-gan train)"
    )
    parser.add_argument("--out", help="where to write the JSON (default: eval.json beside the source)")
    parser.add_argument(
        "--train-classifier", action="store_true", help="retrain the evaluation classifier (needs --data)"
    )
    return parser


def main(argv=None, prog="keras-gan evaluate"):
    parser = build_parser(prog)

    def body(args):
        if args.train_classifier:
            x, y = load_mnist(args.data)
            card = train_classifier((x[CLASSIFIER_TRAIN], y[CLASSIFIER_TRAIN]), (x[HELD_OUT], y[HELD_OUT]))
            print(f"held-out accuracy {card['held_out_accuracy']:.4f}; wrote {CLASSIFIER_WEIGHTS.parent}")
            return 0
        if args.n < 2:
            raise invalid("n", args.n, "an integer of at least 2")
        source, _ = resolve_source(args, out_metavar="FILE.json")
        samples, labels, out = load_samples(source, args.n, args.seed)
        real = train = None
        try:
            x, _ = load_mnist(args.data)
            if len(x) < HELD_OUT.stop:
                raise UserError(f"they need the 60,000 MNIST training digits; `data` has {len(x)}", "data")
            real, train = x[HELD_OUT], x[CLASSIFIER_TRAIN]
        except UserError as e:
            print(f"note: precision/recall and memorization skipped: {user_message(e, parser)}", file=sys.stderr)
        result = evaluate(samples, real_images=real, train_images=train, labels=labels)
        out = Path(args.out) if args.out else out
        atomic_write_text(out, json.dumps(result, indent=2) + "\n")
        print(format_table(result))
        print(f"Wrote {out}")

    return run(parser, body, argv)
