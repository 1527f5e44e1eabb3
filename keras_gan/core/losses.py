"""GAN objectives as pure functions of discriminator outputs.

Both losses are binary cross-entropy (BCE). D is trained to say 1 ("valid")
on real images and 0 ("fake") on generated ones; G is trained to make D say 1
on its images (the non-saturating loss of Goodfellow et al. 2014, which gives
G strong gradients early, when D easily rejects its samples).

Per-example losses are *summed and divided by the global batch size*, not
averaged per replica: under `tf.distribute`, each replica computes its part
and the gradients are summed across replicas, so this is what makes N
replicas take exactly the step that one device would take.
"""

from keras import losses, ops

from keras_gan.core.layers import latent_code


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


def discriminator_loss(real_outputs, fake_outputs, from_logits, global_batch_size):
    """(BCE(real, 1) + BCE(fake, 0)) / 2, averaged over the global batch."""
    real_loss = per_example_bce(ops.ones_like(real_outputs), real_outputs, from_logits)
    fake_loss = per_example_bce(ops.zeros_like(fake_outputs), fake_outputs, from_logits)
    return (ops.sum(real_loss) + ops.sum(fake_loss)) / (2.0 * global_batch_size)


def generator_loss(fake_outputs, from_logits, global_batch_size):
    """BCE(D(G(z)), 1): G is scored against the "valid" label."""
    loss = per_example_bce(ops.ones_like(fake_outputs), fake_outputs, from_logits)
    return ops.sum(loss) / global_batch_size


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
