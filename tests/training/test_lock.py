"""The run-folder lock: one writer at a time, a dead writer never blocks, readers see whole files."""

import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

from keras_gan import paths
from keras_gan.core.sampling import load_generator
from keras_gan.errors import UserError
from keras_gan.files import save_keras
from keras_gan.training.lock import run_folder_lock
from tests.helpers import ROOT, randomized_generator


def test_a_second_holder_is_refused_with_the_folder_and_the_pid(tmp_path):
    with run_folder_lock(tmp_path / "run"):
        assert (tmp_path / "run" / paths.LOCK).read_text().strip() == str(os.getpid())
        with pytest.raises(
            UserError, match=f"{tmp_path / 'run'} is in use by another training run \\(PID {os.getpid()}\\)"
        ):
            with run_folder_lock(tmp_path / "run"):
                pass
    with run_folder_lock(tmp_path / "run"):  # released at the end of the block
        pass


def test_a_lock_left_by_a_killed_process_does_not_block(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom keras_gan.training.lock import run_folder_lock\n"
         "with run_folder_lock(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(120)\n", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(UserError, match=f"PID {holder.pid}"):
            with run_folder_lock(tmp_path):
                pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        holder.kill()
    with run_folder_lock(tmp_path):  # the kernel released it with the process
        assert (tmp_path / paths.LOCK).read_text().strip() == str(os.getpid())


def test_an_out_that_is_a_file_or_cannot_be_made_is_one_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="cannot use .* as a run folder"):
        with run_folder_lock(tmp_path / "file"):
            pass
    with pytest.raises(UserError, match="cannot use .* as a run folder"):
        with run_folder_lock(tmp_path / "file" / "run"):
            pass


def test_readers_always_load_a_whole_generator_while_it_is_replaced(tmp_path):
    """A writer replaces generator.keras over and over (as training does); every read is one whole version."""
    versions = [randomized_generator("gan", seed=s) for s in (1, 2)]
    first_weights = [v.get_weights()[-1] for v in versions]
    path = tmp_path / paths.GENERATOR
    save_keras(versions[0], path)
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            i += 1
            save_keras(versions[i % 2], path)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen = set()
        for _ in range(15):
            loaded = load_generator(tmp_path).get_weights()[-1]
            match = [i for i, w in enumerate(first_weights) if np.array_equal(w, loaded)]
            assert len(match) == 1
            seen.add(match[0])
    finally:
        stop.set()
        thread.join()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left
