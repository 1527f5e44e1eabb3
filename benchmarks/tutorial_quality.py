"""The TF DCGAN tutorial's recipe on real MNIST, scored by our evaluator.

    python benchmarks/tutorial_quality.py --data ../shared/data/mnist_train.npz --epochs 10

Trains the tutorial's generator and discriminator with its step, optimizers
and batch size (256, the 60,000 digits shuffled each epoch), and every
`--every` epochs scores 10,000 samples drawn as the tutorial draws them
(`training=False`): FCD, precision and recall, as `keras-gan evaluate` does.
docs/performance.md sets them beside ours. About 2 minutes per epoch on
2 CPU cores.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import tensorflow as tf
from train_speed import tutorial_models, tutorial_train_step  # beside this script

from keras_gan.core.sampling import generate
from keras_gan.evaluation.classifier import HELD_OUT, Classifier
from keras_gan.evaluation.report import STANDARD_N, evaluate
from keras_gan.training.data import load_mnist, to_model_range

BATCH_SIZE = 256


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="", help="local MNIST (see train.py --help)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--every", type=int, default=5, help="score the samples every N epochs (and at the end)")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    x, _ = load_mnist(args.data)
    dataset = tf.data.Dataset.from_tensor_slices(x[..., None]).shuffle(len(x), seed=0).batch(BATCH_SIZE)
    dataset = dataset.map(to_model_range)
    generator, discriminator = tutorial_models()
    train_step = tutorial_train_step(generator, discriminator, BATCH_SIZE)
    evaluator = Classifier()
    print("| epoch | minutes | FCD (N=10k) | precision | recall |\n|---|---|---|---|---|", flush=True)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        for images in dataset:
            train_step(images)
        if epoch % args.every == 0 or epoch == args.epochs:
            minutes = (time.perf_counter() - start) / 60
            # The same z as `keras-gan evaluate RUN` draws; no memorization check (not printed).
            samples, _ = generate(generator, STANDARD_N, seed=0)
            result = evaluate(samples, evaluator, real_images=x[HELD_OUT])
            scores = f"{result['fcd']:.1f} | {result['precision']:.3f} | {result['recall']:.3f}"
            print(f"| {epoch} | {minutes:.1f} | {scores} |", flush=True)


if __name__ == "__main__":
    main()
