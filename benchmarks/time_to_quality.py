"""Minutes to good digits: the new default recipe against the old one, on real MNIST.

    python benchmarks/time_to_quality.py --data ../shared/data/mnist_train.npz
    python benchmarks/time_to_quality.py --data ../shared/data/mnist_train.npz \
        --recipes new --arch cdcgan --seeds 0 1 --plot docs/fcd_vs_minutes.png
    python benchmarks/time_to_quality.py --data ../shared/data/mnist_train.npz \
        --recipes new --seeds 0 1 --minutes 2 --set loss=hinge
    python benchmarks/time_to_quality.py --replot new.log old.log --plot docs/fcd_vs_minutes.png

Each (recipe, seed) is one real `train()` run on this machine. After every
epoch the run's own quality monitor measures FCD on 2,000 samples; this
script adds the wall-clock minutes since the run began (start-up, data,
training and evaluation: what a user waits for). At the end the run's
`generator.keras` is scored as `keras-gan evaluate` scores it: FCD,
precision and recall on 10,000 samples. `--minutes` cuts a run short, in
the middle of an epoch if need be, so that recipes of different step
costs get the same training time (the old recipe's 60 epochs take about
38 minutes here).

Recipes:
    new: the architecture's defaults (docs/results.md): for dcgan and
        cdcgan a time budget, timed on this machine before the run.
    old: the dcgan defaults before 2026-12-03: Adam(2e-4 / 4e-4, betas
        0.5, 0.999), a fixed EMA momentum of 0.999, a constant rate, 60 epochs.

Prints a table per run, then the minutes at which each reached FCD(2k)
targets. The last line is machine-readable JSON: per run, the curve, the
minutes to each target and the final scores. Run it alone on the machine:
other work slows every step.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras

from keras_gan.cli.common import OneLineErrorParser, run
from keras_gan.core.sampling import generate, load_generator
from keras_gan.errors import UserError
from keras_gan.evaluation.classifier import CLASSIFIER_TRAIN, HELD_OUT
from keras_gan.evaluation.report import STANDARD_N, evaluate
from keras_gan.paths import CONFIG
from keras_gan.training.config import TrainConfig
from keras_gan.training.data import load_mnist
from keras_gan.training.run import train

OLD_RECIPE = {"lr": 2e-4, "d_lr": 4e-4, "beta2": 0.999, "ema": 0.999, "ema_kimg": 0.0, "lr_decay": 0.0, "epochs": 60}
# FCD at N=2,000 reads about 1 higher than at N=10,000 for good digits (docs/evaluation.md).
TARGETS = (20.0, 10.0, 6.0, 5.0)


class WallClock(keras.callbacks.Callback):
    """Records (minutes since `start`, epoch, FCD at N=2k) and stops after `limit` minutes."""

    def __init__(self, start, limit):
        super().__init__()
        self.start, self.limit, self.curve = start, limit, []

    def on_epoch_end(self, epoch, logs=None):
        minutes = (time.perf_counter() - self.start) / 60
        fcd = (logs or {}).get("fcd")
        if fcd is not None:
            self.curve.append({"minutes": round(minutes, 2), "epoch": epoch + 1, "fcd2k": round(float(fcd), 3)})
            print(f"  epoch {epoch + 1:3d}  {minutes:6.2f} min  FCD(2k) {float(fcd):8.3f}", flush=True)
        if self.limit and minutes >= self.limit:
            self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        # Mid-epoch too, so that runs of different step costs get the same minutes;
        # Keras still ends the epoch (and the monitor still measures FCD).
        if self.limit and batch % 16 == 0 and (time.perf_counter() - self.start) / 60 >= self.limit:
            self.model.stop_training = True


def run_one(recipe, arch, seed, data, x, minutes, epochs, out, overrides=(), targets=TARGETS):
    changes = dict(OLD_RECIPE) if recipe == "old" else {}
    if epochs:
        changes["epochs"] = epochs
    changes.update(overrides)
    config = TrainConfig(arch=arch, seed=seed, data=data, out=str(out), **changes)
    start = time.perf_counter()
    clock = WallClock(start, minutes)
    run_dir = train(config, verbose=0, extra_callbacks=[clock])
    total = (time.perf_counter() - start) / 60
    samples, labels = generate(load_generator(run_dir), STANDARD_N, seed=0)
    scores = evaluate(samples, real_images=x[HELD_OUT], train_images=x[CLASSIFIER_TRAIN], labels=labels)
    # The epochs the run trained: the recipe's, or what a time budget planned.
    final = {"minutes": round(total, 2), "epochs": TrainConfig.from_json(run_dir / CONFIG).epochs}
    final["fcd10k"] = round(scores["fcd"], 3)
    final.update({k: round(scores[k], 3) for k in ("precision", "recall")})
    if "label_accuracy" in scores:
        final["min_label_agreement"] = round(min(scores["label_accuracy"]["per_digit"].values()), 4)
    reached = {str(t): next((p["minutes"] for p in clock.curve if p["fcd2k"] <= t), None) for t in targets}
    run = {"recipe": recipe, "arch": arch, "seed": seed, "set": dict(overrides), "curve": clock.curve}
    return {**run, "reached": reached, "final": final}


def train_all(args, overrides):
    results = []
    x, _ = load_mnist(args.data)  # once, for every run's final scores
    with tempfile.TemporaryDirectory(prefix="time-to-quality-") as scratch:
        root = Path(args.keep or scratch)
        for recipe in args.recipes:
            for seed in args.seeds:
                print(f"{args.arch}, {recipe} recipe, seed {seed}:", flush=True)
                # Every setting in the folder name, so runs kept under one --keep never collide.
                tag = "".join(f"-{k}={v}" for k, v in overrides.items()) + (f"-e{args.epochs}" if args.epochs else "")
                out = root / f"{args.arch}-{recipe}{tag}-s{seed}"
                results.append(
                    run_one(
                        recipe, args.arch, seed, args.data, x, args.minutes, args.epochs, out, overrides, args.targets
                    )
                )
                print(f"  final: {results[-1]['final']}", flush=True)
    return results


def read_results(log):
    """The runs in the JSON last line of an earlier run's output."""
    for line in reversed(Path(log).read_text().splitlines()):
        if line.startswith('{"time_to_quality"'):
            return json.loads(line)["time_to_quality"]
    raise UserError(f"{log}: no time_to_quality line (did that run finish?)")


def parse_setting(text):
    """ "loss=hinge" -> ("loss", "hinge"), "r1=0.1" -> ("r1", 0.1): numbers and booleans parsed as JSON."""
    name, _, value = text.partition("=")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, ax = plt.subplots(figsize=(6.4, 4))
    for r in results:
        style = "-" if r["recipe"] == "new" else "--"
        xs, ys = [p["minutes"] for p in r["curve"]], [p["fcd2k"] for p in r["curve"]]
        label = f"{r['arch']} {r['recipe']} recipe" + "".join(f" {k}={v}" for k, v in r.get("set", {}).items())
        ax.plot(xs, ys, style, marker=".", label=f"{label}, seed {r['seed']}")
    ax.set(xlabel="wall-clock minutes on 2 CPU cores", ylabel="FCD, N = 2,000 (lower is better)", yscale="log")
    ax.set_yticks([5, 10, 20, 50, 100, 200, 500])
    ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    tmp = Path(path).with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, path)  # atomic: an interrupted run leaves the old plot
    print(f"Wrote {path}")


def main(argv=None):
    """Bad input (a flag, the data, a kept folder that holds a run) exits with one line, as the CLI does."""
    parser = OneLineErrorParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="", help="local MNIST (see keras-gan train --help)")
    parser.add_argument("--arch", default="dcgan")
    parser.add_argument("--recipes", nargs="+", default=["new", "old"], choices=["new", "old"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--minutes", type=float, default=0, help="stop each run after this many minutes (0: never)")
    parser.add_argument("--epochs", type=int, default=0, help="override the recipe's epochs (0: keep)")
    parser.add_argument("--plot", default="", help="write the FCD-against-minutes curves to this PNG")
    parser.add_argument(
        "--targets", nargs="+", type=float, default=list(TARGETS), help="report the minutes to each FCD(2k) level"
    )
    parser.add_argument("--keep", default="", help="keep the run folders under this folder")
    parser.add_argument(
        "--replot", nargs="*", default=[], metavar="LOG", help="no training: tabulate and plot saved outputs"
    )
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE", help="TrainConfig fields: loss=hinge")
    return run(parser, report, argv)


def report(args):
    overrides = dict(parse_setting(s) for s in args.set)
    if args.replot:
        results = [r for log in args.replot for r in read_results(log)]
    else:
        results = train_all(args, overrides)
    targets = list(results[0]["reached"]) if results else []  # as the runs (or the replotted logs) measured them
    print("\n| arch | recipe | seed | " + " | ".join(f"min to FCD(2k) <= {float(t):g}" for t in targets), end="")
    print(" | epochs | minutes | FCD (10k) | precision | recall |")
    print("|---" * (len(targets) + 8) + "|")
    for r in results:
        reached = " | ".join("-" if m is None else f"{m:.1f}" for m in r["reached"].values())
        f = r["final"]
        recipe = " ".join([r["recipe"], *(f"{k}={v}" for k, v in r.get("set", {}).items())])
        epochs = f.get("epochs") or r["curve"][-1]["epoch"]  # logs from before budgets lack it
        print(f"| {r['arch']} | {recipe} | {r['seed']} | {reached} | {epochs} | {f['minutes']:.1f}", end="")
        print(f" | {f['fcd10k']:.2f} | {f['precision']:.3f} | {f['recall']:.3f} |")
    if args.plot:
        plot(results, args.plot)
    print(json.dumps({"time_to_quality": results}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
