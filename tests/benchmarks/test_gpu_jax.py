"""benchmarks/gpu_jax.sh, the prepared GPU command: its argument checks (the runs themselves need a GPU's time)."""

import subprocess

from tests.helpers import ROOT

SCRIPT = ROOT / "benchmarks" / "gpu_jax.sh"


def run_script(*args, tmp_path):
    return subprocess.run(["bash", str(SCRIPT), *map(str, args)], capture_output=True, text=True, cwd=tmp_path)


def test_without_data_it_prints_its_usage_and_fails(tmp_path):
    result = run_script(tmp_path=tmp_path)
    assert result.returncode != 0 and "usage: bash benchmarks/gpu_jax.sh MNIST_NPZ [OUT_DIR]" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_missing_data_file_is_one_line_and_exit_2_before_anything_runs(tmp_path):
    result = run_script(tmp_path / "nowhere.npz", tmp_path / "out", tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"gpu_jax.sh: {tmp_path / 'nowhere.npz'}: no such file (a mnist.npz with x_train/y_train)"
    ]
    assert not (tmp_path / "out").exists() and result.stdout == ""
