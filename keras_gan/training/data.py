"""MNIST loading, checking and the input pipeline (`tf.data` on TensorFlow, NumPy on JAX).

Images stay uint8 [N, 28, 28] (white digit on black, like MNIST) until the
pipeline converts each batch to the models' [-1, 1] range with
`to_model_range`.
"""

import gzip
import zipfile
from pathlib import Path

import keras
import numpy as np

from keras_gan.errors import UserError

OFFLINE_HINT = (
    "pass `data`: a mnist.npz with x_train/y_train (as keras.datasets.mnist saves it) "
    "or a folder with the IDX files train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]"
)


def to_model_range(images_uint8):
    """uint8 [0, 255] -> float32 [-1, 1], the range of G's tanh output (NumPy arrays)."""
    return np.asarray(images_uint8, np.float32) / np.float32(127.5) - np.float32(1.0)


def load_mnist(path=None):
    """Returns the MNIST training split as (x uint8 [N, 28, 28], y uint8 [N]).

    Args:
        path: `None` or "" to use `keras.datasets.mnist` (downloads once, then
            reads its cache); a `.npz` file with `x_train`/`y_train`; or a
            folder with the MNIST IDX files (gzipped or not).

    Raises:
        UserError: the download failed, or the file is missing, corrupt or of
            the wrong shape or dtype. The message names the file.
    """
    if not path:
        try:
            (x, y), _ = keras.datasets.mnist.load_data()
        except Exception as e:  # Keras raises a bare Exception for URL errors.
            raise UserError(f"cannot download MNIST ({_first_line(e)}); {OFFLINE_HINT}", argument="data") from None
        return _checked(x, y, "keras.datasets.mnist")
    path = Path(path)
    if path.is_dir():
        return _load_idx_folder(path)
    if not path.exists():
        raise UserError(f"`data`={str(path)!r}: no such file or folder; {OFFLINE_HINT}", argument="data")
    return _load_npz(path)


def _first_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _load_npz(path):
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in ("x_train", "y_train") if k not in f.files]
            if missing:
                raise UserError(f"{path}: missing key(s) {missing}; found {sorted(f.files)}")
            x, y = f["x_train"], f["y_train"]
    except UserError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise UserError(f"{path}: not a readable .npz file ({_first_line(e)})") from None
    return _checked(x, y, path)


IDX_FILES = {"x": "train-images-idx3-ubyte", "y": "train-labels-idx1-ubyte"}
IDX_MAGIC = {"x": 2051, "y": 2049}  # uint8 data with 3 dims / 1 dim


def _load_idx_folder(folder):
    arrays = {}
    for key, stem in IDX_FILES.items():
        candidates = [folder / stem, folder / f"{stem}.gz"]
        found = [p for p in candidates if p.exists()]
        if not found:
            raise UserError(
                f"`data`={str(folder)!r}: no {stem} or {stem}.gz in this folder; {OFFLINE_HINT}", argument="data"
            )
        arrays[key] = _read_idx(found[0], IDX_MAGIC[key])
    return _checked(arrays["x"], arrays["y"], folder)


def _read_idx(path, magic):
    """Parses one IDX file: a big-endian header (magic, sizes), then uint8 data."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise UserError(f"{path}: cannot read ({_first_line(e)})") from None
    ndim = magic % 256  # the magic's last byte is the number of dimensions
    header_size = 4 + 4 * ndim
    if len(raw) < header_size or int.from_bytes(raw[:4], "big") != magic:
        raise UserError(f"{path}: not an MNIST IDX file (expected magic number {magic})")
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_size)
    if data.size != int(np.prod(shape)):
        raise UserError(f"{path}: truncated or corrupt: header says shape {shape}, found {data.size} bytes of data")
    return data.reshape(shape)


def _checked(x, y, source):
    if x.dtype != np.uint8:
        raise UserError(f"{source}: x_train must be uint8 (0..255). Received: dtype={x.dtype}")
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise UserError(f"{source}: x_train must have shape [N, 28, 28]. Received: shape={list(x.shape)}")
    if y.ndim != 1 or len(y) != len(x):
        raise UserError(
            f"{source}: y_train must have shape [{len(x)}] to match x_train. Received: shape={list(y.shape)}"
        )
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and (y.min() < 0 or y.max() > 9)):
        raise UserError(f"{source}: y_train must hold integer labels 0..9")
    return x, y.astype(np.uint8)


def check_batch_size(n, batch_size):
    """Refuses a batch larger than the `n` training images (no step would be left)."""
    if batch_size > n:
        raise UserError(
            f"`batch_size` must be at most the {n} training images. Received: batch_size={batch_size}",
            argument="batch_size",
        )


def steps_per_epoch(n, batch_size):
    """Full batches per epoch: the last partial batch is dropped (a smaller one would retrace the step)."""
    return n // batch_size


def make_dataset(x, y, batch_size, seed, start_epoch, epochs):
    """Batches of (real images in [-1, 1], labels) for epochs `start_epoch`..`epochs - 1`.

    Each epoch's order is a pure function of (seed, epoch), so a run resumed
    at epoch k sees exactly the batches the uninterrupted run saw. The last
    partial batch of each epoch is dropped: every step then has the same
    shape, and no image is shown twice in one epoch.

    On the TensorFlow backend the batches come from `tf.data` (which
    `tf.distribute` splits across replicas); on any other backend from
    `numpy_batches`, so the JAX backend needs no TensorFlow. The two draw
    different orders from the same seed.

    Args:
        x: uint8 [N, 28, 28] images.
        y: uint8 [N] labels (used by conditional GANs only).
        batch_size: Images per step.
        seed: Run seed.
        start_epoch: First epoch to produce (0-based).
        epochs: One past the last epoch to produce.

    Returns:
        (dataset, steps_per_epoch). The dataset (a `tf.data.Dataset` or a
        generator) yields (float32 [batch, 28, 28, 1], int32 [batch]).
    """
    check_batch_size(len(x), batch_size)
    steps = steps_per_epoch(len(x), batch_size)
    if keras.backend.backend() == "tensorflow":
        return _tf_dataset(x, y, batch_size, seed, start_epoch, epochs, steps), steps
    return numpy_batches(x, y, batch_size, seed, start_epoch, epochs), steps


def _tf_dataset(x, y, batch_size, seed, start_epoch, epochs, steps):
    import tensorflow as tf  # deferred: the JAX backend runs without TensorFlow installed

    n = len(x)
    images = tf.constant(x[..., None])  # uint8 [N, 28, 28, 1]; 47 MB for MNIST
    labels = tf.constant(y.astype(np.int32))

    def epoch_batches(epoch):
        keys = tf.random.stateless_uniform([n], seed=tf.stack([tf.cast(seed, tf.int64), epoch]))
        order = tf.argsort(keys)[: steps * batch_size]
        return tf.data.Dataset.from_tensor_slices(tf.reshape(order, [steps, batch_size]))

    def to_batch(idx):  # to_model_range, in TensorFlow ops: this runs inside the tf.data graph
        return tf.cast(tf.gather(images, idx), tf.float32) / 127.5 - 1.0, tf.gather(labels, idx)

    # No tf.data autotuning: the iterator's destructor waited out the autotune thread's sleep when fit()
    # returned, a stall at the end of every run (docs/performance.md). Gathering and scaling a batch is
    # far cheaper than a training step, so two parallel calls and two batches ahead keep up without tuning.
    options = tf.data.Options()
    options.autotune.enabled = False
    return (
        tf.data.Dataset.range(start_epoch, epochs)
        .flat_map(epoch_batches)
        .map(to_batch, num_parallel_calls=2)
        .prefetch(2)
        .with_options(options)
    )


def epoch_order(n, batch_size, seed, epoch):
    """The indices of one epoch's images, batch after batch: a pure function of (seed, epoch).

    Returns:
        int64 [steps_per_epoch(n, batch_size) * batch_size]: distinct indices into the N images.
    """
    return np.random.default_rng([seed, epoch]).permutation(n)[: steps_per_epoch(n, batch_size) * batch_size]


def numpy_batches(x, y, batch_size, seed, start_epoch, epochs):
    """`make_dataset`'s batches as a generator of NumPy arrays (backends other than TensorFlow).

    Each batch is gathered and converted when it is asked for, so memory
    stays at one batch beyond the uint8 images.
    """
    labels = y.astype(np.int32)
    for epoch in range(start_epoch, epochs):
        order = epoch_order(len(x), batch_size, seed, epoch)
        for batch in order.reshape(-1, batch_size):
            yield to_model_range(x[batch][..., None]), labels[batch]
