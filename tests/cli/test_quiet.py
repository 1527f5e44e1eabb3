"""`keras_gan.cli.quiet`: TensorFlow's native start-up lines are hidden, everything else on stderr is kept."""

import os
import subprocess
import sys

from keras_gan.cli.quiet import is_startup_noise, quiet_native_startup
from tests.helpers import ROOT

NOTICE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
ONEDNN = (
    "I0000 00:00:1796624305.958040   20743 port.cc:153] oneDNN custom operations are on. You may see slightly "
    "different numerical results due to floating-point round-off errors from different computation orders.\n"
)
NATIVE_WARNING = "W0000 00:00:1796624305.958040   20743 cpu_allocator_impl.cc:83] Allocation exceeds 10% of memory.\n"


def test_only_info_lines_and_the_notice_are_noise_and_only_from_level_1():
    assert is_startup_noise(NOTICE, 1)
    assert is_startup_noise(ONEDNN, 1)
    assert not is_startup_noise(NATIVE_WARNING, 3)
    assert not is_startup_noise("Traceback (most recent call last):\n", 3)
    assert not is_startup_noise("I0000 is not a log line\n", 1)
    assert not is_startup_noise(ONEDNN, 0)  # TF_CPP_MIN_LOG_LEVEL=0 asks for everything


def test_the_block_filters_what_is_written_to_the_descriptor_and_keeps_the_rest(capfd, monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    print("before", file=sys.stderr)
    with quiet_native_startup():
        # As the C++ side writes: straight to descriptor 2, past Python's sys.stderr.
        os.write(2, (NOTICE + ONEDNN + NATIVE_WARNING).encode())
        os.write(2, b"a line of a traceback\n")
        os.write(2, ONEDNN.encode())
    print("after", file=sys.stderr)
    err = capfd.readouterr().err
    assert err == "before\n" + NATIVE_WARNING + "a line of a traceback\nafter\n"


def test_the_block_restores_stderr_and_reports_what_an_exception_left(capfd, monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    try:
        with quiet_native_startup():
            os.write(2, b"half-written import error\n")
            raise ImportError("boom")
    except ImportError:
        pass
    os.write(2, b"still here\n")
    assert capfd.readouterr().err == "half-written import error\nstill here\n"


def test_a_cli_command_prints_none_of_tensorflows_start_up_lines():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = str(ROOT)
    # TensorFlow turns its oneDNN operations (and their notice) on by itself only on some CPUs (AVX-512 ones):
    # asked for, they come on every x86 CPU, so the control below holds on any machine.
    env["TF_ENABLE_ONEDNN_OPTS"] = "1"

    def stderr_of(*args):
        result = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stderr

    # The control: this TensorFlow does print them, whatever TF_CPP_MIN_LOG_LEVEL says, so the filter is needed.
    plain = stderr_of("-c", "import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '1'; import keras")
    assert "absl::InitializeLog" in plain and "oneDNN custom operations" in plain
    quiet = stderr_of("-m", "keras_gan", "info")
    assert "absl::InitializeLog" not in quiet
    assert "oneDNN custom operations" not in quiet
