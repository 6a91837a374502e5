"""Report figures on hand-made results whose right answers are known."""

import numpy as np
import pytest

from core.dice import dice_score
from training.datasets import SliceRecord
from training.reporting.detection import calibration, detection_report
from training.reporting.gallery import BestAndWorst
from training.reporting.scoring import Overlay, SliceResult, score_patient
from training.reporting.segmentation import pooled_dice, segmentation_report
from training.reporting.statistics import patient_bootstrap_ci, summary


def square(size: int, top: int, side: int) -> np.ndarray:
    mask = np.zeros((size, size), bool)
    mask[top : top + side, top : top + side] = True
    return mask


def seg_result(patient, index, reference, predicted, subtypes=(), pixel_mm2=0.25, thickness=5.0):
    overlap = min(reference, predicted)  # nested squares
    return SliceResult(
        patient,
        index,
        {"any": reference > 0},
        "hu",
        reference_pixels=reference,
        predicted_pixels=predicted,
        overlap_pixels=overlap,
        dice=1.0 if reference + predicted == 0 else 2 * overlap / (reference + predicted),
        pixel_mm2=pixel_mm2,
        thickness_mm=thickness,
        subtypes=subtypes,
    )


def test_score_patient_matches_core_dice_per_slice_and_in_3d():
    masks = [square(256, 40, 30), square(256, 100, 10), np.zeros((256, 256), bool)]
    records = [
        SliceRecord(np.zeros((256, 256), np.float32), m, {"any": m.any()}, "p1", i, (0.5, 0.5, 5.0))
        for i, m in enumerate(masks)
    ]
    predictions = [square(256, 45, 30), square(256, 100, 10), square(256, 0, 4)]
    kept = []

    def segment(batch):  # hands back the planned prediction for each slice, in order
        return np.stack(predictions[: len(batch)]).astype(np.float32)[..., None]

    slices, patient = score_patient(records, None, segment, 0.5, kept.append)

    assert [s.dice for s in slices] == pytest.approx([dice_score(p, m) for p, m in zip(predictions, masks)])
    assert slices[1].dice == 1.0 and slices[2].predicted_pixels == 16
    assert patient.dice_3d == pytest.approx(dice_score(np.stack(predictions), np.stack(masks)))
    assert [o.slice_index for o in kept] == [0, 1]  # only slices with reference hemorrhage


def test_pooled_dice_is_dice_of_all_masks_together():
    rng = np.random.default_rng(0)
    refs = [rng.random((32, 32)) > 0.7 for _ in range(5)]
    preds = [rng.random((32, 32)) > 0.6 for _ in range(5)]
    results = [
        SliceResult(
            "p",
            i,
            {},
            "hu",
            reference_pixels=int(r.sum()),
            predicted_pixels=int(p.sum()),
            overlap_pixels=int((r & p).sum()),
        )
        for i, (r, p) in enumerate(zip(refs, preds))
    ]
    assert pooled_dice(results) == pytest.approx(dice_score(np.concatenate(preds), np.concatenate(refs)))


def test_segmentation_report_breaks_down_by_subtype_size_and_false_positives():
    results = [
        seg_result("a", 0, 100, 100, ("subdural",)),  # Dice 1, 25 mm2
        seg_result("a", 1, 4000, 2000, ("subdural", "intraparenchymal")),  # Dice 2/3, 1000 mm2
        seg_result("b", 0, 0, 40),  # false positive: 40 px * 0.25 mm2 * 5 mm = 0.05 mL
        seg_result("b", 1, 0, 0),
    ]
    report = segmentation_report(results, [])

    assert report["dice_per_slice_positive"]["mean"] == pytest.approx((1 + 2 / 3) / 2)
    assert report["dice_by_subtype"]["subdural"]["n"] == 2
    assert report["dice_by_subtype"]["intraparenchymal"]["mean"] == pytest.approx(2 / 3)
    bins = report["dice_by_lesion_size"]["bins"]
    assert report["dice_by_lesion_size"]["unit"] == "mm2"
    assert bins["<50"]["n"] == 1 and bins[">=1000"]["mean"] == pytest.approx(2 / 3) and bins["50-250"] == {"n": 0}
    fp = report["false_positives_on_negative_slices"]
    assert fp == {
        "slices": 2,
        "share_with_any_predicted_pixel": 0.5,
        "mean_ml_per_negative_slice": 0.025,
        "total_ml": 0.05,
    }
    assert report["dice_pooled"] == pytest.approx(2 * 2100 / (4100 + 2140))


def test_size_bins_fall_back_to_pixels_without_spacing():
    report = segmentation_report([seg_result("a", 0, 300, 300, pixel_mm2=None)], [])
    assert report["dice_by_lesion_size"]["unit"] == "pixels"
    assert report["dice_by_lesion_size"]["bins"]["250-1250"]["n"] == 1


def detection_results(scores_by_patient: dict[str, list[tuple[bool, float]]]) -> list[SliceResult]:
    return [
        SliceResult(p, i, {"any": label}, "hu", scores=np.array([score, 0, 0, 0, 0, 0.0]))
        for p, rows in scores_by_patient.items()
        for i, (label, score) in enumerate(rows)
    ]


def test_threshold_is_chosen_on_validation_and_reported_on_the_other_patients():
    results = detection_results(
        {
            "val1": [(True, 0.6), (True, 0.8), (False, 0.3)],
            "val2": [(False, 0.1)],
            "ev1": [(True, 0.7), (True, 0.5), (False, 0.65)],
            "ev2": [(False, 0.2), (False, 0.55)],
        }
    )
    report, curves = detection_report(results, {"val1", "val2"}, card_threshold=0.9, target_sensitivity=1.0)

    chosen = report["at_validation_threshold"]
    assert chosen["validation"] == {"threshold": 0.6, "sensitivity": 1.0, "specificity": 1.0}
    # On ev1/ev2 at 0.6: one of two bleeds found, 2 of 3 negatives cleared.
    assert chosen["evaluation"] == pytest.approx({"threshold": 0.6, "sensitivity": 0.5, "specificity": 2 / 3})
    assert chosen["evaluation_slices"] == 5
    assert report["at_model_card_threshold"] == {"threshold": 0.9, "sensitivity": 0.0, "specificity": 1.0}
    assert report["patient_level"] == {"patients": 4, "auc": 1.0}
    assert curves["roc"]["true_positive_rate"][-1] == 1.0


def test_detection_needs_both_classes():
    report, curves = detection_report(detection_results({"a": [(True, 0.9)]}), set(), None, 0.95)
    assert report == {"available": False, "reason": "needs slices with and without hemorrhage", "slices": 1}
    assert curves == {}


def test_calibration_error_is_small_when_calibrated_and_large_when_overconfident():
    rng = np.random.default_rng(1)
    probabilities = rng.random(20000)
    labels = rng.random(20000) < probabilities
    assert calibration(labels, probabilities)["expected_calibration_error"] < 0.02
    overconfident = np.where(probabilities > 0.5, 0.99, 0.01)
    assert calibration(labels, overconfident)["expected_calibration_error"] > 0.2


def test_bootstrap_interval_by_patient_brackets_the_mean_and_needs_two_patients():
    values = np.array([0.2, 0.25, 0.8, 0.85, 0.5, 0.55])
    patients = ["a", "a", "b", "b", "c", "c"]
    low, high = patient_bootstrap_ci(lambda rows: float(values[rows].mean()), patients)
    assert low < values.mean() < high
    assert patient_bootstrap_ci(lambda rows: 0.0, ["a", "a"]) is None
    assert summary([]) == {"n": 0}


def test_gallery_keeps_the_best_and_worst_only():
    keeper = BestAndWorst(k=2)
    for i, dice in enumerate([0.5, 0.9, 0.1, 0.7, 0.3]):
        keeper(Overlay(dice, "p", i, np.zeros((1, 1)), np.zeros((1, 1), bool), np.zeros((1, 1), bool)))
    assert [o.dice for o in keeper.best()] == [0.9, 0.7]
    assert [o.dice for o in keeper.worst()] == [0.1, 0.3]


def test_no_validation_fraction_means_no_chosen_threshold():
    from training.reporting.evaluation import Scored, build_report

    scored = Scored(slices=detection_results({"a": [(True, 0.9), (False, 0.1)], "b": [(False, 0.2)]}))
    report, _ = build_report(scored, card_threshold=0.5, validation_fraction=0.0)
    assert report["scope"]["validation_patients"]["count"] == 0
    assert report["detection"]["at_validation_threshold"] == {
        "available": False,
        "reason": "no validation patients",
    }
    assert report["detection"]["at_model_card_threshold"] == {"threshold": 0.5, "sensitivity": 1.0, "specificity": 1.0}
