"""Every file the project writes survives a failed write: the old file stays byte for byte, and the error is one line.

Faults are injected where the OS would raise them: inside each writer (a full
disk mid-write, ENOSPC) and at the final rename (EIO). Both must leave the
previous version of the file, and no temporary file, behind.
"""

import errno

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import files, images, paths
from keras_gan.core import sampling
from keras_gan.errors import UserError
from keras_gan.export import export
from keras_gan.training import callbacks
from keras_gan.training.checkpoint import save_checkpoint
from keras_gan.training.config import TrainConfig
from tests.helpers import make_gan, randomized_generator


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def broken_rename(src, dst):
    raise OSError(errno.EIO, "Input/output error")


def write_sites(tmp_path, generator_run):
    """name -> (target file or folder, write(version)): one entry per place that writes a file."""
    gan = make_gan("gan")
    generator = randomized_generator("gan")
    run_dir = generator_run("gan")
    grid = np.zeros((10, 10), np.uint8)

    def samples(version):
        sampling.write_samples(generator, 5 + version, tmp_path / "s", seed=version)

    def metrics(version):
        log = callbacks.MetricsCSV(tmp_path / paths.METRICS, 100)
        log.on_train_begin()
        log.on_epoch_begin(0)
        log.on_train_batch_end(0)
        log.on_epoch_end(0, {"d_loss": float(version)})

    frames = {}
    for version in (0, 1):
        frames[version] = [tmp_path / f"frame{version}{i}.png" for i in range(2)]
        for i, frame in enumerate(frames[version]):
            Image.fromarray(np.full((8, 8), 40 * i + version, np.uint8)).save(frame)

    return {
        "checkpoint": (
            tmp_path / paths.CHECKPOINT,
            lambda v: save_checkpoint(gan, tmp_path / paths.CHECKPOINT, v, np.zeros((1, 100))),
        ),
        "grid": (tmp_path / "epoch_001.png", lambda v: images.save_png(grid + v, tmp_path / "epoch_001.png")),
        "gif": (tmp_path / "progress.gif", lambda v: images.save_gif(frames[v], tmp_path / "progress.gif")),
        "generator": (
            tmp_path / paths.GENERATOR,
            lambda v: files.save_keras(randomized_generator("gan", v), tmp_path / paths.GENERATOR),
        ),
        "samples": (tmp_path / "s.npy", samples),
        "eval.json": (
            tmp_path / paths.EVAL,
            lambda v: files.atomic_write_text(tmp_path / paths.EVAL, f'{{"fcd": {v}}}'),
        ),
        "config.json": (tmp_path / paths.CONFIG, lambda v: TrainConfig(epochs=v + 1).to_json(tmp_path / paths.CONFIG)),
        "metrics.csv": (tmp_path / paths.METRICS, metrics),
        "saved_model": (
            run_dir / "export" / "saved_model" / "1",
            lambda v: export(run_dir, "saved_model", force=True, max_n=10 + v),
        ),
    }


def snapshot(target):
    if target.is_dir():
        return {p.relative_to(target): p.read_bytes() for p in sorted(target.rglob("*")) if p.is_file()}
    return target.read_bytes()


SITES = ["checkpoint", "grid", "gif", "generator", "samples", "eval.json", "config.json", "metrics.csv", "saved_model"]


def test_a_failed_tfjs_export_keeps_the_previous_one(tfjs_run, monkeypatch):
    """The TF.js export goes through the same temporary folder; a converter that fails midway changes nothing."""
    run_dir = tfjs_run("gan")
    target = run_dir / "export" / "tfjs"
    before = snapshot(target)

    def half_written(generator, out_dir, metadata=None):
        (out_dir / "model.json").write_text("{")
        full_disk()

    monkeypatch.setattr("keras_gan.export.run.tfjs.export_tfjs", half_written)
    with pytest.raises(UserError, match="cannot write .*tfjs: No space left on device"):
        export(run_dir, "tfjs", force=True)
    assert snapshot(target) == before


@pytest.mark.parametrize("fault", ["writer", "rename"])
@pytest.mark.parametrize("site", SITES)
def test_a_failed_write_keeps_the_previous_file(site, fault, tmp_path, generator_run, monkeypatch):
    target, write = write_sites(tmp_path, generator_run)[site]
    write(0)
    before = snapshot(target)
    if fault == "rename":
        monkeypatch.setattr(files.os, "replace", broken_rename)
    else:
        # Inside every kind of writer the project uses: NumPy, Pillow, Keras, text, TensorFlow's SavedModel.
        for owner, name in [(np, "save"), (np, "savez"), (Image.Image, "save"), (keras.Model, "save"),
                            (files.Path, "write_text")]:  # fmt: skip
            monkeypatch.setattr(owner, name, full_disk)
        monkeypatch.setattr("keras_gan.export.run.save_serving_model", full_disk)
        monkeypatch.setattr(np.lib.format, "write_array_header_1_0", full_disk)
    with pytest.raises(UserError) as error:
        write(1)
    message = str(error.value)
    assert "\n" not in message and "cannot write" in message and str(target.name) in message
    assert ("No space left on device" if fault == "writer" else "Input/output error") in message
    monkeypatch.undo()
    assert snapshot(target) == before
    leftovers = [p for p in target.parent.rglob(".*") if ".tmp" in p.name]
    assert leftovers == []
