"""Training throughput: our architectures against the TensorFlow DCGAN tutorial's step.

    python benchmarks/train_speed.py                 # all archs, batch 64, 128, 256
    python benchmarks/train_speed.py --archs dcgan --batch-sizes 64

For each architecture and batch size it runs `fit()` on random data (speed
does not depend on pixel values) in a fresh process, times every step with a
callback, and reports the median images/s after warm-up, the estimated time
of one 60,000-image epoch, the FLOPs of one training step, the GFLOP/s
achieved and the process' peak memory (max RSS). Then the options of the
dcgan step at batch 256: XLA (`--jit`) and mixed precision.

The reference is the tutorial's own generator, discriminator and
`@tf.function` training step, written from its published description, at
its batch size of 256. The last line is machine-readable:
`dcgan/tutorial images/s ratio: R` (our dcgan at batch 256).

FLOPs: TensorFlow's own per-op counts (`tf.profiler`) of one forward pass of
G and of D, times the passes in a step, with a backward pass counted as two
forwards. Ours: D step = G forward + D forward/backward on real and fake; G
step = G forward/backward + D forward/backward: 4 G + 6 D forwards per
image. The tutorial's step shares one G pass: 3 G + 6 D.

With jax installed it also times each architecture at batch 256 on the JAX
backend (`KERAS_BACKEND=jax`, the stateless step, jit-compiled).

`--jax-only` times the JAX backend alone, at `--batch-sizes`, without
TensorFlow (no FLOP counts, no tutorial step): the GPU benchmark of
`benchmarks/gpu_jax.sh`. Its last line is JSON: images/s per (arch, batch).
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
from keras import layers

from keras_gan.core.architectures import build_networks, get_arch
from keras_gan.training.config import TrainConfig
from keras_gan.training.run import build_model

EPOCH_IMAGES = 60_000


class StepTimer(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self._start)

    def on_train_begin(self, logs=None):
        self.times = []


def time_ours(arch, batch_size, steps, warmup, jit=None, mixed_precision=False):
    # The GAN that train.py builds; jit=None is the per-device default (XLA on for JAX and GPUs).
    config = TrainConfig(arch=arch, batch_size=batch_size, jit=jit, mixed_precision=mixed_precision)
    gan = build_model(config)  # validates, filling in the architecture's defaults
    n = batch_size * (steps + warmup)
    x = np.random.default_rng(0).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")
    y = np.random.default_rng(0).integers(0, 10, n).astype("int32")
    timer = StepTimer()
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size, drop_remainder=True).prefetch(2)
        gan.fit(dataset, epochs=1, verbose=0, callbacks=[timer], shuffle=False)
    else:  # arrays: the JAX backend may run where TensorFlow is not installed
        gan.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, callbacks=[timer], shuffle=False)
    return batch_size / statistics.median(timer.times[warmup:])


def tutorial_models():
    """The TF DCGAN tutorial's networks (tensorflow.org/tutorials/generative/dcgan)."""
    generator = keras.Sequential(
        [
            keras.Input((100,)),
            layers.Dense(7 * 7 * 256, use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Reshape((7, 7, 256)),
            layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False, activation="tanh"),
        ]
    )
    discriminator = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(64, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Conv2D(128, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    return generator, discriminator


def tutorial_train_step(generator, discriminator, batch_size):
    """The tutorial's `@tf.function` step: Adam(1e-4) each, one batch of fakes for both updates."""
    import tensorflow as tf

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([batch_size, 100])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated, training=True)
            gen_loss = bce(tf.ones_like(fake_output), fake_output)
            disc_loss = bce(tf.ones_like(real_output), real_output) + bce(tf.zeros_like(fake_output), fake_output)
        g_opt.apply_gradients(
            zip(gen_tape.gradient(gen_loss, generator.trainable_variables), generator.trainable_variables)
        )
        d_opt.apply_gradients(
            zip(disc_tape.gradient(disc_loss, discriminator.trainable_variables), discriminator.trainable_variables)
        )
        return gen_loss

    return train_step


def time_tutorial(batch_size, steps, warmup):
    import tensorflow as tf

    train_step = tutorial_train_step(*tutorial_models(), batch_size)
    images = tf.random.uniform((batch_size, 28, 28, 1), -1, 1)
    times = []
    for _ in range(steps + warmup):
        start = time.perf_counter()
        train_step(images).numpy()
        times.append(time.perf_counter() - start)
    return batch_size / statistics.median(times[warmup:])


def forward_flops(model, *specs):
    """FLOPs of one forward pass of `model` on one example, counted by TensorFlow's profiler."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2
    from tensorflow.python.profiler import model_analyzer, option_builder

    concrete = tf.function(lambda *xs: model(list(xs) if len(xs) > 1 else xs[0], training=False))
    frozen = convert_variables_to_constants_v2(concrete.get_concrete_function(*specs))
    options = option_builder.ProfileOptionBuilder(option_builder.ProfileOptionBuilder.float_operation())
    options = options.with_empty_output().build()
    return model_analyzer.profile(frozen.graph, options=options).total_float_ops


def step_flops(arch):
    """FLOPs of one training step per image (see the module docstring)."""
    import tensorflow as tf

    g_specs, d_specs = [tf.TensorSpec([1, 100])], [tf.TensorSpec([1, 28, 28, 1])]
    if arch == "tutorial":
        (generator, discriminator), g_passes = tutorial_models(), 3
    else:
        (generator, discriminator), g_passes = build_networks(arch), 4
        if get_arch(arch).conditional:  # plus one label per image
            g_specs.append(tf.TensorSpec([1], tf.int32))
            d_specs.append(tf.TensorSpec([1], tf.int32))
    return g_passes * forward_flops(generator, *g_specs) + 6 * forward_flops(discriminator, *d_specs)


def measure(arch, batch_size, steps, warmup, jit=False, mixed_precision=False, backend="tensorflow"):
    """One measurement in a fresh process, so that its peak memory is its own."""
    argv = [sys.executable, __file__, "--one", arch, str(batch_size), str(steps), str(warmup)]
    argv += ["--jit"] * jit + ["--mixed-precision"] * mixed_precision
    env = {**os.environ, "KERAS_BACKEND": backend}
    out = subprocess.run(argv, capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_one(arch, batch_size, steps, warmup, jit, mixed_precision):
    if arch == "tutorial":
        rate = time_tutorial(batch_size, steps, warmup)
    else:
        rate = time_ours(arch, batch_size, steps, warmup, jit or None, mixed_precision)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps({"rate": rate, "peak_mib": peak_mib}))


def cpu_peak_gflops():
    """A rough fp32 peak: cores x clock x 64 FLOP/cycle (2 AVX-512 FMA units), or None if unknown."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        mhz = max(float(line.split(":")[1]) for line in cpuinfo.splitlines() if line.startswith("cpu MHz"))
    except (OSError, ValueError):
        return None
    per_cycle = 64 if "avx512f" in cpuinfo else 32 if "fma" in cpuinfo else 8
    return os.cpu_count() * mhz / 1000 * per_cycle


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=["gan", "dcgan"])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[64, 128, 256])
    parser.add_argument("--steps", type=int, default=30, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (tracing, caches)")
    parser.add_argument("--one", nargs=4, metavar=("ARCH", "BATCH", "STEPS", "WARMUP"), help=argparse.SUPPRESS)
    parser.add_argument("--jit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mixed-precision", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--jax-only", action="store_true", help="time the JAX backend alone, without TensorFlow (the GPU benchmark)"
    )
    args = parser.parse_args()
    if args.one:
        arch, batch, steps, warmup = args.one
        return run_one(arch, int(batch), int(steps), int(warmup), args.jit, args.mixed_precision)
    if args.jax_only:
        return jax_only(args)

    import tensorflow as tf

    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    peak = cpu_peak_gflops()
    print(f"# {machine}, TF {tf.__version__}, Keras {keras.__version__}, {time.strftime('%Y-%m-%d')}")
    if peak:
        print(f"# rough fp32 peak of this CPU: {peak:,.0f} GFLOP/s")
    print("| model | batch | images/s (median) | 60k-image epoch (s) | GFLOP/step | GFLOP/s | peak memory (MiB) |")
    print("|---|---|---|---|---|---|---|")
    flops = {arch: step_flops(arch) for arch in [*args.archs, "tutorial"]}

    def row(name, arch, batch_size, result):
        gflop = flops[arch] * batch_size / 1e9
        rate = result["rate"]
        print(
            f"| {name} | {batch_size} | {rate:,.0f} | {EPOCH_IMAGES / rate:.1f} | {gflop:.2f} "
            f"| {gflop * rate / batch_size:,.0f} | {result['peak_mib']:,.0f} |",
            flush=True,
        )

    ours = {}
    for arch in args.archs:
        for batch_size in args.batch_sizes:
            ours[arch, batch_size] = measure(arch, batch_size, args.steps, args.warmup)
            row(arch, arch, batch_size, ours[arch, batch_size])
    if "dcgan" in args.archs:
        for name, options in [("dcgan --jit", {"jit": True}), ("dcgan --mixed-precision", {"mixed_precision": True})]:
            row(name, "dcgan", 256, measure("dcgan", 256, args.steps, args.warmup, **options))
    try:
        import jax  # noqa: F401
    except ImportError:
        print("# jax is not installed: no JAX rows")
    else:
        for arch in args.archs:
            row(f"{arch} on JAX", arch, 256, measure(arch, 256, args.steps, args.warmup, backend="jax"))
    tutorial = measure("tutorial", 256, args.steps, args.warmup)  # TensorFlow: its step is a tf.function
    row("TF tutorial DCGAN step", "tutorial", 256, tutorial)
    if ("dcgan", 256) in ours:
        print(f"dcgan/tutorial images/s ratio: {ours['dcgan', 256]['rate'] / tutorial['rate']:.2f}")


def jax_only(args):
    """Images/s of each arch and batch size on the JAX backend, each in a fresh process; JSON last."""
    import jax

    print(
        f"# JAX {jax.__version__} on {jax.devices()[0].device_kind}, Keras {keras.__version__}, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print("| model | batch | images/s (median) | 60k-image epoch (s) | peak host memory (MiB) |")
    print("|---|---|---|---|---|")
    rates = {}
    for arch in args.archs:
        for batch_size in args.batch_sizes:
            result = measure(arch, batch_size, args.steps, args.warmup, backend="jax")
            rates[f"{arch}/{batch_size}"] = round(result["rate"])
            print(
                f"| {arch} | {batch_size} | {result['rate']:,.0f} | {EPOCH_IMAGES / result['rate']:.1f} "
                f"| {result['peak_mib']:,.0f} |",
                flush=True,
            )
    print(json.dumps({"backend": "jax", "device": jax.devices()[0].device_kind, "images_per_s": rates}))


if __name__ == "__main__":
    main()
