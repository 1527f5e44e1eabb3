"""The engine under tf.distribute: MirroredStrategy on 2 logical CPU devices, and 2 local multi-worker processes."""

import json
import math
import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT, SCRIPTS


def run_step_script(*args, env=None):
    """Runs tests/scripts/distributed_step.py in a fresh process; returns its JSON report."""
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "distributed_step.py"), *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["gan", "dcgan"])
def test_mirrored_metrics_and_noise(arch):
    report = run_step_script(arch)
    assert report["replicas"] == 2
    # Each replica draws its own noise, so the two halves of a batch differ.
    assert report["replica_noise_differs"]
    # Losses are means over the global batch: log 2 for a zero discriminator,
    # on one device and on two replicas alike (not log 2 / 2).
    for run in ("mirrored", "single"):
        assert report[run]["d_loss"] == pytest.approx(math.log(2), rel=1e-5)
        assert report[run]["g_loss"] == pytest.approx(math.log(2), rel=1e-5)
        assert report[run]["d_real"] == pytest.approx(0.5) and report[run]["d_fake"] == pytest.approx(0.5)


@pytest.mark.slow
def test_train_checkpoint_and_resume_under_mirrored_strategy(tmp_path):
    report = run_step_script("train", str(tmp_path))
    assert report["replicas"] == [2, 2, 2]  # straight, first part, resumed part
    assert report["max_weight_diff"] < 1e-5
    assert report["grids"] == ["epoch_001.png", "epoch_002.png"] and report["gif"]


@pytest.mark.slow
@pytest.mark.parametrize("arch, r1", [("gan", "0"), ("dcgan", "0"), ("dcgan", "1.0")], ids=["gan", "dcgan", "dcgan-r1"])
def test_two_replicas_take_the_single_device_step(arch, r1):
    # Plain SGD (Adam would hide a scale error) on the same batch and noise, under both of TensorFlow's CPU
    # kernel paths (oneDNN on and off): on some CPUs one of them puts dcgan's 2-device graph off the
    # one-device step, and which one depends on the CPU (docs/scaling.md). Our scaling maths must match on
    # the other, and a mis-scaled loss must fail on both.
    # Each network's step is compared from the same weights: G's step can magnify D's last-bit rounding
    # (see distributed_step.equivalence).
    reports = [run_step_script("equivalence", arch, r1, env={"TF_ENABLE_ONEDNN_OPTS": flag}) for flag in "01"]
    for report in reports:
        assert report["repeat_diff"] == 0.0
        # Averaging per replica instead of over the global batch doubles the step: caught.
        assert report["mis_scaled_diff"] > 1e-3
    assert min(max(report["d_step_diff"], report["g_step_diff"]) for report in reports) < 1e-5


def free_ports(n):
    """n TCP ports on 127.0.0.1 that were free a moment ago."""
    import socket

    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_two_workers(tmp_path, data, outs, weights, resume=False):
    """Starts 2 MultiWorkerMirroredStrategy workers on 127.0.0.1 (tests/scripts/multiworker_run.py); waits for both."""
    ports = ",".join(map(str, free_ports(2)))
    procs = []
    for index in (0, 1):
        tmp = tmp_path / f"tmp{index}"
        tmp.mkdir(exist_ok=True)
        argv = [sys.executable, str(SCRIPTS / "multiworker_run.py"), str(index), ports, str(data)]
        argv += [str(outs[index]), str(weights[index])] + (["--resume"] if resume else [])
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
        procs.append(subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    try:
        results = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for p, (_, err) in zip(procs, results):
        assert p.returncode == 0, err[-2000:]


@pytest.mark.slow
def test_two_workers_train_one_model_and_only_the_chief_writes(tiny_npz, tmp_path):
    import numpy as np

    chief_out, worker_out = tmp_path / "run", tmp_path / "worker-run"
    weights = [tmp_path / "w0.npz", tmp_path / "w1.npz"]
    run_two_workers(tmp_path, tiny_npz, [chief_out, worker_out], weights)

    def same_weights():
        a, b = np.load(weights[0]), np.load(weights[1])
        assert len(a.files) > 10
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])

    same_weights()
    expected = {"config.json", "metrics.csv", "epoch_001.png", "progress.gif", "checkpoint.npz", "generator.keras"}
    expected.add(".lock")  # the chief's run-folder lock, released when it ended
    assert {p.name for p in chief_out.iterdir()} == expected
    assert not worker_out.exists()  # worker 1 wrote to a temporary folder...
    assert not any((tmp_path / "tmp1").iterdir())  # ...and removed it

    # Resume to epoch 2 under the same strategy: every worker reads the chief's checkpoint.
    run_two_workers(tmp_path, tiny_npz, [chief_out, chief_out], weights, resume=True)
    same_weights()
    rows = (chief_out / "metrics.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["1", "2"]
    assert (chief_out / "epoch_002.png").exists()


def test_multiworker_needs_a_good_tf_config(monkeypatch):
    from keras_gan.errors import UserError
    from keras_gan.training.distribute import make_strategy

    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(UserError, match="reads the cluster from TF_CONFIG, which is not set"):
        make_strategy("multiworker")
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {}}')
    with pytest.raises(UserError, match="TF_CONFIG must look like"):
        make_strategy("multiworker")


@pytest.mark.parametrize("tpu", ["", "no-such-tpu"])
def test_tpu_strategy_without_a_tpu_is_one_clear_error(tpu):
    # No TPU here: this is all of TPUStrategy that can be tested on a CPU.
    from keras_gan.errors import UserError
    from keras_gan.training.distribute import make_strategy

    with pytest.raises(UserError, match="`strategy`=.tpu.: no TPU at"):
        make_strategy("tpu", tpu=tpu)


@pytest.mark.parametrize(
    "task, cluster, chief",
    [
        (None, {}, True),  # no cluster: a single process writes
        (("worker", 0), {"worker": ["a:1", "b:1"]}, True),  # only workers: worker 0 is the chief
        (("worker", 1), {"worker": ["a:1", "b:1"]}, False),
        (("chief", 0), {"chief": ["c:1"], "worker": ["a:1"]}, True),
        (("worker", 0), {"chief": ["c:1"], "worker": ["a:1"]}, False),
    ],
)
def test_is_chief(task, cluster, chief):
    import tensorflow as tf

    from keras_gan.training.distribute import is_chief

    class Strategy:
        cluster_resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
            tf.train.ClusterSpec(cluster), task_type=task and task[0], task_id=task and task[1]
        )

    assert is_chief(Strategy()) is chief
