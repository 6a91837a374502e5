"""Detection metrics for held-out reports: ROC AUC, an operating threshold, sensitivity and specificity."""

import numpy as np


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve as the Mann-Whitney U statistic; ties count a half."""
    labels = np.asarray(labels, bool)
    scores = np.asarray(scores, np.float64)
    positives, negatives = scores[labels], scores[~labels]
    if len(positives) == 0 or len(negatives) == 0:
        raise ValueError("AUC needs both positive and negative examples")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts):
        ranks[order[start : start + count]] = start + (count + 1) / 2
    u = ranks[labels].sum() - len(positives) * (len(positives) + 1) / 2
    return float(u / (len(positives) * len(negatives)))


def threshold_for_sensitivity(labels: np.ndarray, scores: np.ndarray, target: float) -> float:
    """The highest threshold whose sensitivity (score >= threshold) reaches target."""
    positives = np.sort(np.asarray(scores, np.float64)[np.asarray(labels, bool)])[::-1]
    if len(positives) == 0:
        raise ValueError("choosing a threshold needs positive examples")
    needed = int(np.ceil(target * len(positives)))
    return float(positives[max(needed, 1) - 1])


def sensitivity_specificity(labels: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float, float]:
    labels = np.asarray(labels, bool)
    flagged = np.asarray(scores) >= threshold
    sensitivity = float(flagged[labels].mean()) if labels.any() else float("nan")
    specificity = float((~flagged[~labels]).mean()) if (~labels).any() else float("nan")
    return sensitivity, specificity
