"""The single source of hyperparameters: `TrainConfig`.

Each field carries its own help text; the command line (`keras-gan train
--help`) and the flag table in docs/cli.md are generated from it. Every run
saves the config as `config.json` beside its models, so a run folder always
says how it was made.
"""

import dataclasses
import json
import math
from pathlib import Path

from keras_gan.core.architectures import ARCHITECTURES, get_arch
from keras_gan.core.losses import OBJECTIVES, get_objective
from keras_gan.errors import UserError, invalid
from keras_gan.files import atomic_write_text

STRATEGIES = ("auto", "default", "mirrored", "multiworker", "tpu")

# Bounds that keep a typo from asking for more memory than any machine has.
MAX_LATENT_DIM = 4096
MAX_GRID_SIZE = 32
MAX_EVAL_N = 100_000
MAX_SEED = 2**31 - 1
MAX_D_WIDTH = 1024
MAX_MINUTES = 7 * 24 * 60

# What a `None` field becomes when the architecture has no default of its own.
FALLBACKS = {"lr": 2e-4, "beta2": 0.999, "lr_decay": 0.0, "ema_kimg": 0.0}


def _field(default, help_text):
    return dataclasses.field(default=default, metadata={"help": help_text})


@dataclasses.dataclass
class TrainConfig:
    """Everything that defines a training run.

    Each field's meaning is its `help` metadata (`TrainConfig.help(name)`),
    shown by `keras-gan train --help` and in docs/cli.md. A field whose
    default is `None` takes the architecture's own default
    (`ArchSpec.defaults`), filled in by `validate()`.

    Example:

    >>> config = TrainConfig(arch="gan", epochs=5, data="mnist.npz").validate()
    >>> config.d_lr  # gan has no D rate of its own: D follows lr
    0.0002
    """

    arch: str = _field("dcgan", "network pair (docs/how-it-works.md): gan, dcgan, or the conditional cgan, cdcgan")
    epochs: int | None = _field(
        None, "passes over the 60,000 training digits (with `minutes`: the most epochs to plan)"
    )
    minutes: float | None = _field(
        None,
        "time budget: train as many epochs as fit in this many minutes, evaluation included, "
        "as timed on this machine before the run; the run prints the count, and `epochs` repeats it",
    )
    batch_size: int = _field(64, "images per training step (the global batch under a distribution strategy)")
    latent_dim: int = _field(100, "length of the noise vector z")
    lr: float | None = _field(None, "Adam learning rate of G (and of D unless `d_lr` is set; default 2e-4)")
    d_lr: float | None = _field(None, "Adam learning rate of D (default: `lr`, unless the architecture sets its own)")
    # 0.5 rather than Adam's 0.9: a GAN's target moves every step, and a long momentum overshoots.
    beta1: float = _field(0.5, "Adam beta_1 of both networks")
    beta2: float | None = _field(None, "Adam beta_2 of both networks (default 0.999)")
    lr_decay: float | None = _field(
        None, "both learning rates fall linearly to 0 over this last fraction of the run (default 0: constant)"
    )
    ema: float = _field(
        0.999, "momentum of the moving average of G's weights that grids, evaluations and saved generators use (0: off)"
    )
    ema_kimg: float | None = _field(
        None, "if not 0: the average's half-life in thousands of images, ramped up from the start, replaces `ema`"
    )
    from_logits: bool = _field(True, "D outputs a logit and the loss applies the sigmoid (off: D ends in a sigmoid)")
    loss: str = _field("bce", "the objective (docs/objectives.md): bce, hinge, lsgan, wgan-gp or rpgan")
    r1: float = _field(0.0, "weight gamma of the R1 gradient penalty on real images (0: off)")
    r2: float = _field(0.0, "weight gamma of the R2 gradient penalty on generated images (0: off)")
    reg_every: int = _field(1, "compute the gradient penalties every N steps, N times as strong (lazy regularization)")
    d_batch_norm: bool | None = _field(
        None, "batch norm in D's hidden layers (default: on, unless a gradient penalty is used)"
    )
    d_width: int | None = _field(
        None,
        "dcgan only: D's channels at its last layer (default 64); a wider D traded FCD and precision "
        "for recall in 56-epoch runs (docs/results.md)",
    )
    seed: int = _field(0, "seeds weights, data order and noise; the same seed repeats a CPU run")
    data: str = _field(
        "", "local MNIST: a .npz with x_train/y_train or a folder of IDX files (default: keras.datasets.mnist)"
    )
    out: str = _field("", "run folder (default: saved_models/<arch>-<timestamp>)")
    grid_size: int = _field(8, "the per-epoch image grid is N x N digits")
    tensorboard: bool = _field(False, "also write TensorBoard logs (losses and the grid) into <out>/tensorboard")
    eval_every: int = _field(
        1, "every N epochs measure FCD and class coverage, keep best_generator.keras, stop on collapse (0: off)"
    )
    eval_n: int = _field(2000, "samples per evaluation during training (FCD depends on N: compare like with like)")
    strategy: str = _field(
        "auto",
        "tf.distribute strategy: auto (mirrored over several GPUs if present), default (one device), "
        "mirrored, multiworker (from TF_CONFIG) or tpu",
    )
    tpu: str = _field("", "TPU name or grpc://HOST:8470 for `strategy` tpu (default: this VM's TPU)")
    mixed_precision: bool = _field(
        False, "compute in float16 (GPU) or bfloat16 (CPU, TPU); weights, outputs and losses stay float32"
    )
    jit: bool | None = _field(None, "compile the train step with XLA (default: on with a GPU, off on a CPU)")

    @staticmethod
    def help(name):
        """The help text of field `name`."""
        return {f.name: f.metadata["help"] for f in dataclasses.fields(TrainConfig)}[name]

    def validate(self):
        """Checks every field and fills in the `None` ones from the architecture's defaults.

        Returns:
            `self`, for chaining.

        Raises:
            UserError: naming the first bad field and the value received.
        """
        if not isinstance(self.arch, str) or self.arch not in ARCHITECTURES:
            raise invalid("arch", self.arch, f"one of {sorted(ARCHITECTURES)}")
        spec = get_arch(self.arch)
        # The run's length is the user's if they gave one (epochs, a budget or both), else the architecture's.
        given_length = self.epochs is not None or self.minutes is not None
        for name, value in spec.defaults.items():
            if getattr(self, name) is None and not (given_length and name in ("epochs", "minutes")):
                setattr(self, name, value)
        for name, value in FALLBACKS.items():
            if getattr(self, name) is None:
                setattr(self, name, value)
        if self.d_lr is None:
            self.d_lr = self.lr
        _check_strategy(self)
        if self.minutes is None or self.epochs is not None:
            _positive_int(self, "epochs")
        if self.minutes is not None:
            _float_in(self, "minutes", 0, MAX_MINUTES, f"a number of minutes in (0, {MAX_MINUTES}]", low_open=True)
            if self.strategy == "multiworker":
                raise UserError(
                    "`minutes` cannot plan a multi-worker run: each worker would time its own machine and "
                    "plan another epoch count; give `epochs`",
                    argument="minutes",
                )
        _positive_int(self, "batch_size")
        _positive_int(self, "latent_dim", MAX_LATENT_DIM)
        _positive_int(self, "grid_size", MAX_GRID_SIZE)
        _positive_int(self, "eval_n", MAX_EVAL_N)
        _int_in(self, "eval_every", 0, None, "0 (off) or a positive integer")
        _int_in(self, "seed", 0, MAX_SEED, f"an integer in [0, {MAX_SEED}]")
        if spec.codes and self.latent_dim <= spec.codes:
            raise UserError(
                f"`latent_dim` must exceed {spec.codes} for arch {self.arch}: its first {spec.codes} entries pick "
                f"the latent code. Received: latent_dim={self.latent_dim}",
                argument="latent_dim",
            )
        # Above 1, an Adam step moves a weight by more than its typical size.
        _float_in(self, "lr", 0, 1, "in (0, 1]", low_open=True)
        _float_in(self, "d_lr", 0, 1, "in (0, 1]", low_open=True)
        _float_in(self, "beta1", 0, 1, "in [0, 1)", high_open=True)
        _float_in(self, "beta2", 0, 1, "in [0, 1)", high_open=True)
        _float_in(self, "lr_decay", 0, 1, "in [0, 1] (0: constant)")
        _float_in(self, "ema", 0, 1, "in [0, 1) (0 turns it off)", high_open=True)
        _float_in(self, "ema_kimg", 0, 1e6, "a half-life in [0, 1e6] thousand images (0: the fixed `ema`)")
        _check_objective(self)
        _check_d_width(self)
        for name in ("from_logits", "tensorboard", "mixed_precision"):
            if not isinstance(getattr(self, name), bool):
                raise invalid(name, getattr(self, name), "True or False")
        if self.jit is not None and not isinstance(self.jit, bool):
            raise invalid("jit", self.jit, "True, False or None (per device)")
        for name in ("data", "out", "tpu"):
            if not isinstance(getattr(self, name), str):
                raise invalid(name, getattr(self, name), "a string")
        return self

    def to_json(self, path):
        """Writes the config as JSON (atomically) to `path`."""
        atomic_write_text(Path(path), json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    @classmethod
    def from_json(cls, path):
        """Reads a config written by `to_json`.

        Raises:
            UserError: the file is missing or not JSON, is not an object, or
                has keys that `TrainConfig` does not know.
        """
        path = Path(path)
        try:
            values = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise UserError(f"cannot read config {path}: {str(e).splitlines()[0]}") from None
        if not isinstance(values, dict):
            raise UserError(f"{path}: expected a JSON object of TrainConfig fields. Received: {type(values).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UserError(f"{path} has unknown keys {unknown}; expected a subset of {sorted(known)}")
        if "d_lr" not in values and "lr" in values:
            values["d_lr"] = values["lr"]  # a run from before d_lr: both networks shared lr
        if "lr" in values:
            # A run from before beta2, lr_decay and ema_kimg: Adam's beta_2, a constant rate, a fixed EMA.
            values.setdefault("beta2", FALLBACKS["beta2"])
            values.setdefault("lr_decay", FALLBACKS["lr_decay"])
            values.setdefault("ema_kimg", FALLBACKS["ema_kimg"])
        return cls(**values)


def _check_objective(config):
    if config.loss not in OBJECTIVES:
        raise invalid("loss", config.loss, f"one of {list(OBJECTIVES)}")
    if not isinstance(config.from_logits, bool):
        raise invalid("from_logits", config.from_logits, "True or False")
    get_objective(config.loss, config.from_logits)  # refuses from_logits=False where it makes no sense
    _float_in(config, "r1", 0, 1e6, "a weight in [0, 1e6] (0: off)")
    _float_in(config, "r2", 0, 1e6, "a weight in [0, 1e6] (0: off)")
    _int_in(config, "reg_every", 1, 10_000, "an integer in [1, 10000]")
    penalized = bool(config.r1 or config.r2 or OBJECTIVES[config.loss].gradient_penalty)
    if config.d_batch_norm is None:
        config.d_batch_norm = not penalized
    elif not isinstance(config.d_batch_norm, bool):
        raise invalid("d_batch_norm", config.d_batch_norm, "True, False or None (off under a gradient penalty)")
    elif config.d_batch_norm and penalized:
        raise UserError(
            "`d_batch_norm` cannot be on with a gradient penalty: batch norm mixes the samples of a batch, "
            "so the penalty's per-sample gradient would not be per sample",
            argument="d_batch_norm",
        )


def _check_d_width(config):
    get_arch(config.arch).check_d_width(config.d_width)
    if config.d_width is None:
        return
    _int_in(config, "d_width", 2, MAX_D_WIDTH, f"an integer in [2, {MAX_D_WIDTH}]")
    if config.d_width % 2:
        raise invalid("d_width", config.d_width, "an even number (D's middle layer has half as many channels)")


def _check_strategy(config):
    if config.strategy not in STRATEGIES:
        raise invalid("strategy", config.strategy, f"one of {list(STRATEGIES)}")
    if config.jit and config.strategy in ("mirrored", "multiworker"):
        raise UserError(
            f"`jit` does not work with strategy {config.strategy} (XLA under mirroring); turn it off", argument="jit"
        )
    if config.tpu and config.strategy != "tpu":
        raise UserError(f"`tpu` needs strategy tpu. Received: strategy={config.strategy!r}", argument="tpu")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int(config, name, high=None):
    _int_in(config, name, 1, high, "a positive integer" if high is None else f"an integer in [1, {high}]")


def _int_in(config, name, low, high, expected):
    value = getattr(config, name)
    if not _is_int(value) or value < low or (high is not None and value > high):
        raise invalid(name, value, expected)


def _float_in(config, name, low, high, expected, low_open=False, high_open=False):
    value = getattr(config, name)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not ok:
        raise invalid(name, value, expected)
    setattr(config, name, float(value))
