"""The cards (training.evaluate) and the report folders (training.reporting) compute the operating point,
AUC, sensitivity, specificity and subtype AUCs the same way, so the same slices give the same figures."""

import numpy as np
import pytest

from training.evaluate import choose_threshold, classifier_metrics
from training.models.classifier import OUTPUT_NAMES, SUBTYPES
from training.phantom_data import ArraySet
from training.reporting.detection import detection_report
from training.reporting.scoring import SliceResult

SLICES = 60


def scored_slices(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """(labels, scores), both (N, 6) in OUTPUT_NAMES order; subtypes only on positive slices."""
    rng = np.random.default_rng(seed)
    labels = np.zeros((SLICES, len(OUTPUT_NAMES)), bool)
    labels[:, 0] = rng.random(SLICES) < 0.4
    labels[:, 1:] = labels[:, :1] & (rng.random((SLICES, len(SUBTYPES))) < 0.5)
    scores = np.clip(0.35 * labels + rng.random(labels.shape) * 0.7, 0.0, 1.0)
    return labels, scores


def as_results(labels: np.ndarray, scores: np.ndarray, patients: list[str]) -> list[SliceResult]:
    return [
        SliceResult(patient, i, dict(zip(OUTPUT_NAMES, map(bool, row))), "hu", scores=score)
        for i, (row, score, patient) in enumerate(zip(labels, scores, patients))
    ]


def test_report_and_card_choose_the_same_operating_point():
    labels, scores = scored_slices()
    patients = [f"p{i % 10}" for i in range(SLICES)]
    validation = {"p0", "p1", "p2", "p3", "p4"}
    rows = np.array([p in validation for p in patients])
    report, _ = detection_report(as_results(labels, scores, patients), validation, None, 0.9)

    card = choose_threshold(labels[rows, 0], scores[rows, 0], 0.9)
    chosen = report["at_validation_threshold"]
    assert chosen["rule"] == card["rule"]
    assert chosen["validation"] == {
        "threshold": card["threshold"],
        "sensitivity": card["validation_sensitivity"],
        "specificity": card["validation_specificity"],
    }
    # The rule's promise, on the slices it was chosen on.
    assert card["validation_sensitivity"] >= 0.9


def test_phantom_card_metrics_equal_the_report_figures_for_the_same_slices():
    labels, scores = scored_slices(seed=11)
    images = np.arange(SLICES, dtype=np.float32).reshape(SLICES, 1)  # each "image" is its row number
    arrays = ArraySet(images, np.zeros((SLICES, 1, 1, 1), np.uint8), labels.astype(np.float32), np.zeros(SLICES, bool))
    card = classifier_metrics(lambda batch: scores[batch[:, 0].astype(int)], arrays, threshold=0.5)
    report, _ = detection_report(as_results(labels, scores, [f"p{i}" for i in range(SLICES)]), set(), 0.5, 0.9)

    assert card["auc"] == pytest.approx(report["auc"])
    assert card["sensitivity"] == report["at_model_card_threshold"]["sensitivity"]
    assert card["specificity"] == report["at_model_card_threshold"]["specificity"]
    assert card["subtype_auc"] == pytest.approx(report["subtype_auc"])
    assert set(card["subtype_auc"]) == set(SUBTYPES)
    assert card["subtype_macro_auc"] == pytest.approx(report["subtype_macro_auc"])
