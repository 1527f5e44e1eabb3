"""Stopping a run cleanly on SIGINT (Ctrl-C) or SIGTERM (schedulers, preemptible VMs).

The first signal asks the run to stop at the next step boundary: the
callback raises `Interrupted` there, so `fit()` ends without finishing the
epoch, and the checkpoint of the last complete epoch stays as it was. A
second signal stops at once. Every file of a run is written atomically,
so stopping anywhere corrupts nothing.
"""

import contextlib
import signal
import threading

import keras

from keras_gan.errors import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopOnSignal(keras.callbacks.Callback):
    """Raises `Interrupted` at the first step boundary after a signal was received.

    Args:
        start_epoch: Epochs complete before this `fit()` began.
    """

    def __init__(self, start_epoch=0):
        super().__init__()
        self.received = None
        self.epochs_done = start_epoch

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done = epoch + 1  # the checkpoint callback ran before this one

    def on_train_batch_end(self, batch, logs=None):
        if self.received is not None:
            raise Interrupted(self.received, self.epochs_done)


@contextlib.contextmanager
def graceful_stop(callback):
    """Routes SIGINT and SIGTERM to `callback` while the block runs; restores the old handlers after.

    Outside the main thread Python cannot install signal handlers; there the
    block runs with the default ones.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(number, frame):
        if callback.received is not None:  # the second signal: stop now
            raise Interrupted(number, callback.epochs_done)
        callback.received = number

    previous = {number: signal.signal(number, handle) for number in SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
