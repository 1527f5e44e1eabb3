"""The README's commands work when pasted: each one runs here, on tiny synthetic data."""

import re
import shlex

import numpy as np
import pytest
from PIL import Image

from tests.helpers import ROOT, run_cli

README = (ROOT / "README.md").read_text()
# Sizes that keep the README's own commands to seconds on tiny data; nothing else changes.
TINY = {"--epochs 20": "--epochs 2", "--n 100": "--n 20"}


def section(title):
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def code_blocks(text, language):
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def everyday_commands():
    lines = code_blocks(section("Everyday commands"), "bash")[0].splitlines()
    commands = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        for long, short in TINY.items():
            line = line.replace(long, short)
        commands.append(shlex.split(line))
    return commands


def test_the_readme_is_short_and_in_the_promised_order():
    assert len(README.splitlines()) <= 200
    titles = re.findall(r"^## (.+)$", README, flags=re.M)
    assert titles[:4] == ["Install", "Quick start", "Everyday commands", "Results"]
    assert "RESULT_" not in README  # every result placeholder was filled from a measurement


def test_the_quick_start_is_two_commands_and_the_second_is_ci():
    (block,) = code_blocks(section("Quick start"), "bash")
    first, second = block.strip().splitlines()
    assert "pip install -r requirements.txt ." in first and first.endswith("python train.py --arch dcgan")
    assert second == "bash .ci/run" and (ROOT / ".ci" / "run").exists()


@pytest.mark.slow
def test_the_everyday_commands_run_in_order(tmp_path, tiny_npz, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    commands = everyday_commands()
    assert [c[:2] for c in commands][:4] == [["keras-gan", "generate"]] * 2 + [["keras-gan", "train"]] * 2
    for argv in commands:
        assert argv[0] == "keras-gan", argv
        command, args = argv[1], argv[2:]
        if command == "train":
            args += ["--data", str(tiny_npz), "--eval-n", "200", "--grid-size", "2"]
            if "--resume" not in args:
                args += ["--epochs", "1"]
        if command == "demo":
            from keras_gan.cli import demo

            demo.build_parser().parse_args(args)  # parse only: it would serve until stopped
            continue
        code, out, err = run_cli(command, args, capsys)
        assert code == 0, (argv, err)
    # What the commands promised is there.
    with Image.open("digits.png") as png:
        assert png.size[0] > 28
    # The README's first picture is what this command draws: it goes stale if the pretrained G changes.
    assert "](docs/pretrained_dcgan.png)" in README
    with Image.open("digits.png") as png, Image.open(ROOT / "docs" / "pretrained_dcgan.png") as pictured:
        drawn, shown = np.asarray(png, dtype=np.int16), np.asarray(pictured, dtype=np.int16)
    assert drawn.shape == shown.shape
    # Another CPU's round-off moves a pixel by a level or two (as in tests/test_pretrained.py).
    assert np.abs(drawn - shown).max() <= 3 and np.abs(drawn - shown).mean() < 0.05
    assert np.load("sevens.npy").shape == (16, 28, 28)
    assert np.load("runs/threes.npy").shape == (20, 28, 28)
    assert sorted(p.name for p in (tmp_path / "runs" / "cdcgan").glob("epoch_*.png")) == [
        "epoch_001.png",
        "epoch_002.png",
    ]
    assert (tmp_path / "runs" / "cdcgan" / "eval.json").exists()
    assert (tmp_path / "runs" / "cdcgan" / "export" / "saved_model" / "1" / "saved_model.pb").exists()


@pytest.mark.slow
def test_the_python_example_runs(tmp_path, tiny_npz, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (example,) = code_blocks(section("Everyday commands"), "python")
    example = example.replace('data="mnist.npz"', f"data={str(tiny_npz)!r}, eval_n=200, grid_size=2")
    printed = []
    monkeypatch.setattr("builtins.print", lambda *a, **k: printed.append(a))
    exec(compile(example, "README.md", "exec"), {})
    assert (tmp_path / "runs" / "try" / "generator.keras").exists()
    assert len(printed) == 1 and float(printed[0][0]) > 0  # the FCD
