"""Sample-quality metrics as pure NumPy functions of features and class probabilities.

They are computed in the feature space of a small MNIST classifier (see
`keras_gan.evaluate`), the MNIST analogue of Inception features:

- `frechet_distance`: FCD, the Fréchet distance between Gaussian fits of
  generated and real features (the analogue of FID). Lower is better; it
  depends on the number of samples, so always report N with it.
- `classifier_score`: exp(E_x KL(p(y|x) || p(y))), the analogue of the
  Inception Score. At most 10 for ten classes; high when each sample is a
  confident digit and the classes are balanced.
- `class_histogram`: the predicted-class shares, their entropy and how many
  classes are covered (mode coverage).
- `precision_recall`: Kynkäänniemi et al. (2019): the share of generated
  samples inside the real data's k-NN balls (quality), and of real samples
  inside the generated data's balls (diversity).
- `nearest_distances`: each sample's distance to its nearest training image,
  to spot memorization, or to its nearest other sample, to spot
  near-identical samples.
"""

import numpy as np


def gaussian_fit(features):
    """Mean [d] and covariance [d, d] of features [n, d], in float64."""
    features = np.asarray(features, dtype=np.float64)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^1/2) between two Gaussians.

    Tr((S1 S2)^1/2) is computed as the sum of the square roots of the
    eigenvalues of S1^1/2 S2 S1^1/2, which is symmetric, so `eigvalsh` is
    exact and stable even for the singular covariances of ReLU features.
    """
    values, vectors = np.linalg.eigh(sigma1)
    sqrt1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(sqrt1 @ sigma2 @ sqrt1)
    trace_sqrt = np.sqrt(np.clip(middle, 0, None)).sum()
    diff = np.asarray(mu1) - np.asarray(mu2)
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt)


def classifier_score(probs, eps=1e-12):
    """exp(mean KL(p(y|x) || p(y))) over samples; probs is [n, classes]."""
    probs = np.asarray(probs, dtype=np.float64)
    marginal = probs.mean(axis=0)
    kl = (probs * (np.log(probs + eps) - np.log(marginal + eps))).sum(axis=1)
    return float(np.exp(kl.mean()))


def class_histogram(probs, num_classes=10, min_share=0.01):
    """Shares of the predicted classes, their entropy (nats) and the classes covered.

    A class counts as covered when at least `min_share` of the samples are
    predicted as it: one stray sample is not a mode.
    """
    predicted = np.asarray(probs).argmax(axis=1)
    shares = np.bincount(predicted, minlength=num_classes) / max(len(predicted), 1)
    nonzero = shares[shares > 0]
    return {
        "shares": shares.tolist(),
        "entropy": float(-(nonzero * np.log(nonzero)).sum()),
        "max_entropy": float(np.log(num_classes)),
        "classes_covered": int((shares >= min_share).sum()),
        "max_share": float(shares.max()),
    }


def _pairwise_sq_distances(a, b):
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def _knn_radii(features, k, chunk=2048):
    """Squared distance from each point to its k-th nearest other point."""
    radii = np.empty(len(features), np.float32)
    for start in range(0, len(features), chunk):
        d = _pairwise_sq_distances(features[start : start + chunk], features)
        # Column k (not k-1): the nearest "neighbour" at distance 0 is the point itself.
        radii[start : start + chunk] = np.partition(d, k, axis=1)[:, k]
    return radii


def _share_inside(points, centres, radii, chunk=2048):
    inside = 0
    for start in range(0, len(points), chunk):
        d = _pairwise_sq_distances(points[start : start + chunk], centres)
        inside += int((d <= radii[None, :]).any(axis=1).sum())
    return inside / len(points)


def precision_recall(real_features, fake_features, k=3):
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    Each set's manifold is the union of balls around its points, with radius
    the distance to the k-th nearest neighbour in the same set.

    Returns:
        (precision, recall): the share of fake points inside the real
        manifold, and of real points inside the fake manifold.
    """
    real = np.asarray(real_features, np.float32)
    fake = np.asarray(fake_features, np.float32)
    precision = _share_inside(fake, real, _knn_radii(real, k))
    recall = _share_inside(real, fake, _knn_radii(fake, k))
    return precision, recall


def nearest_distances(samples, train_images, chunk=1024, exclude_self=False):
    """Euclidean distance of each sample to its nearest training image.

    Args:
        samples: uint8 [n, 28, 28].
        train_images: uint8 [m, 28, 28].
        chunk: Samples per matrix product (bounds memory).
        exclude_self: `train_images` is `samples` itself: find each sample's
            nearest *other* sample (near-duplicates, mode collapse).

    Returns:
        float32 [n], in units of pixel intensity scaled to [0, 1].
    """
    train = np.asarray(train_images, np.float32).reshape(len(train_images), -1) / 255.0
    train_sq = (train * train).sum(1)
    out = np.empty(len(samples), np.float32)
    for start in range(0, len(samples), chunk):
        s = np.asarray(samples[start : start + chunk], np.float32).reshape(-1, train.shape[1]) / 255.0
        d = (s * s).sum(1)[:, None] + train_sq[None, :] - 2.0 * s @ train.T
        if exclude_self:
            rows = np.arange(len(s))
            d[rows, start + rows] = np.inf
        out[start : start + chunk] = np.sqrt(np.maximum(d.min(axis=1), 0.0))
    return out
