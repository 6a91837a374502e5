"""Segmentation figures: Dice per slice, per patient in 3-D and pooled; by subtype and lesion size; false positives."""

import itertools
from collections.abc import Sequence

import numpy as np

from training.models.classifier import SUBTYPES
from training.reporting.scoring import PatientResult, SliceResult
from training.reporting.statistics import summary

# Lesion area on the slice. 50 mm2 is a bleed about 8 mm across; 1000 mm2 about 36 mm.
SIZE_EDGES_MM2 = (50.0, 250.0, 1000.0)
# Without spacing, pixels at the slice's own matrix (about 0.45 mm each at 512 for a head).
SIZE_EDGES_PIXELS = (250.0, 1250.0, 5000.0)
ML_PER_MM3 = 1e-3


def pooled_dice(results: Sequence[SliceResult]) -> float:
    """Dice of all slices taken as one mask: equal to core.dice.dice_score on their concatenation,
    from counts so that the masks need not be kept."""
    overlap = sum(r.overlap_pixels for r in results)
    total = sum(r.reference_pixels + r.predicted_pixels for r in results)
    return 1.0 if total == 0 else 2.0 * overlap / total


def _bin_label(low: float, high: float) -> str:
    if low == -np.inf:
        return f"<{high:g}"
    return f">={low:g}" if high == np.inf else f"{low:g}-{high:g}"


def dice_by_lesion_size(positives: Sequence[SliceResult]) -> dict:
    known = all(r.pixel_mm2 for r in positives)
    areas = np.array([r.reference_pixels * (r.pixel_mm2 if known else 1.0) for r in positives])
    edges = (-np.inf, *(SIZE_EDGES_MM2 if known else SIZE_EDGES_PIXELS), np.inf)
    bins = {}
    for low, high in itertools.pairwise(edges):
        members = [r for r, area in zip(positives, areas) if low <= area < high]
        bins[_bin_label(low, high)] = summary([r.dice for r in members], [r.patient_id for r in members])
    return {"unit": "mm2" if known else "pixels", "bins": bins}


def false_positives(negatives: Sequence[SliceResult]) -> dict:
    """Predicted hemorrhage on slices whose reference has none, as volume where spacing is known."""
    if not negatives:
        return {"slices": 0}
    pixels = np.array([r.predicted_pixels for r in negatives], dtype=np.float64)
    result = {"slices": len(negatives), "share_with_any_predicted_pixel": float(np.mean(pixels > 0))}
    if all(r.pixel_mm2 and r.thickness_mm for r in negatives):
        volume = np.array([r.predicted_pixels * r.pixel_mm2 * r.thickness_mm * ML_PER_MM3 for r in negatives])
        result.update({"mean_ml_per_negative_slice": float(volume.mean()), "total_ml": float(volume.sum())})
    else:
        result["mean_pixels_per_negative_slice"] = float(pixels.mean())
    return result


def segmentation_report(results: Sequence[SliceResult], patients: Sequence[PatientResult]) -> dict:
    with_masks = [r for r in results if r.has_mask]
    if not with_masks:
        return {"available": False, "reason": "no slice has both a reference mask and a segmenter prediction"}
    positives = [r for r in with_masks if r.mask_positive]
    negatives = [r for r in with_masks if not r.mask_positive]
    scored = [p for p in patients if p.dice_3d is not None]
    negative_patients = [p for p in patients if p.reference_pixels == 0]
    return {
        "available": True,
        "slices_with_masks": len(with_masks),
        "positive_slices": len(positives),
        "dice_per_slice_positive": summary([r.dice for r in positives], [r.patient_id for r in positives]),
        "dice_per_patient_3d": summary([p.dice_3d for p in scored]),
        "dice_per_patient_3d_values": {p.patient_id: p.dice_3d for p in scored},
        "dice_pooled": pooled_dice(with_masks),
        "dice_by_subtype": {
            s: summary(
                [r.dice for r in positives if s in r.subtypes], [r.patient_id for r in positives if s in r.subtypes]
            )
            for s in SUBTYPES
            if any(s in r.subtypes for r in positives)
        },
        "dice_by_lesion_size": dice_by_lesion_size(positives),
        "false_positives_on_negative_slices": false_positives(negatives),
        "negative_patients_with_any_predicted_pixel": sum(p.predicted_pixels > 0 for p in negative_patients),
        "negative_patients": len(negative_patients),
        # Slices whose label and mask disagree; the metrics above follow the mask.
        "label_mask_disagreements": sum(r.labels.get("any", r.mask_positive) != r.mask_positive for r in with_masks),
    }
