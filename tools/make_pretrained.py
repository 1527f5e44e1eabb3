"""Packs a finished run as one of the pretrained generators that ship with keras-gan.

    python tools/make_pretrained.py RUN_DIR NAME --data ../shared/data/mnist_train.npz --command "keras-gan train ..."

writes `keras_gan/pretrained/NAME/`:

- `generator.keras`: the run's (averaged) generator, checked to compute in float32;
- `config.json`: the run's config, with `data` and `out` blanked (they were this machine's paths);
- `eval.json`: the evaluator's report at N = 10,000 (seed 0), with precision and recall against the real digits;
- `samples_seed0.npy`: the first 16 digits that seed 0 draws (the tests compare the package's draws with them);
- `README.md`: the command that trained it, the date, the evaluation, and the checksum of `generator.keras`.

Run it only when a default recipe changes (docs/development.md "Pretrained generators").
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

from keras_gan import paths
from keras_gan.core import sampling
from keras_gan.evaluation.classifier import CLASSIFIER_TRAIN, HELD_OUT
from keras_gan.evaluation.report import STANDARD_N, evaluate
from keras_gan.files import atomic_write_text, save_npy
from keras_gan.training.config import TrainConfig
from keras_gan.training.data import load_mnist

FIRST_SAMPLES = 16


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("name", choices=paths.PRETRAINED)
    parser.add_argument("--data", required=True, help="the MNIST training set, for precision/recall")
    parser.add_argument("--command", required=True, help="the exact command that trained the run")
    args = parser.parse_args()

    generator = sampling.load_generator(args.run_dir)
    if any(layer.compute_dtype != "float32" for layer in generator.layers):
        sys.exit("the generator computes in mixed precision; the pretrained ones are float32")
    target = paths.PRETRAINED_DIR / args.name
    target.mkdir(parents=True, exist_ok=True)
    # Copied under a temporary name and renamed: an interrupted copy never replaces a good file.
    partial = target / (paths.GENERATOR + ".partial")
    shutil.copyfile(args.run_dir / paths.GENERATOR, partial)
    os.replace(partial, target / paths.GENERATOR)

    config = TrainConfig.from_json(args.run_dir / paths.CONFIG)
    config.data, config.out = "", ""
    config.to_json(target / paths.CONFIG)

    x, _ = load_mnist(args.data)
    samples, labels = sampling.generate(generator, STANDARD_N, seed=0)
    result = evaluate(samples, real_images=x[HELD_OUT], train_images=x[CLASSIFIER_TRAIN], labels=labels)
    atomic_write_text(target / paths.EVAL, json.dumps(result, indent=2) + "\n")
    first, _ = sampling.generate(generator, FIRST_SAMPLES, seed=0)
    save_npy(target / "samples_seed0.npy", first)

    digest = hashlib.sha256((target / paths.GENERATOR).read_bytes()).hexdigest()
    lines = [
        f"# Pretrained `{args.name}`",
        "",
        f"Trained on {time.strftime('%Y-%m-%d')} on 2 CPU cores with:",
        "",
        "```bash",
        args.command,
        "```",
        "",
        f"At N = {STANDARD_N:,} (seed 0): FCD {result['fcd']:.2f}, precision {result['precision']:.3f}, "
        f"recall {result['recall']:.3f}"
        + (f", label agreement {result['label_accuracy']['overall']:.4f}" if "label_accuracy" in result else "")
        + ".",
        "",
        f"`generator.keras` SHA-256: `{digest}`",
        "",
    ]
    atomic_write_text(target / "README.md", "\n".join(lines))
    print(f"wrote {target}: FCD {result['fcd']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
