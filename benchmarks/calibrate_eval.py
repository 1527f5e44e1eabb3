"""What a good score looks like: the evaluator on real, degraded and fake-looking digits.

    python benchmarks/calibrate_eval.py --data ../shared/data/mnist_train.npz

Prints one table row per reference set at N = 10,000, so that a user can
tell a good score from a bad one (docs/evaluation.md).
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from PIL import Image, ImageFilter

from keras_gan.evaluation.classifier import CLASSIFIER_TRAIN, HELD_OUT, Classifier
from keras_gan.evaluation.report import evaluate
from keras_gan.training.data import load_mnist


def blurred(images, radius):
    return np.stack([np.asarray(Image.fromarray(im).filter(ImageFilter.GaussianBlur(radius))) for im in images])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="", help="local MNIST (see train.py --help)")
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    x, y = load_mnist(args.data)
    train, held_out = x[CLASSIFIER_TRAIN], x[HELD_OUT]
    # Real digits that are not the reference set (the classifier trained on them).
    real = x[40_000 : 40_000 + args.n]
    rng = np.random.default_rng(0)
    sets = {
        "real digits (train[40000:50000])": real,
        "real, Gaussian blur radius 1": blurred(real, 1),
        "real, Gaussian blur radius 2": blurred(real, 2),
        "real, only digits 0-4": x[:50_000][y[:50_000] < 5][: args.n],
        "real, one digit (all 1s)": x[:50_000][y[:50_000] == 1][: args.n],
        "uniform noise": rng.integers(0, 256, (args.n, 28, 28)).astype(np.uint8),
    }
    evaluator = Classifier()
    print(f"| set (N={args.n}) | FCD | classifier score | classes covered | precision | recall |")
    print("|---|---|---|---|---|---|")
    for name, images in sets.items():
        r = evaluate(images, evaluator, real_images=held_out, train_images=None)
        print(
            f"| {name} | {r['fcd']:.2f} | {r['classifier_score']:.2f} | {r['classes']['classes_covered']} "
            f"| {r['precision']:.3f} | {r['recall']:.3f} |"
        )
    held_out_result = evaluate(held_out[:2000], evaluator, train_images=train)
    near = held_out_result["nearest_train_distance"]
    other = held_out_result["nearest_sample_distance"]
    print(
        f"\nheld-out real digits to their nearest training digit (N=2000): min {near['min']:.2f}, "
        f"median {near['median']:.2f}, share closer than 2.0: {near['share_below_2']:.4f}"
    )
    print(
        f"held-out real digits to their nearest other held-out digit (N=2000): min {other['min']:.2f}, "
        f"median {other['median']:.2f}, share closer than 1.0: {other['share_below_1']:.4f}"
    )


if __name__ == "__main__":
    main()
