"""A time budget (`TrainConfig.minutes`) turned into a number of epochs, timed on this machine.

The default recipes train for minutes, not epochs: the same command then
takes about as long on a laptop as on a fast server, and the faster machine
spends its time on more epochs. Before the run, `plan_epochs` times a short
probe of the real thing: a throwaway copy of the model trains a few steps
and ends one epoch with the run's own callbacks (evaluation, grid,
checkpoint) in a scratch folder. The plan is then a plain epoch count, so
the run that follows is exactly `epochs=N`, the learning-rate schedule
included, and `--epochs N` repeats it on any machine.
"""

import dataclasses
import math
import tempfile
import time

import keras
import numpy as np

# Steps of the probe: the first ones trace and compile the step, the rest are timed.
WARMUP_STEPS = 5
TIMED_STEPS = 40
PROBE_STEPS = WARMUP_STEPS + TIMED_STEPS
# Epoch times wander by a few percent from one epoch to the next; plan for the slow ones.
SAFETY = 1.03


@dataclasses.dataclass
class Plan:
    """How a budget is spent: the timings (seconds), and the epochs they allow.

    Attributes:
        budget: The budget.
        elapsed: Already spent before the run begins: start-up, data, the probe.
        compile: Building and compiling the model, paid once per run.
        step: One training step.
        steps_per_epoch: Steps in an epoch.
        evaluation: One evaluation of the quality monitor (0 if off).
        eval_every: Epochs between evaluations (0: off).
        epoch_end: The rest of an epoch's end: grid, CSV, checkpoint.
        cap: The most epochs to plan (`--epochs` given with `--minutes`), or None.
        measured: The epochs this budget plans where the documented scores
            were measured (`ArchSpec.measured_epochs`), or None; a plan of
            fewer says what those would cost here.
    """

    budget: float
    elapsed: float
    compile: float
    step: float
    steps_per_epoch: int
    evaluation: float
    eval_every: int
    epoch_end: float
    cap: int | None = None
    measured: int | None = None

    @property
    def epochs(self):
        """Epochs that fit the budget (at least 1, at most the cap)."""
        # The tail writes the generator and the GIF, about what a checkpoint costs.
        return epochs_within(self.budget, self.elapsed, self.compile, self.epoch_seconds, self.epoch_end, self.cap)

    @property
    def epoch_seconds(self):
        """Wall time of one epoch, its share of the evaluations included."""
        evaluations = self.evaluation / self.eval_every if self.eval_every else 0.0
        return self.step * self.steps_per_epoch + evaluations + self.epoch_end

    def minutes_for(self, epochs):
        """Minutes that `epochs` epochs would take on this machine, start-up included."""
        return (self.elapsed + self.compile + self.epoch_end + epochs * self.epoch_seconds) / 60

    @property
    def short(self):
        """Whether the budget fits fewer epochs than where the documented scores were measured (no cap set)."""
        return self.cap is None and self.measured is not None and self.epochs < self.measured

    def summary(self):
        """What was measured, what it allows, and how to repeat it; a second line when the plan is short."""
        line = (
            f"Time budget {self.budget / 60:g} min: about {self.epoch_seconds:.1f} s per epoch on this machine "
            f"({self.step * 1000:.1f} ms per step, {self.evaluation:.1f} s per evaluation), "
            f"so {self.epochs} epoch{'s' if self.epochs != 1 else ''}; --epochs {self.epochs} repeats this run"
        )
        if not self.short:
            return line
        # A slow CPU fits fewer epochs, and fewer epochs draw rougher digits than the docs show.
        return (
            f"{line}\nFewer epochs than the {self.measured} behind the documented scores (the default run on "
            f"a 2-core CPU): expect rougher digits, or train --epochs {self.measured} "
            f"(about {self.minutes_for(self.measured):.0f} min here)"
        )


def epochs_within(budget, elapsed, compile_s, epoch_s, tail_s, cap=None):
    """The most whole epochs that end within `budget` seconds (at least 1, at most `cap`).

    Args:
        budget: Seconds allowed for the whole run, counted from its start.
        elapsed: Seconds already spent.
        compile_s: Seconds to build and compile the model before the first step.
        epoch_s: Seconds per epoch.
        tail_s: Seconds after the last epoch (the final generator and GIF).
        cap: The most epochs to plan, or None.
    """
    left = budget - elapsed - compile_s - tail_s
    epochs = max(1, math.floor(left / (epoch_s * SAFETY)))
    return min(epochs, cap) if cap else epochs


class _Clock(keras.callbacks.Callback):
    """Marks the end of each step and, by its place in the callback list, a point in the epoch's end."""

    def __init__(self):
        super().__init__()
        self.steps, self.epoch_end = [], None

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append(time.perf_counter())

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_end = time.perf_counter()


def probe(build, dataset, callbacks, steps=PROBE_STEPS):
    """Times a throwaway model: its build and first step, its steps, and its epoch end.

    The callbacks run as in the real run, with two clocks around the first
    one (the quality monitor, when it is on) so that its cost is told apart
    from the other callbacks'.

    Args:
        build: Builds and returns the compiled model.
        dataset: At least `steps` batches, as `fit` takes them.
        callbacks: The run's callbacks, writing into a scratch folder; the
            quality monitor first, when the run evaluates.
        steps: Steps to train, warm-up included.

    Returns:
        (compile, step, first callback, other callbacks), in seconds.
    """
    start = time.perf_counter()
    model = build()
    first, after_first, last = _Clock(), _Clock(), _Clock()
    listed = [first, *callbacks[:1], after_first, *callbacks[1:], last]
    model.fit(dataset, epochs=1, steps_per_epoch=steps, callbacks=listed, verbose=0, shuffle=False)
    step = float(np.median(np.diff(first.steps[WARMUP_STEPS - 1 :])))
    compile_s = first.steps[0] - start - step
    return compile_s, step, after_first.epoch_end - first.steps[-1], last.epoch_end - after_first.epoch_end


def plan_epochs(config, started, build, dataset, make_callbacks, steps_per_epoch, measured=None):
    """The epochs of `config` that fit in `config.minutes`, counted from `started`.

    Args:
        config: A validated `TrainConfig` with `minutes` set; its `epochs`,
            if set, caps the plan.
        started: `time.perf_counter()` when the run began.
        build: Builds and returns a compiled throwaway model.
        dataset: `PROBE_STEPS` batches (or more) for the probe.
        make_callbacks: `make_callbacks(folder)` returns the run's
            callbacks writing into `folder`, the quality monitor first when
            `config.eval_every` is set.
        steps_per_epoch: Steps in an epoch of the real run.
        measured: `Plan.measured`: the epochs of the documented scores, or None.

    Returns:
        A `Plan`.
    """
    with tempfile.TemporaryDirectory(prefix="keras-gan-probe-") as scratch:
        compile_s, step, first, others = probe(build, dataset, make_callbacks(scratch))
    evaluation, epoch_end = (first, others) if config.eval_every else (0.0, first + others)
    elapsed = time.perf_counter() - started
    timings = (compile_s, step, steps_per_epoch, evaluation, config.eval_every, epoch_end)
    return Plan(config.minutes * 60, elapsed, *timings, cap=config.epochs, measured=measured)
