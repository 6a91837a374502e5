"""Detection figures: AUC, the operating point chosen on validation, subtypes, patient level, calibration.

AUC and sensitivity/specificity come from training.metrics, the threshold rule and subtype AUCs from
training.evaluate: the same code the training run's cards are written with. scikit-learn supplies the curves.
"""

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve, roc_curve

from training.datasets.records import ANY
from training.evaluate import choose_threshold, subtype_aucs
from training.metrics import roc_auc, sensitivity_specificity
from training.models.classifier import OUTPUT_NAMES, SUBTYPES
from training.reporting.scoring import SliceResult
from training.reporting.statistics import patient_bootstrap_ci

CALIBRATION_BINS = 10


def _column(results: Sequence[SliceResult], name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Labels, scores and patients of the slices that have both a label `name` and classifier scores."""
    rows = [r for r in results if r.scores is not None and name in r.labels]
    column = OUTPUT_NAMES.index(name)
    return (
        np.array([r.labels[name] for r in rows], bool),
        np.array([r.scores[column] for r in rows], np.float64),
        [r.patient_id for r in rows],
    )


def operating_point(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    sensitivity, specificity = sensitivity_specificity(labels, scores, threshold)
    return {"threshold": float(threshold), "sensitivity": sensitivity, "specificity": specificity}


def calibration(labels: np.ndarray, scores: np.ndarray) -> dict:
    """Reliability curve over equal-width bins (empty bins left out), its expected calibration
    error, and the Brier score. Binned here rather than with sklearn's calibration_curve because
    the error needs each bin's count, which that function does not return."""
    bins = np.clip(np.digitize(scores, np.linspace(0.0, 1.0, CALIBRATION_BINS + 1)[1:-1]), 0, CALIBRATION_BINS - 1)
    all_counts = np.bincount(bins, minlength=CALIBRATION_BINS)
    filled = all_counts > 0
    counts = all_counts[filled]
    predicted = np.bincount(bins, weights=scores, minlength=CALIBRATION_BINS)[filled] / counts
    observed = np.bincount(bins, weights=labels.astype(np.float64), minlength=CALIBRATION_BINS)[filled] / counts
    return {
        "bins": CALIBRATION_BINS,
        "mean_predicted": predicted.tolist(),
        "observed_fraction": observed.tolist(),
        "count": counts.tolist(),
        "expected_calibration_error": float(np.sum(counts / counts.sum() * np.abs(observed - predicted))),
        "brier_score": float(brier_score_loss(labels, scores)),
    }


def patient_level_auc(labels: np.ndarray, scores: np.ndarray, patients: list[str]) -> dict:
    """A scan is positive if any slice is; its score is its highest slice score."""
    by_patient: dict[str, tuple[bool, float]] = {}
    for label, score, patient in zip(labels, scores, patients):
        seen_label, seen_score = by_patient.get(patient, (False, 0.0))
        by_patient[patient] = (seen_label or bool(label), max(seen_score, float(score)))
    patient_labels = np.array([v[0] for v in by_patient.values()])
    if patient_labels.all() or not patient_labels.any():
        return {"patients": len(by_patient), "auc": None, "reason": "needs positive and negative patients"}
    return {"patients": len(by_patient), "auc": roc_auc(patient_labels, np.array([v[1] for v in by_patient.values()]))}


def validation_threshold(validation: Sequence[SliceResult], target_sensitivity: float) -> dict:
    """training.evaluate.choose_threshold on the validation slices, in the report's form."""
    labels, scores, _ = _column(validation, ANY)
    if len(labels) == 0:
        return {"available": False, "reason": "no validation patients"}
    if not labels.any():
        return {"available": False, "reason": "the validation patients have no positive slice"}
    chosen = choose_threshold(labels, scores, target_sensitivity)
    return {
        "available": True,
        "rule": chosen["rule"],
        "validation_slices": len(labels),
        "validation": {
            "threshold": chosen["threshold"],
            "sensitivity": chosen["validation_sensitivity"],
            "specificity": chosen["validation_specificity"],
        },
    }


def detection_report(
    evaluation: Sequence[SliceResult],
    validation_patients: set[str],
    card_threshold: float | None,
    target_sensitivity: float,
) -> tuple[dict, dict]:
    """(figures, curves) over all of `evaluation`, except the operating point for the target
    sensitivity: chosen on validation_patients' slices and reported on the other patients'."""
    labels, scores, patients = _column(evaluation, ANY)
    if not (labels.any() and (~labels).any()):
        return {
            "available": False,
            "reason": "needs slices with and without hemorrhage",
            "slices": len(labels),
        }, {}
    report = {
        "available": True,
        "slices": len(labels),
        "positive_slices": int(labels.sum()),
        "auc": roc_auc(labels, scores),
        "auc_ci95_by_patient": patient_bootstrap_ci(lambda rows: roc_auc(labels[rows], scores[rows]), patients),
        "average_precision": float(average_precision_score(labels, scores)),
        "patient_level": patient_level_auc(labels, scores, patients),
        "calibration": calibration(labels, scores),
    }
    if card_threshold is not None:
        report["at_model_card_threshold"] = operating_point(labels, scores, card_threshold)
    chosen = validation_threshold([r for r in evaluation if r.patient_id in validation_patients], target_sensitivity)
    if chosen["available"]:
        unseen = np.array([p not in validation_patients for p in patients], bool)
        chosen["evaluation_slices"] = int(unseen.sum())
        chosen["evaluation"] = operating_point(labels[unseen], scores[unseen], chosen["validation"]["threshold"])
    report["at_validation_threshold"] = chosen
    report |= subtype_aucs((name, *_column(evaluation, name)[:2]) for name in SUBTYPES)
    fpr, tpr, _ = roc_curve(labels, scores)
    precision, recall, _ = precision_recall_curve(labels, scores)
    curves = {
        "roc": {"false_positive_rate": fpr.tolist(), "true_positive_rate": tpr.tolist()},
        "precision_recall": {"precision": precision.tolist(), "recall": recall.tolist()},
    }
    return report, curves
