import dataclasses
import json
import time

import keras
import pytest

from keras_gan.training import budget
from keras_gan.training import run as training
from keras_gan.training.callbacks import read_csv
from tests.training.test_run import assert_same_state, final_state


def test_epochs_within_counts_whole_epochs_after_the_fixed_costs():
    # 600 s budget - 20 elapsed - 10 compile - 5 tail = 565 s; 565 / (25 * 1.03) = 21.9.
    assert budget.epochs_within(600, 20, 10, 25, 5) == 21
    assert budget.epochs_within(600, 20, 10, 25, 5, cap=8) == 8
    assert budget.epochs_within(600, 20, 10, 25, 5, cap=40) == 21


def test_epochs_within_plans_at_least_one_epoch():
    assert budget.epochs_within(30, 20, 10, 25, 5) == 1


def test_plan_shares_the_evaluations_among_the_epochs_between_them():
    plan = budget.Plan(600, 20, 10, 0.02, 100, evaluation=4.0, eval_every=2, epoch_end=1.0, cap=7)
    assert plan.epoch_seconds == pytest.approx(0.02 * 100 + 4.0 / 2 + 1.0)
    off = dataclasses.replace(plan, evaluation=0.0, eval_every=0)
    assert off.epoch_seconds == pytest.approx(3.0)
    assert "7 epochs" in plan.summary() and "--epochs 7 repeats this run" in plan.summary()


def slow_plan(**changes):
    # 570 s budget - 20 elapsed - 10 compile - 1 tail = 539 s; an epoch is 0.5 * 100 + 5 + 1 = 56 s;
    # 539 / (56 * 1.03) = 9.3, so 9 epochs.
    kwargs = dict(evaluation=5.0, eval_every=1, epoch_end=1.0, measured=21) | changes
    return budget.Plan(570, 20, 10, 0.5, 100, **kwargs)


def test_a_plan_short_of_the_documented_epochs_says_what_they_would_cost_here():
    plan = slow_plan()
    assert plan.epochs == 9 and plan.short
    # 21 epochs: (20 + 10 + 1 + 21 * 56) / 60 = 20.1 minutes.
    assert plan.minutes_for(21) == pytest.approx(20.1166, abs=1e-3)
    first, second = plan.summary().split("\n")
    assert first.endswith("so 9 epochs; --epochs 9 repeats this run")
    assert "Fewer epochs than the 21 behind the documented scores" in second
    assert second.endswith("train --epochs 21 (about 20 min here)")


@pytest.mark.parametrize(
    "changes",
    [dict(measured=None), dict(measured=9), dict(cap=9), dict(evaluation=0.0, eval_every=0, measured=10)],
    ids=["no documented epochs", "as many as documented", "epochs capped by the user", "enough epochs"],
)
def test_a_plan_that_is_not_short_is_one_line(changes):
    plan = slow_plan(**changes)
    assert not plan.short and "\n" not in plan.summary()


@pytest.mark.parametrize(
    ("arch", "minutes", "measured"),
    [("dcgan", None, 21), ("dcgan", 9.5, 21), ("dcgan", 5.0, None), ("cdcgan", None, 18), ("gan", 1.0, None)],
)
def test_only_the_default_budget_compares_with_the_documented_epochs(tiny_config, monkeypatch, arch, minutes, measured):
    # Only the recipe's own minutes were measured; a budget the user chose plans what it plans.
    seen = {}

    def fake_plan(config, started, build, dataset, make_callbacks, steps_per_epoch, measured=None):
        seen["measured"] = measured
        return slow_plan(measured=measured)

    monkeypatch.setattr(budget, "plan_epochs", fake_plan)
    config = dataclasses.replace(tiny_config, arch=arch, epochs=None, minutes=minutes).validate()
    x, y = training.data.load_mnist(config.data)
    training.plan_epochs(config, None, x, y, time.perf_counter(), verbose=0)
    assert seen["measured"] == measured


class Sleep(keras.callbacks.Callback):
    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_epoch_end(self, epoch, logs=None):
        time.sleep(self.seconds)


def test_probe_times_the_steps_and_tells_the_first_callback_from_the_others(tiny_config):
    config = tiny_config.validate()
    x, y = training.data.load_mnist(config.data)
    dataset, _ = training.data.make_dataset(x, y, config.batch_size, config.seed, 0, 8)
    compile_s, step, first, others = budget.probe(
        lambda: training.build_model(config), dataset, [Sleep(0.4), Sleep(0.1)], steps=budget.PROBE_STEPS
    )
    assert compile_s > 0 and 0 < step < 1
    assert first >= 0.4 and others >= 0.1
    assert first > others


def test_a_budget_plans_the_epochs_and_the_run_equals_one_given_them(tiny_config, capsys):
    # A tiny budget, so the plan is the floor of one epoch whatever this machine's speed.
    budgeted = dataclasses.replace(tiny_config, epochs=None, minutes=0.001)
    run_dir = training.train(budgeted)
    assert "Time budget 0.001 min" in capsys.readouterr().out
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["epochs"] == 1 and saved["minutes"] == 0.001
    assert [r["epoch"] for r in read_csv(run_dir / "metrics.csv")] == ["1"]
    assert not list(run_dir.glob("*probe*"))  # the probe wrote into a scratch folder, not here

    # The probe trained a throwaway model: the run itself is exactly `epochs=1`.
    fixed = training.train(dataclasses.replace(tiny_config, epochs=1, out=str(run_dir) + "-fixed"), verbose=0)
    assert_same_state(final_state(run_dir), final_state(fixed))


def test_epochs_caps_a_budget(tiny_config):
    run_dir = training.train(dataclasses.replace(tiny_config, epochs=2, minutes=60.0), verbose=0)
    assert [r["epoch"] for r in read_csv(run_dir / "metrics.csv")] == ["1", "2"]


def test_a_resumed_budget_run_keeps_its_planned_epochs(tiny_config):
    run_dir = training.train(dataclasses.replace(tiny_config, epochs=2, minutes=60.0), verbose=0)
    config = training.resume_config(run_dir, epochs=3)
    assert (config.epochs, config.minutes) == (3, 60.0)
    training.train(config, resume=True, verbose=0)
    assert [r["epoch"] for r in read_csv(run_dir / "metrics.csv")] == ["1", "2", "3"]
