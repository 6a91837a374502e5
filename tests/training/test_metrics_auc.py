"""training.metrics.roc_auc is scikit-learn's AUC: checked against the Mann-Whitney definition, ties included."""

import itertools

import numpy as np
import pytest

from training.metrics import roc_auc


def mann_whitney_auc(labels, scores) -> float:
    """P(score of a positive > score of a negative), ties counting a half: the definition, pair by pair."""
    positives = [s for s, y in zip(scores, labels) if y]
    negatives = [s for s, y in zip(scores, labels) if not y]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(positives, negatives))
    return wins / (len(positives) * len(negatives))


def test_a_tie_between_a_positive_and_a_negative_counts_a_half():
    # Pairs: 0.5~0.5 tie (0.5), 0.5>0.2, 0.8>0.5, 0.8>0.2 -> 3.5 of 4.
    assert roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.8]) == pytest.approx(0.875)


def test_matches_the_definition_on_heavily_tied_scores():
    rng = np.random.default_rng(0)
    labels = rng.random(200) < 0.4
    scores = np.round(rng.random(200) + 0.3 * labels, 1)  # few distinct values: many ties
    assert roc_auc(labels, scores) == pytest.approx(mann_whitney_auc(labels, scores))


def test_one_class_alone_has_no_auc():
    with pytest.raises(ValueError, match="both positive and negative"):
        roc_auc([1, 1, 1], [0.2, 0.4, 0.9])
