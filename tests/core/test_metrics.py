import itertools

import numpy as np
import pytest

from core.stats.metrics import binary_metrics, roc_auc, threshold_for_sensitivity


def brute_auc(labels, scores):
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_auc_matches_pairwise_definition_with_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        labels = rng.integers(0, 2, 40)
        scores = np.round(rng.random(40), 1)  # many ties
        assert roc_auc(labels, scores) == pytest.approx(brute_auc(labels, scores))
    assert np.isnan(roc_auc([1, 1], [0.2, 0.3]))


def test_binary_metrics_confusion_and_rates():
    labels = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    probs = [0.9, 0.8, 0.4, 0.6, 0.1, 0.2, 0.7, 0.3, 0.5, 0.0]
    m = binary_metrics(labels, probs, threshold=0.5)
    assert m["confusion"] == [[4, 2], [1, 3]]  # 0.5 counts as PM (>= threshold)
    assert m["sensitivity"] == pytest.approx(3 / 4) and m["specificity"] == pytest.approx(4 / 6)
    assert m["precision"] == pytest.approx(3 / 5) and m["accuracy"] == pytest.approx(0.7)
    assert m["f1"] == pytest.approx(2 * 3 / (2 * 3 + 2 + 1))


def test_threshold_for_sensitivity_lies_between_neighbouring_scores():
    labels = np.array([1] * 10 + [0] * 10)
    probs = np.concatenate([np.linspace(0.35, 0.99, 10), np.linspace(0.0, 0.5, 10)])
    t = threshold_for_sensitivity(labels, probs, 0.9)
    m = binary_metrics(labels, probs, t)
    assert m["sensitivity"] >= 0.9
    lowest_called, highest_not = probs[probs >= t].min(), probs[probs < t].max()
    assert binary_metrics(labels, probs, np.nextafter(lowest_called, 1))["sensitivity"] < 0.9  # the highest cut
    assert t == pytest.approx((lowest_called + highest_not) / 2)  # halfway to the next score, on none
    # every score moved towards the threshold by a third of the gap (another engine's rounding): same verdicts
    toward = np.where(probs >= t, -1.0, 1.0) * (lowest_called - highest_not) / 3
    assert binary_metrics(labels, probs + toward, t)["confusion"] == m["confusion"]
    # no lower score: halfway to 0
    assert threshold_for_sensitivity(np.array([1, 1]), np.array([0.6, 0.8]), 1.0) == pytest.approx(0.3)
