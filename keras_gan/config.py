"""The single source of hyperparameters: `TrainConfig`.

The CLI is generated from these fields (see `keras_gan.cli`), and every run
saves the config as `config.json` beside its models, so a run folder always
says how it was made.
"""

import dataclasses
import json
from pathlib import Path

from keras_gan.errors import UserError


@dataclasses.dataclass
class TrainConfig:
    """Everything that defines a training run.

    Args:
        arch: Network pair from the registry (`keras_gan.networks.NETWORKS`).
        epochs: Passes over the training set. `None` means the
            architecture's default (`keras_gan.networks.DEFAULT_EPOCHS`).
        batch_size: Global batch size (split across replicas under a
            distribution strategy).
        latent_dim: Length of the noise vector z fed to the generator.
        lr: Adam learning rate of G, and of D unless `d_lr` is set.
        d_lr: Adam learning rate of D. `None` means the architecture's
            default (`keras_gan.networks.DEFAULT_D_LR`), or `lr` if it has
            none.
        beta1: Adam beta_1. 0.5 rather than 0.9 because a GAN's target moves
            every step and a long momentum overshoots (Radford et al. 2015).
        ema: Momentum of the exponential moving average of G's weights
            (Yazici et al. 2019). Samples, grids, evaluations and the saved
            generator use the average; training uses the raw weights. 0
            turns it off.
        from_logits: If True, D outputs a logit and BCE applies the sigmoid
            itself (numerically safer); if False, D ends in a sigmoid.
        seed: Seeds weight init, the data order, the noise and the grid noise.
        data: Local MNIST copy (`.npz` or folder of IDX files). Empty string
            means download with `keras.datasets.mnist`.
        out: Run folder. Empty string means `saved_models/<arch>-<timestamp>`.
        grid_size: The per-epoch image grid is `grid_size` x `grid_size`.
        tensorboard: Also write TensorBoard logs into `<out>/tensorboard`.
        eval_every: Measure FCD and class coverage every this many epochs,
            log them, keep `best_generator.keras` and let the watchdog catch
            class collapse. 0 turns it off.
        eval_n: Samples per evaluation during training (the standalone
            evaluator uses 10,000; FCD depends on N).
        strategy: `tf.distribute` strategy (`keras_gan.distribute`): "auto"
            mirrors over several GPUs when present; "multiworker" reads
            `TF_CONFIG`; "tpu" connects to `tpu`.
        tpu: TPU address for `strategy="tpu"` (a name or grpc://host:port;
            empty: the TPU of this VM).
        mixed_precision: Compute in float16 on GPUs (with loss scaling) or
            bfloat16 on CPUs/TPUs; weights, D's output and the losses stay
            float32.
        jit: Compile the train step with XLA. `None` picks per device: on
            with a GPU, off on a CPU, where XLA slowed the dcgan step.
    """

    arch: str = "dcgan"
    epochs: int | None = None
    batch_size: int = 64
    latent_dim: int = 100
    lr: float = 2e-4
    d_lr: float | None = None
    beta1: float = 0.5
    ema: float = 0.999
    from_logits: bool = True
    seed: int = 0
    data: str = ""
    out: str = ""
    grid_size: int = 8
    tensorboard: bool = False
    # About 2 s per evaluation on a CPU: cheap next to a dcgan epoch (~38 s).
    eval_every: int = 1
    eval_n: int = 2000
    strategy: str = "auto"
    tpu: str = ""
    mixed_precision: bool = False
    jit: bool | None = None

    def validate(self):
        """Checks every field and fills in `epochs` and `d_lr` if they are `None`.

        Returns:
            `self`, for chaining.

        Raises:
            UserError: naming the first bad field and the value received.
        """
        # Imported here because the registry imports Keras, which is slow to
        # load and not needed to read or write a config file.
        from keras_gan.networks import DEFAULT_D_LR, DEFAULT_EPOCHS, LATENT_CODES, NETWORKS

        if self.arch not in NETWORKS:
            raise UserError(f"--arch must be one of {sorted(NETWORKS)}. Received: arch={self.arch!r}")
        from keras_gan.distribute import STRATEGIES

        if self.strategy not in STRATEGIES:
            raise UserError(f"--strategy must be one of {list(STRATEGIES)}. Received: strategy={self.strategy!r}")
        if self.jit and self.strategy in ("mirrored", "multiworker"):
            raise UserError(f"--jit does not work with --strategy {self.strategy} (XLA under mirroring); drop --jit")
        if self.tpu and self.strategy != "tpu":
            raise UserError(f"--tpu needs --strategy tpu. Received: --strategy {self.strategy}")
        if self.epochs is None:
            self.epochs = DEFAULT_EPOCHS[self.arch]
        if not isinstance(self.eval_every, int) or self.eval_every < 0:
            raise UserError(f"--eval-every must be 0 (off) or a positive integer. Received: {self.eval_every!r}")
        for name in ("epochs", "batch_size", "latent_dim", "grid_size", "eval_n"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                flag = "--" + name.replace("_", "-")
                raise UserError(f"{flag} must be a positive integer. Received: {value!r}")
        codes = LATENT_CODES.get(self.arch, 0)
        if codes and self.latent_dim <= codes:
            raise UserError(
                f"--latent-dim must exceed {codes} for --arch {self.arch}: its first {codes} entries pick the "
                f"latent code. Received: {self.latent_dim}"
            )
        if not self.lr > 0:
            raise UserError(f"--lr must be positive. Received: {self.lr!r}")
        if self.d_lr is None:
            self.d_lr = DEFAULT_D_LR.get(self.arch, self.lr)
        if not self.d_lr > 0:
            raise UserError(f"--d-lr must be positive. Received: {self.d_lr!r}")
        if not 0 <= self.beta1 < 1:
            raise UserError(f"--beta1 must be in [0, 1). Received: {self.beta1!r}")
        if not 0 <= self.ema < 1:
            raise UserError(f"--ema must be in [0, 1) (0 turns it off). Received: {self.ema!r}")
        return self

    def to_json(self, path):
        """Writes the config as JSON (atomically) to `path`."""
        from keras_gan.io import atomic_write_text

        atomic_write_text(Path(path), json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    @classmethod
    def from_json(cls, path):
        """Reads a config written by `to_json`; unknown keys are an error."""
        path = Path(path)
        try:
            values = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise UserError(f"cannot read config {path}: {e}") from None
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UserError(f"{path} has unknown keys {unknown}; expected a subset of {sorted(known)}")
        if "d_lr" not in values and "lr" in values:
            values["d_lr"] = values["lr"]  # a run from before --d-lr: both networks shared --lr
        return cls(**values)
