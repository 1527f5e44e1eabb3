import numpy as np
import pytest

from keras_gan.evaluation import scores as metrics


def test_identical_sets_have_fcd_zero():
    features = np.random.default_rng(0).standard_normal((2000, 8))
    stats = metrics.gaussian_fit(features)
    assert metrics.frechet_distance(*stats, *stats) == pytest.approx(0.0, abs=1e-8)


def test_shifted_features_give_the_known_distance():
    # Same covariance, means 3 apart in each of 8 dims: FD = 8 * 3^2 = 72.
    features = np.random.default_rng(0).standard_normal((2000, 8))
    mu, sigma = metrics.gaussian_fit(features)
    assert metrics.frechet_distance(mu, sigma, mu + 3.0, sigma) == pytest.approx(72.0, rel=1e-9)


def test_fd_of_two_known_gaussians():
    # 1-D: N(0, 1) vs N(1, 4): (0-1)^2 + 1 + 4 - 2*sqrt(1*4) = 2.
    fd = metrics.frechet_distance(np.zeros(1), np.eye(1), np.ones(1), 4 * np.eye(1))
    assert fd == pytest.approx(2.0)
    # Diagonal 2-D: sum over dims of (sqrt(a) - sqrt(b))^2 = (1-3)^2 + (2-1)^2 = 5.
    fd = metrics.frechet_distance(np.zeros(2), np.diag([1.0, 4.0]), np.zeros(2), np.diag([9.0, 1.0]))
    assert fd == pytest.approx(5.0)


def test_singular_covariance_is_fine():
    features = np.random.default_rng(0).standard_normal((500, 4))
    features[:, 2] = 0.0  # a dead ReLU unit
    stats = metrics.gaussian_fit(features)
    assert metrics.frechet_distance(*stats, *stats) == pytest.approx(0.0, abs=1e-8)


def test_classifier_score_extremes():
    confident_balanced = np.eye(10)[np.arange(1000) % 10]
    assert metrics.classifier_score(confident_balanced) == pytest.approx(10.0, rel=1e-6)
    one_class = np.eye(10)[np.zeros(1000, int)]
    assert metrics.classifier_score(one_class) == pytest.approx(1.0)
    uniform = np.full((100, 10), 0.1)
    assert metrics.classifier_score(uniform) == pytest.approx(1.0)


def test_class_histogram():
    predicted = np.array([0] * 50 + [1] * 49 + [2] * 1)
    hist = metrics.class_histogram(np.eye(10)[predicted], min_share=0.02)
    assert hist["shares"][:3] == [0.5, 0.49, 0.01]
    assert hist["classes_covered"] == 2 and hist["max_share"] == 0.5
    expected = -(0.5 * np.log(0.5) + 0.49 * np.log(0.49) + 0.01 * np.log(0.01))
    assert hist["entropy"] == pytest.approx(expected)


def test_precision_recall_on_constructed_sets():
    rng = np.random.default_rng(0)
    real = rng.standard_normal((400, 2))
    # The same distribution: both near 1.
    p, r = metrics.precision_recall(real, rng.standard_normal((400, 2)))
    assert p > 0.9 and r > 0.9
    # Fakes collapsed onto one real point: all precise, no recall.
    p, r = metrics.precision_recall(real, np.repeat(real[:1], 400, axis=0) + 1e-3 * rng.standard_normal((400, 2)))
    assert p == 1.0 and r < 0.1
    # Fakes far away: neither.
    p, r = metrics.precision_recall(real, rng.standard_normal((400, 2)) + 50.0)
    assert p == 0.0 and r == 0.0
    # Fakes cover half of the real data (x > 0 only): precise, recall about half.
    half = real[real[:, 0] > 0]
    p, r = metrics.precision_recall(real, half + 1e-4)
    assert p > 0.95 and 0.35 < r < 0.65


def test_nearest_distances():
    train = np.zeros((3, 28, 28), np.uint8)
    train[1, 0, 0] = 255
    samples = np.zeros((2, 28, 28), np.uint8)
    samples[1, 0, :4] = 255  # 3 pixels away from train[1], 4 from train[0]
    np.testing.assert_allclose(metrics.nearest_distances(samples, train), [0.0, np.sqrt(3.0)], rtol=1e-6)


def test_nearest_other_sample_finds_duplicates():
    samples = np.zeros((3, 28, 28), np.uint8)
    samples[1, 0, :9] = 255  # 3 from sample 0 and 2
    samples[2] = samples[0]  # a duplicate of sample 0
    distances = metrics.nearest_distances(samples, samples, exclude_self=True, chunk=2)
    np.testing.assert_allclose(distances, [0.0, 3.0, 0.0], atol=1e-6)


def brute_force_precision_recall(real, fake, k=3):
    """The definition, in one matrix each way, with no chunks: the reference for the chunked code."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)

    def squared(a, b):
        return (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T

    def radii(points):
        return np.sort(squared(points, points), axis=1)[:, k]  # column 0 is the point itself

    def inside(points, centres, r):
        return float((squared(points, centres) <= r[None, :]).any(axis=1).mean())

    return inside(fake, real, radii(real)), inside(real, fake, radii(fake))


def test_precision_recall_over_several_chunks_equals_the_definition():
    """5,000 points: more than two chunks of 2,048 on each side, so a chunk that is skipped or miscounted shows."""
    rng = np.random.default_rng(3)
    real = rng.standard_normal((5000, 3)).astype("float32")
    # Half the fakes on the data, half far away: precision about 0.5, recall well below 1.
    fake = np.concatenate([rng.standard_normal((2500, 3)) * 0.5, rng.standard_normal((2500, 3)) + 8.0]).astype(
        "float32"
    )
    expected = brute_force_precision_recall(real, fake)
    p, r = metrics.precision_recall(real, fake)
    assert p == pytest.approx(expected[0], abs=1e-4) and r == pytest.approx(expected[1], abs=1e-4)
    assert 0.4 < p < 0.6 and 0.2 < r < 0.9
