"""One worker of a 2-worker MultiWorkerMirroredStrategy run; tests/training/test_distribute.py starts two.

    python tests/scripts/multiworker_run.py INDEX PORT0,PORT1 DATA.npz OUT_DIR WEIGHTS.npz [ARCH] [--resume]

Both workers train the same run (`--out OUT_DIR`) with `--strategy multiworker`;
at the end each saves its final G and D weights to WEIGHTS.npz, so the test
can check that they agree.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

index, ports, data_path, out, weights_out = sys.argv[1:6]
arch = sys.argv[6] if len(sys.argv) > 6 and not sys.argv[6].startswith("--") else "gan"
workers = [f"127.0.0.1:{port}" for port in ports.split(",")]
os.environ["TF_CONFIG"] = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": int(index)}})

import keras  # noqa: E402

keras.config.disable_traceback_filtering()
import numpy as np  # noqa: E402

from keras_gan.training.config import TrainConfig  # noqa: E402
from keras_gan.training.run import resume_config, train  # noqa: E402


class SaveWeights(keras.callbacks.Callback):
    def on_train_end(self, logs=None):
        weights = self.model.generator.weights + self.model.discriminator.weights
        np.savez(weights_out, *[keras.ops.convert_to_numpy(w) for w in weights])


if "--resume" in sys.argv:
    config = resume_config(out, epochs=2)
else:
    config = TrainConfig(
        arch=arch, epochs=1, batch_size=32, data=data_path, out=out, strategy="multiworker", eval_every=0, grid_size=2
    )
train(config, resume="--resume" in sys.argv, verbose=0, extra_callbacks=[SaveWeights()])
print("worker", index, "done")
