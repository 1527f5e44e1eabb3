"""`export()`: where it writes, replacing only on request, and never leaving a half-written export."""

import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import paths
from keras_gan.errors import UserError
from keras_gan.export import export
from keras_gan.export import run as export_run


@pytest.fixture
def run_copy(generator_run, tmp_path):
    """A private copy of a dcgan run folder, which the test may change."""
    return shutil.copytree(generator_run("dcgan"), tmp_path / "run", ignore=shutil.ignore_patterns("export"))


def test_existing_version_needs_force(run_copy):
    path = export(run_copy, "saved_model")
    assert path == run_copy / "export" / "saved_model" / "1"
    before = (path / "saved_model.pb").read_bytes()
    with pytest.raises(UserError, match="already exists; replace it with `force`") as error:
        export(run_copy, "saved_model")
    assert error.value.argument == "force"
    assert (path / "saved_model.pb").read_bytes() == before
    assert export(run_copy, "saved_model", version=2) == path.parent / "2"
    assert export(run_copy, "saved_model", force=True) == path
    assert sorted(p.name for p in path.parent.iterdir()) == ["1", "2"]


def test_out_puts_the_export_elsewhere(run_copy, tmp_path):
    path = export(run_copy, "saved_model", out=tmp_path / "serving", version=4)
    assert path == tmp_path / "serving" / "saved_model" / "4" and (path / "saved_model.pb").is_file()
    assert not (run_copy / "export").exists()


def test_a_failed_export_leaves_the_old_one_untouched(run_copy, monkeypatch):
    path = export(run_copy, "saved_model")
    before = (path / "saved_model.pb").read_bytes()

    def crash(generator, tmp, max_n):
        (tmp / "saved_model.pb").write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_run, "save_serving_model", crash)
    for kwargs in (dict(force=True), dict(version=7)):
        with pytest.raises(UserError, match="cannot write .*: No space left on device"):
            export(run_copy, "saved_model", **kwargs)
    assert (path / "saved_model.pb").read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["1"]  # no "7", no temporary folders


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(fmt="onnx"), r"`format` must be one of \['saved_model', 'tfjs'\]"),
        (dict(version=0), "`version` must be a positive integer. Received: version=0"),
        (dict(max_n=-3), "`max_n` must be a positive integer. Received: max_n=-3"),
        (dict(max_n=10**12), "`max_n` must be a positive integer"),
    ],
)
def test_bad_arguments_are_named(run_copy, kwargs, message):
    with pytest.raises(UserError, match=message):
        export(run_copy, **kwargs)


def test_nan_generator_is_never_exported(run_copy):
    generator = keras.saving.load_model(run_copy / paths.GENERATOR)
    generator.weights[0].assign(np.full(generator.weights[0].shape, np.nan, "float32"))
    generator.save(run_copy / paths.GENERATOR)
    with pytest.raises(UserError, match="NaN or Inf weights"):
        export(run_copy, "saved_model")
    assert not (run_copy / "export").exists()


def test_a_source_file_is_exported_instead_of_the_generator(run_copy):
    best = keras.saving.load_model(run_copy / paths.GENERATOR)
    best.weights[0].assign(best.weights[0] * 0.5)
    best.save(run_copy / paths.BEST_GENERATOR)
    path = export(run_copy, "saved_model", source=run_copy / paths.BEST_GENERATOR)
    z = np.random.default_rng(0).standard_normal((3, 100)).astype("float32")
    served = tf.saved_model.load(str(path)).signatures["serving_default"](z=tf.constant(z))["images"].numpy()
    np.testing.assert_allclose(served, (best.predict(z, verbose=0) + 1) / 2, atol=1e-5)
