"""Detection metrics for held-out reports: ROC AUC, an operating threshold, sensitivity and specificity."""

import numpy as np
from sklearn.metrics import roc_auc_score


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (scikit-learn's; ties count a half). Both classes must be present."""
    labels = np.asarray(labels, bool)
    if labels.all() or not labels.any():
        raise ValueError("AUC needs both positive and negative examples")
    return float(roc_auc_score(labels, np.asarray(scores, np.float64)))


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
