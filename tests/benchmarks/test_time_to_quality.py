"""benchmarks/time_to_quality.py: its settings parser, its re-tabulation of saved runs, its plot, its errors."""

import json

import numpy as np
from PIL import Image

from tests.helpers import ROOT, load_script, run_python

SCRIPT = ROOT / "benchmarks" / "time_to_quality.py"


def saved_run(recipe, seed, curve, fcd10k):
    points = [{"minutes": m, "epoch": i + 1, "fcd2k": f} for i, (m, f) in enumerate(curve)]
    final = {"minutes": curve[-1][0], "fcd10k": fcd10k, "precision": 0.7, "recall": 0.8}
    return {"recipe": recipe, "arch": "dcgan", "seed": seed, "set": {}, "curve": points, "reached": {}, "final": final}


def test_settings_parse_numbers_and_booleans_as_json_and_keep_words():
    ttq = load_script(SCRIPT)
    assert ttq.parse_setting("lr=2e-3") == ("lr", 0.002)
    assert ttq.parse_setting("d_batch_norm=false") == ("d_batch_norm", False)
    assert ttq.parse_setting("loss=hinge") == ("loss", "hinge")


def test_replot_reads_the_last_json_line_and_draws_a_png(tmp_path):
    new = saved_run("new", 0, [(1.0, 50.0), (2.0, 9.0), (3.0, 5.5)], 4.2)
    old = saved_run("old", 0, [(1.0, 500.0), (2.0, 90.0)], 30.0)
    log = tmp_path / "runs.log"
    log.write_text("dcgan, new recipe, seed 0:\n  epoch 1 ...\n" + json.dumps({"time_to_quality": [new, old]}) + "\n")
    plot = tmp_path / "curves.png"
    result = run_python(SCRIPT, "--replot", log, "--plot", plot)
    last = json.loads(result.stdout.strip().splitlines()[-1])["time_to_quality"]
    assert [r["final"]["fcd10k"] for r in last] == [4.2, 30.0]
    assert "| dcgan | new | 0 |" in result.stdout and "| 3.0 | 4.20 | 0.700 | 0.800 |" in result.stdout
    with Image.open(plot) as picture:
        pixels = np.asarray(picture.convert("L"))
    assert pixels.shape == (400, 640) and pixels.std() > 10  # 6.4 x 4 inches at 100 dpi, with curves on it


def test_missing_data_is_one_line_and_a_nonzero_exit(tmp_path):
    result = run_python(SCRIPT, "--data", tmp_path / "nowhere.npz", "--recipes", "new", check=False)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "time_to_quality.py: error:" in line]
    assert len(lines) == 1 and "nowhere.npz" in lines[0] and "Traceback" not in result.stderr


def test_a_log_without_results_is_refused(tmp_path):
    log = tmp_path / "unfinished.log"
    log.write_text("dcgan, new recipe, seed 0:\n  epoch 1 ...\n")
    result = run_python(SCRIPT, "--replot", log, check=False)
    assert result.returncode != 0 and "no time_to_quality line" in result.stderr and "Traceback" not in result.stderr


def test_the_table_reports_the_minutes_to_each_target_the_runs_measured(tmp_path):
    run = saved_run("new", 1, [(1.0, 9.0), (2.0, 3.9)], 3.1)
    run["reached"] = {"4.0": 2.0, "2.5": None}  # as `--targets 4 2.5` records them
    log = tmp_path / "runs.log"
    log.write_text(json.dumps({"time_to_quality": [run]}) + "\n")
    result = run_python(SCRIPT, "--replot", log)
    assert "| min to FCD(2k) <= 4 | min to FCD(2k) <= 2.5 | epochs | minutes |" in result.stdout
    # A log from before time budgets has no epochs in its final scores: the curve's last epoch stands in.
    assert "| dcgan | new | 1 | 2.0 | - | 2 | 2.0 | 3.10 |" in result.stdout
    run["final"]["epochs"] = 7
    log.write_text(json.dumps({"time_to_quality": [run]}) + "\n")
    assert "| dcgan | new | 1 | 2.0 | - | 7 | 2.0 | 3.10 |" in run_python(SCRIPT, "--replot", log).stdout
