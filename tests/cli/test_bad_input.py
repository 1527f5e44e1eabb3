"""Every entry point, every bad input: exit non-zero with one line, no traceback, and nothing overwritten.

A table of bad inputs over `train`, `generate`, `evaluate`, `export` and
`demo`: paths that are files, folders, missing or unusable; numbers that are
zero, negative, NaN, huge or of the wrong type; corrupt, truncated, empty and
non-Keras model files; a `.keras` file with a Lambda layer; wrong or missing
`config.json`; a run folder of another architecture.
"""

import json
import shutil
import zipfile

import keras
import numpy as np
import pytest
from keras import layers

from keras_gan import paths
from keras_gan.files import save_keras
from keras_gan.training import run as training
from keras_gan.training.config import TrainConfig
from tests.helpers import randomized_generator, run_cli, synthetic_digits


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    """A folder of good and bad inputs; the table's paths are relative to it."""
    root = tmp_path_factory.mktemp("bad")
    x, y = synthetic_digits(128)
    np.savez(root / "good.npz", x_train=x, y_train=y)
    (root / "empty.npz").write_bytes(b"")
    (root / "truncated.npz").write_bytes((root / "good.npz").read_bytes()[:500])
    np.savez(root / "no_labels.npz", x_train=x)
    np.savez(root / "floats.npz", x_train=x.astype("float32"), y_train=y)
    (root / "a_file").write_text("not a folder")
    (root / "empty_dir").mkdir()
    # A trained gan run (one epoch), and copies of it broken in different ways.
    run = training.train(
        TrainConfig(arch="gan", epochs=1, batch_size=64, data=str(root / "good.npz"), out=str(root / "run")), verbose=0
    )
    for name, change in [
        ("bad_config", lambda d: (d / paths.CONFIG).write_text("{not json")),
        ("list_config", lambda d: (d / paths.CONFIG).write_text("[1, 2]")),
        ("no_config", lambda d: (d / paths.CONFIG).unlink()),
        (
            "other_arch",
            lambda d: TrainConfig(arch="dcgan", epochs=3, data=str(root / "good.npz"), out=str(d)).to_json(
                d / paths.CONFIG
            ),
        ),
        (
            "no_epochs",
            lambda d: TrainConfig(arch="gan", minutes=5.0, data=str(root / "good.npz"), out=str(d)).to_json(
                d / paths.CONFIG
            ),
        ),
    ]:
        shutil.copytree(run, root / name)
        change(root / name)
    nan_run = shutil.copytree(run, root / "nan_run")
    generator = keras.saving.load_model(nan_run / paths.GENERATOR)
    generator.weights[0].assign(np.full(generator.weights[0].shape, np.nan, "float32"))
    save_keras(generator, nan_run / paths.GENERATOR)
    export_run = shutil.copytree(run, root / "exported")
    (export_run / "export" / "saved_model" / "1").mkdir(parents=True)
    (export_run / "export" / "saved_model" / "1" / "saved_model.pb").write_bytes(b"an earlier export")
    save_keras(randomized_generator("cgan"), root / "cgan.keras")
    (root / "empty.keras").write_bytes(b"")
    (root / "truncated.keras").write_bytes((run / paths.GENERATOR).read_bytes()[:1000])
    with zipfile.ZipFile(root / "other.keras", "w") as archive:
        archive.writestr("hello.txt", "not a model")
    z = keras.Input((100,))
    lam = layers.Lambda(lambda t: keras.ops.reshape(t[:, :1] * 0 + keras.ops.zeros((1, 784)), (-1, 28, 28, 1)))
    keras.Model(z, lam(z)).save(root / "lambda.keras")
    np.save(root / "nan.npy", np.full((4, 28, 28), np.nan))
    np.save(root / "wrong_shape.npy", np.zeros((4, 32, 32), np.uint8))
    (root / "text.npy").write_text("hello")
    np.save(root / "digits.npy", x[:10])
    np.save(root / "digits_labels.npy", np.arange(3))  # 3 labels for 10 digits
    return root


# (command, argv with {root} for the fixture folder, a fragment of the one-line error, exit status)
CASES = [
    # train: numbers
    ("train", "--epochs 0", "--epochs must be a positive integer. Received: epochs=0", 2),
    ("train", "--epochs -3", "--epochs must be a positive integer", 2),
    ("train", "--epochs abc", "argument --epochs: invalid int value: 'abc'", 2),
    ("train", "--batch-size 0", "--batch-size must be a positive integer", 2),
    ("train", "--batch-size 1e9", "argument --batch-size: invalid int value", 2),
    ("train", "--batch-size 99999999999999999999", "--batch-size must be at most the 128 training images", 2),
    ("train", "--latent-dim 99999999", "--latent-dim must be an integer in [1, 4096]", 2),
    ("train", "--lr nan", "--lr must be in (0, 1]. Received: lr=nan", 2),
    ("train", "--lr -1", "--lr must be in (0, 1]", 2),
    ("train", "--lr inf", "--lr must be in (0, 1]. Received: lr=inf", 2),
    ("train", "--d-lr 0", "--d-lr must be in (0, 1]", 2),
    ("train", "--beta1 1.5", "--beta1 must be in [0, 1)", 2),
    ("train", "--ema 1", "--ema must be in [0, 1)", 2),
    ("train", "--seed -1", "--seed must be an integer in [0, 2147483647]", 2),
    ("train", "--seed 99999999999999", "--seed must be an integer in [0, 2147483647]", 2),
    ("train", "--grid-size 0", "--grid-size must be an integer in [1, 32]", 2),
    ("train", "--eval-n 0", "--eval-n must be an integer in [1, 100000]", 2),
    ("train", "--eval-every -1", "--eval-every must be 0 (off) or a positive integer", 2),
    ("train", "--r1 -1", "--r1 must be a weight in [0, 1e6]", 2),
    ("train", "--reg-every 0", "--reg-every must be an integer in [1, 10000]", 2),
    ("train", "--loss wgan", "argument --loss: invalid choice: 'wgan'", 2),
    ("train", "--loss hinge --no-from-logits", "--from-logits=False needs loss bce", 2),
    ("train", "--arch dcgan --r1 1 --d-batch-norm", "--d-batch-norm cannot be on with a gradient penalty", 2),
    ("train", "--strategy multiworker", "reads the cluster from TF_CONFIG, which is not set", 2),
    ("train", "--tpu grpc://x:8470", "--tpu needs strategy tpu", 2),
    # train: data
    ("train", "--data {root}/missing.npz", "no such file or folder", 2),
    ("train", "--data {root}/empty_dir", "no train-images-idx3-ubyte or train-images-idx3-ubyte.gz", 2),
    ("train", "--data {root}/empty.npz", "not a readable .npz file", 2),
    ("train", "--data {root}/truncated.npz", "not a readable .npz file", 2),
    ("train", "--data {root}/no_labels.npz", "missing key(s) ['y_train']", 2),
    ("train", "--data {root}/floats.npz", "x_train must be uint8", 2),
    # train: run folders
    ("train", "--out {root}/a_file", "is a file, not a folder", 2),
    ("train", "--out {root}/a_file/run", "cannot use", 2),
    ("train", "--out {root}/run", "already holds a run; resume it instead", 2),
    ("train", "--resume {root}/missing", "nothing to resume", 2),
    ("train", "--resume {root}/bad_config", "cannot read config", 2),
    ("train", "--resume {root}/list_config", "expected a JSON object of TrainConfig fields", 2),
    ("train", "--resume {root}/no_config", "cannot read config", 2),
    ("train", "--resume {root}/other_arch", "the checkpoint belongs to a different architecture", 2),
    ("train", "--resume {root}/no_epochs", "config.json says no --epochs: give the total to resume to", 2),
    # generate
    ("generate", "{root}/run --n 0 --out {root}/s", "--n must be a positive integer", 2),
    ("generate", "{root}/run --n -5 --out {root}/s", "--n must be a positive integer", 2),
    ("generate", "{root}/run --n 1e3 --out {root}/s", "argument --n: invalid int value", 2),
    ("generate", "{root}/run --n 999999999999999 --out {root}/s", "MiB free", 2),
    ("generate", "{root}/run --digit 3 --out {root}/s", "--digit needs a conditional generator", 2),
    ("generate", "{root}/cgan.keras --digit 10 --out {root}/s", "--digit must be a digit 0..9", 2),
    ("generate", "{root}/missing --out {root}/s", "not found", 2),
    ("generate", "{root}/empty_dir --out {root}/s", "generator.keras: not found", 2),
    ("generate", "{root}/empty.keras --out {root}/s", "not a .keras file", 2),
    ("generate", "{root}/truncated.keras --out {root}/s", "not a .keras file", 2),
    ("generate", "{root}/other.keras --out {root}/s", "not a Keras model file", 2),
    ("generate", "{root}/lambda.keras --out {root}/s", "cannot load this model", 2),
    ("generate", "{root}/run --pretrained dcgan --out {root}/s", "not both", 2),
    ("generate", "--pretrained dcgan", "lives inside the installed package: give --out PREFIX", 2),
    ("generate", "{root}/run --n 4 --out {root}/a_file/s", "cannot write", 2),
    # evaluate
    ("evaluate", "{root}/nan.npy", "contains NaN or Inf", 2),
    ("evaluate", "{root}/wrong_shape.npy", "expected images of shape [N, 28, 28]", 2),
    ("evaluate", "{root}/text.npy", "cannot read", 2),
    ("evaluate", "{root}/digits.npy", "expected 10 labels", 2),
    ("evaluate", "{root}/run --n 1", "--n must be an integer of at least 2", 2),
    ("evaluate", "{root}/missing.npy", "cannot read", 2),
    ("evaluate", "{root}/lambda.keras", "cannot load this model", 2),
    ("evaluate", "--pretrained cdcgan", "lives inside the installed package: give --out FILE.json", 2),
    # export
    ("export", "{root}/run --version 0", "--version must be a positive integer", 2),
    ("export", "{root}/run --max-n 0", "--max-n must be a positive integer", 2),
    ("export", "{root}/run --format onnx", "argument --format: invalid choice", 2),
    ("export", "{root}/missing", "not a run folder", 2),
    ("export", "{root}/exported", "already exists; replace it with --force", 2),
    ("export", "{root}/nan_run", "NaN or Inf weights", 2),
    ("export", "{root}/a_file", "not a run folder", 2),
    ("export", "--pretrained dcgan", "lives inside the installed package: give --out DIR", 2),
    # demo
    ("demo", "{root}/run --port 70000", "--port must be an integer in [0, 65535]", 2),
    ("demo", "{root}/run --port -1", "--port must be an integer in [0, 65535]", 2),
    ("demo", "{root}/empty_dir", "generator.keras: not found", 2),
    ("demo", "", "give a run folder", 2),
]


def snapshot(root):
    """Every file's bytes, but the run-folder locks' (they hold the PID of whoever last trained there)."""
    return {
        p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != paths.LOCK
    }


def test_the_table_is_long_enough():
    assert len(CASES) >= 40
    assert {command for command, *_ in CASES} == {"train", "generate", "evaluate", "export", "demo"}


@pytest.mark.parametrize("command, argv, fragment, status", CASES, ids=[f"{c}:{a}" for c, a, _, _ in CASES])
def test_bad_input_is_one_line_and_overwrites_nothing(command, argv, fragment, status, bad, capsys):
    argv = argv.format(root=bad).split()
    if command == "train" and "--resume" not in argv:
        argv = ["--arch", "gan", "--epochs", "1", "--data", str(bad / "good.npz"), "--out", str(bad / "new")] + argv
    before = snapshot(bad)
    code, _, err = run_cli(command, argv, capsys)
    assert code == status, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"keras-gan {command}: error:"), err
    assert fragment in err, err
    after = snapshot(bad)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing overwritten
    assert [k for k in after if k not in before] == []  # and nothing new written


def test_a_config_json_that_is_not_keras_gans_is_named(bad, capsys):
    (bad / "foreign").mkdir(exist_ok=True)
    (bad / "foreign" / paths.CHECKPOINT).write_bytes((bad / "run" / paths.CHECKPOINT).read_bytes())
    (bad / "foreign" / paths.CONFIG).write_text(json.dumps({"model": "resnet"}))
    code, _, err = run_cli("train", ["--resume", bad / "foreign"], capsys)
    assert code == 2 and "unknown keys ['model']" in err and err.count("\n") == 1
