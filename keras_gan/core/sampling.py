"""Loading a trained generator and drawing digits from it.

`generate` returns digits in memory (uint8 [n, 28, 28], white on black like
MNIST); `write_samples` streams any number of them into `PREFIX.npy` in
chunks, so memory does not grow with n. Both draw the same digits for the
same seed: z comes from one seeded stream, the labels of a conditional
generator from a second one, chunk after chunk.
"""

import contextlib
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path

import keras
import numpy as np

from keras_gan import paths
from keras_gan.core import engine  # noqa: F401  (registers GAN, so whole-GAN files load)
from keras_gan.core.architectures import NUM_CLASSES
from keras_gan.errors import UserError, invalid
from keras_gan.files import atomic_path, save_npy, write_error
from keras_gan.images import make_grid, save_png, to_uint8

GRID_ROWS = 8
CHUNK = 2048  # digits per forward pass and per write when streaming


def load_generator(source):
    """Loads a generator from a run folder, a `generator.keras` or a whole-GAN `.keras` file.

    The file is first copied in one read, so a run that replaces it while
    it loads (training writes `generator.keras` by an atomic rename) cannot
    hand over half of one version and half of another. Keras' safe mode
    stays on: a file whose layers would run arbitrary Python (a `Lambda`)
    is refused.

    Raises:
        UserError: nothing there, or a file that is not a loadable Keras model.
    """
    path = Path(source)
    if path.is_dir():
        path = path / paths.GENERATOR
    if not path.is_file():
        raise UserError(f"{path}: not found; pass a run folder holding {paths.GENERATOR} or a .keras file")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "model.keras"
        copy.write_bytes(data)
        _check_archive(path, copy)
        try:
            model = keras.saving.load_model(copy)
        except Exception as e:
            raise UserError(f"{path}: cannot load this model ({_reason(e)})") from None
    if not isinstance(model, keras.Model):
        raise UserError(f"{path}: holds a {type(model).__name__}, not a Keras model")
    model = getattr(model, "generator", model)
    if model.output_shape[1:] != (28, 28, 1):
        raise UserError(f"{path}: not a digit generator; its output is {model.output_shape[1:]}, not (28, 28, 1)")
    return model


def _check_archive(path, copy):
    """A `.keras` file is a zip archive; name what is wrong with it before Keras does."""
    if not zipfile.is_zipfile(copy):
        raise UserError(f"{path}: not a .keras file (not a zip archive; empty, truncated or another format)")
    try:
        with zipfile.ZipFile(copy) as archive:
            bad = archive.testzip()  # reads every member and checks its CRC-32
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as e:
        raise UserError(f"{path}: corrupt .keras file ({_reason(e)})") from None
    if bad is not None:
        raise UserError(f"{path}: corrupt .keras file (Bad CRC-32 for {bad})")
    if "config.json" not in names:
        raise UserError(f"{path}: not a Keras model file (no config.json inside)")


def _reason(error):
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def is_conditional(generator):
    """A conditional generator takes [z, labels]."""
    return len(generator.inputs) == 2


def latent_dim_of(generator):
    """The length of the generator's z."""
    return int(generator.inputs[0].shape[-1])


def _check_request(generator, n, digit):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise invalid("n", n, "a positive integer")
    if digit is not None:
        if not is_conditional(generator):
            raise UserError("`digit` needs a conditional generator (arch cgan or cdcgan)", argument="digit")
        if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= digit < NUM_CLASSES:
            raise invalid("digit", digit, f"a digit 0..{NUM_CLASSES - 1}")


def sample_chunks(generator, n, seed=0, digit=None, chunk=CHUNK):
    """Yields (uint8 images [c, 28, 28], labels [c] or `None`) for n digits, `chunk` at a time."""
    _check_request(generator, n, digit)
    z_stream = np.random.default_rng(seed)
    label_stream = np.random.default_rng([seed, 1])
    latent_dim = latent_dim_of(generator)
    for start in range(0, n, chunk):
        count = min(chunk, n - start)
        z = z_stream.standard_normal((count, latent_dim)).astype(np.float32)
        if not is_conditional(generator):
            yield to_uint8(generator.predict_on_batch(z)), None
            continue
        if digit is None:
            labels = label_stream.integers(0, NUM_CLASSES, count).astype(np.int32)
        else:
            labels = np.full(count, digit, np.int32)
        yield to_uint8(generator.predict_on_batch([z, labels])), labels


def generate(generator, n, seed=0, digit=None):
    """Draws `n` digits from z ~ N(0, 1) seeded by `seed`, in memory.

    Args:
        generator: An unconditional or conditional generator (see
            `load_generator`).
        n: Number of digits.
        seed: Seeds z (and the labels of a conditional generator).
        digit: For a conditional generator, the digit to draw; `None` draws
            labels uniformly.

    Returns:
        (uint8 images [n, 28, 28], int32 labels [n] or `None` when unconditional).

    Example:

    >>> images, _ = generate(load_generator("runs/dcgan"), 16, seed=0)
    """
    chunks = list(sample_chunks(generator, n, seed, digit))
    images = np.concatenate([c[0] for c in chunks])
    labels = None if chunks[0][1] is None else np.concatenate([c[1] for c in chunks])
    return images, labels


def sample_files(prefix):
    """The files `write_samples(PREFIX)` writes: (`PREFIX.npy`, `PREFIX.png`, `PREFIX_labels.npy`)."""
    prefix = Path(prefix)
    return tuple(prefix.with_name(prefix.name + suffix) for suffix in (".npy", ".png", "_labels.npy"))


def write_samples(generator, n, prefix, seed=0, digit=None, chunk=CHUNK):
    """Streams `n` digits into `PREFIX.npy` (and labels into `PREFIX_labels.npy`) plus a grid `PREFIX.png`.

    Memory stays at one chunk whatever `n` is. A request whose files would
    not fit in the free disk space is refused before anything is written;
    each file is written atomically, so a failure leaves earlier files as
    they were.

    Returns:
        The paths written.

    Raises:
        UserError: a bad `n` or `digit`, too little disk space, or a failed write.
    """
    _check_request(generator, n, digit)
    npy, png, labels_npy = sample_files(prefix)
    try:
        npy.parent.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(npy.parent).free
    except OSError as e:
        raise write_error(npy, e) from None
    conditional = is_conditional(generator)
    needed = n * 28 * 28 + (4 * n if conditional else 0) + (1 << 20)  # the arrays, plus headers and the grid
    if needed > free:
        raise UserError(
            f"`n`={n} digits need {needed / 2**20:,.0f} MiB in {npy.parent}, which has {free / 2**20:,.0f} MiB free",
            argument="n",
        )
    first = None
    with contextlib.ExitStack() as stack:
        # Plain appends, not a memory map: a full disk is then an OSError, not a SIGBUS.
        images = _npy_writer(stack, npy, np.uint8, (n, 28, 28))
        labels = _npy_writer(stack, labels_npy, np.int32, (n,)) if conditional else None
        for chunk_images, chunk_labels in sample_chunks(generator, n, seed, digit, chunk):
            images.write(np.ascontiguousarray(chunk_images).tobytes())
            if labels is not None:
                labels.write(np.ascontiguousarray(chunk_labels, np.int32).tobytes())
            if first is None:
                first = chunk_images[: GRID_ROWS * GRID_ROWS].copy()
    save_png(make_grid(first, GRID_ROWS), png)
    return [npy, labels_npy, png] if conditional else [npy, png]


def _npy_writer(stack, path, dtype, shape):
    """An open file (closed by `stack`) that becomes `path` atomically, its `.npy` header written."""
    tmp = stack.enter_context(atomic_path(path))
    f = stack.enter_context(open(tmp, "wb"))
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(f, header)
    return f


def save_samples(samples, prefix, labels=None):
    """Writes in-memory digits as `PREFIX.npy`, `PREFIX.png` and, given labels, `PREFIX_labels.npy`."""
    npy, png, labels_npy = sample_files(prefix)
    save_npy(npy, samples)
    if labels is not None:
        save_npy(labels_npy, labels)
    save_png(make_grid(samples, GRID_ROWS), png)
    return npy, png
