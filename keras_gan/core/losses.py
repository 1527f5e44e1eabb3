"""GAN objectives as pure functions of discriminator outputs.

Each objective is a pair of losses, D's and G's, looked up by name in
`OBJECTIVES` (docs/objectives.md has the formulas and when to use each):

- `bce`, the default: D minimises (BCE(D(x), 1) + BCE(D(G(z)), 0)) / 2 and
  G the non-saturating BCE(D(G(z)), 1) (Goodfellow et al. 2014), which
  gives G strong gradients early, when D easily rejects its samples.
- `hinge` (Lim & Ye 2017; Miyato et al. 2018), `lsgan` (Mao et al. 2017),
  `wgan-gp` (Gulrajani et al. 2017; its gradient penalty is in
  `keras_gan.core.penalties`) and `rpgan`, the relativistic pairing loss
  of R3GAN (Huang et al. 2024).

Per-example losses are *summed and divided by the global batch size*, not
averaged per replica: under `tf.distribute`, each replica computes its part
and the gradients are summed across replicas, so this is what makes N
replicas take exactly the step that one device would take.
"""

import dataclasses
from collections.abc import Callable

from keras import losses, ops

from keras_gan.core.layers import latent_code
from keras_gan.errors import UserError, invalid


def per_example_bce(labels, outputs, from_logits):
    """BCE of each example, shape [batch].

    Args:
        labels: Targets in [0, 1], shape [batch, 1].
        outputs: D's outputs, shape [batch, 1]: logits if `from_logits`,
            else probabilities.
        from_logits: How to read `outputs`.
    """
    bce = losses.BinaryCrossentropy(from_logits=from_logits, reduction=None)
    return bce(labels, outputs)


def _mean(values, global_batch_size):
    return ops.sum(values) / global_batch_size


def discriminator_loss(real_outputs, fake_outputs, from_logits, global_batch_size):
    """BCE: (BCE(real, 1) + BCE(fake, 0)) / 2, averaged over the global batch."""
    real_loss = per_example_bce(ops.ones_like(real_outputs), real_outputs, from_logits)
    fake_loss = per_example_bce(ops.zeros_like(fake_outputs), fake_outputs, from_logits)
    return (ops.sum(real_loss) + ops.sum(fake_loss)) / (2.0 * global_batch_size)


def generator_loss(fake_outputs, from_logits, global_batch_size):
    """BCE(D(G(z)), 1): G is scored against the "valid" label."""
    return _mean(per_example_bce(ops.ones_like(fake_outputs), fake_outputs, from_logits), global_batch_size)


def hinge_discriminator_loss(real_outputs, fake_outputs, global_batch_size):
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]: D stops pushing once a sample is past its margin."""
    return _mean(ops.relu(1.0 - real_outputs), global_batch_size) + _mean(
        ops.relu(1.0 + fake_outputs), global_batch_size
    )


def hinge_generator_loss(fake_outputs, global_batch_size):
    """-E[D(G(z))]."""
    return -_mean(fake_outputs, global_batch_size)


def lsgan_discriminator_loss(real_outputs, fake_outputs, global_batch_size):
    """(E[(D(x) - 1)^2] + E[D(G(z))^2]) / 2: least squares to the targets 1 and 0."""
    return (
        _mean(ops.square(real_outputs - 1.0), global_batch_size) + _mean(ops.square(fake_outputs), global_batch_size)
    ) / 2.0


def lsgan_generator_loss(fake_outputs, global_batch_size):
    """E[(D(G(z)) - 1)^2] / 2."""
    return _mean(ops.square(fake_outputs - 1.0), global_batch_size) / 2.0


def wasserstein_discriminator_loss(real_outputs, fake_outputs, global_batch_size):
    """E[D(G(z))] - E[D(x)]: the critic's estimate of the Wasserstein-1 distance, negated."""
    return _mean(fake_outputs, global_batch_size) - _mean(real_outputs, global_batch_size)


def wasserstein_generator_loss(fake_outputs, global_batch_size):
    """-E[D(G(z))]."""
    return -_mean(fake_outputs, global_batch_size)


def relativistic_discriminator_loss(real_outputs, fake_outputs, global_batch_size):
    """E[softplus(D(G(z)) - D(x))]: each real must score above the fake it is paired with."""
    return _mean(ops.softplus(fake_outputs - real_outputs), global_batch_size)


def relativistic_generator_loss(fake_outputs, real_outputs, global_batch_size):
    """E[softplus(D(x) - D(G(z)))]: the same pairs, the other way round."""
    return _mean(ops.softplus(real_outputs - fake_outputs), global_batch_size)


@dataclasses.dataclass(frozen=True)
class Objective:
    """How D and G are scored: the two losses, and what else the step must compute for them.

    Args:
        name: The `loss` value that picks it.
        d_loss: `(real_outputs, fake_outputs, from_logits, global_batch) -> D's loss`.
        g_loss: `(fake_outputs, real_outputs, from_logits, global_batch) -> G's loss`;
            `real_outputs` is `None` unless `relativistic`.
        relativistic: G's loss also needs D's outputs on a real batch.
        gradient_penalty: The weight of the 1-centred penalty on
            interpolates of real and fake images that the objective carries
            (WGAN-GP's lambda); 0 for none.
        takes_probabilities: The losses are defined on D's probabilities
            as well as on its logits (`from_logits=False` works).
    """

    name: str
    d_loss: Callable
    g_loss: Callable
    relativistic: bool = False
    gradient_penalty: float = 0.0
    takes_probabilities: bool = False


def _on_scores(d_loss, g_loss):
    """Adapts losses defined on D's raw scores to the objective's call signature."""
    return (
        lambda real, fake, from_logits, global_batch: d_loss(real, fake, global_batch),
        lambda fake, real, from_logits, global_batch: g_loss(fake, global_batch),
    )


OBJECTIVES = {
    "bce": Objective(
        "bce",
        lambda real, fake, from_logits, global_batch: discriminator_loss(real, fake, from_logits, global_batch),
        lambda fake, real, from_logits, global_batch: generator_loss(fake, from_logits, global_batch),
        takes_probabilities=True,
    ),
    "hinge": Objective("hinge", *_on_scores(hinge_discriminator_loss, hinge_generator_loss)),
    "lsgan": Objective("lsgan", *_on_scores(lsgan_discriminator_loss, lsgan_generator_loss)),
    # lambda = 10, as in Gulrajani et al. 2017.
    "wgan-gp": Objective(
        "wgan-gp", *_on_scores(wasserstein_discriminator_loss, wasserstein_generator_loss), gradient_penalty=10.0
    ),
    "rpgan": Objective(
        "rpgan",
        lambda real, fake, from_logits, global_batch: relativistic_discriminator_loss(real, fake, global_batch),
        lambda fake, real, from_logits, global_batch: relativistic_generator_loss(fake, real, global_batch),
        relativistic=True,
    ),
}


def get_objective(name, from_logits=True):
    """The `Objective` called `name`.

    Raises:
        UserError: an unknown name, or `from_logits=False` with an objective
            that needs D's raw, unbounded score.
    """
    if name not in OBJECTIVES:
        raise invalid("loss", name, f"one of {list(OBJECTIVES)}")
    objective = OBJECTIVES[name]
    if not from_logits and not objective.takes_probabilities:
        raise UserError(
            f"`from_logits`=False needs loss bce: {name} scores D's raw output, which a sigmoid would bound. "
            f"Received: loss={name!r}",
            argument="from_logits",
        )
    return objective


def code_loss(code_logits, z, codes, global_batch_size):
    """Cross-entropy of D's code head against the code G was given (InfoGAN).

    Minimising it over both networks maximises a lower bound on the mutual
    information between the code and the image (Chen et al. 2016): G must
    draw each code so that D can tell which one it was.

    Args:
        code_logits: D's code head on generated images, [batch, codes].
        z: The noise those images came from; it carries the code
            (`keras_gan.core.layers.latent_code`).
        codes: Number of code values.
        global_batch_size: Divides the summed per-example losses.
    """
    loss = losses.sparse_categorical_crossentropy(latent_code(z, codes), code_logits, from_logits=True)
    return ops.sum(loss) / global_batch_size


def to_probability(outputs, from_logits):
    """D's outputs as probabilities of "real", for the progress-bar metrics."""
    return ops.sigmoid(outputs) if from_logits else outputs
