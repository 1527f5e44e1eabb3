#!/usr/bin/env bash
# The GPU benchmark, on the JAX backend, as one command (docs/performance.md "On a GPU"):
#
#   bash benchmarks/gpu_jax.sh MNIST_NPZ [OUT_DIR]
#
# 1. images/s of dcgan and cdcgan at batch 256 and 1024 (benchmarks/train_speed.py --jax-only);
# 2. time to quality: the default dcgan recipe trained 32 epochs on seeds 0 and 1, with the
#    minutes to FCD(2k) <= 20, 10, 4 and 2.5 and the final FCD, precision and recall at N = 10,000
#    (benchmarks/time_to_quality.py).
#
# It needs jax with its GPU plugin, keras, numpy and pillow, and no TensorFlow: the JAX backend
# trains, evaluates and samples without it (tests/core/test_jax_step.py checks that with
# TensorFlow blocked). Every table goes to the terminal and to OUT_DIR (default gpu-benchmark/);
# each script's last line is machine-readable JSON. EPOCHS, SEEDS, MINUTES (a cap per training run)
# and STEPS (timed steps per speed row) shorten it.
set -euo pipefail

data=${1:?usage: bash benchmarks/gpu_jax.sh MNIST_NPZ [OUT_DIR]}
out=${2:-gpu-benchmark}
epochs=${EPOCHS:-32}
seeds=${SEEDS:-0 1}
minutes=${MINUTES:-0}
steps=${STEPS:-30}
here=$(cd "$(dirname "$0")/.." && pwd)

[[ -f $data ]] || { echo "gpu_jax.sh: $data: no such file (a mnist.npz with x_train/y_train)" >&2; exit 2; }
mkdir -p "$out"
export KERAS_BACKEND=jax PYTHONUNBUFFERED=1 PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"

python -c "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)" \
    | tee "$out/devices.txt"
python "$here/benchmarks/train_speed.py" --jax-only --archs dcgan cdcgan --batch-sizes 256 1024 --steps "$steps" \
    | tee "$out/speed.txt"
# shellcheck disable=SC2086  # SEEDS is a list of seeds
python "$here/benchmarks/time_to_quality.py" --data "$data" --recipes new --seeds $seeds --epochs "$epochs" \
    --minutes "$minutes" --targets 20 10 4 2.5 --plot "$out/fcd_vs_minutes.png" | tee "$out/time_to_quality.txt"
