"""Stream a dataset through a model pair, patient by patient, and turn the results into report figures.

Scope, stated in the report too: threshold-free figures (AUC, curves, calibration, every Dice) use
all evaluation patients, since nothing here is fitted on them. The operating point chosen for a
target sensitivity is chosen on validation patients and reported on the others only.
"""

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from core.model_input import NO_CONFINEMENT, Confinement
from training.datasets.records import SliceRecord
from training.reporting.detection import detection_report
from training.reporting.gallery import BestAndWorst
from training.reporting.scoring import PatientResult, Predict, SliceResult, score_patient
from training.reporting.segmentation import segmentation_report
from training.splits import holdout_patients, patient_positives

TARGET_SENSITIVITY = 0.95
VALIDATION_FRACTION = 0.3


@dataclass
class Scored:
    slices: list[SliceResult] = field(default_factory=list)
    patients: list[PatientResult] = field(default_factory=list)
    gallery: BestAndWorst = field(default_factory=BestAndWorst)


def by_patient(records: Iterable[SliceRecord]) -> Iterator[list[SliceRecord]]:
    """Loaders yield each patient's slices together; group them without holding the dataset."""
    for _, group in itertools.groupby(records, key=lambda r: r.patient_id):
        yield list(group)


def score_dataset(
    records: Iterable[SliceRecord],
    classify: Predict | None,
    segment: Predict | None,
    mask_threshold: float,
    gallery_patients: set[str] | None = None,
    context: int = 0,
    confinement: Confinement = NO_CONFINEMENT,
) -> Scored:
    """Score every slice; only patients in gallery_patients (all when None) may enter the gallery."""
    scored = Scored()
    for group in by_patient(records):
        eligible = gallery_patients is None or group[0].patient_id in gallery_patients
        slices, patient = score_patient(
            group,
            classify,
            segment,
            mask_threshold,
            scored.gallery if eligible else lambda o: None,
            context,
            confinement,
        )
        scored.slices += slices
        if patient is not None:
            scored.patients.append(patient)
    return scored


def build_report(
    scored: Scored,
    card_threshold: float | None,
    target_sensitivity: float = TARGET_SENSITIVITY,
    validation_patients: Iterable[str] | None = None,
    validation_fraction: float = VALIDATION_FRACTION,
    seed: int = 0,
) -> tuple[dict, dict]:
    """(figures, curves). Validation patients are given (from a saved split) or held out here."""
    if validation_patients is None:
        positives = patient_positives(scored.slices)
        holding_out = validation_fraction > 0 and len(positives) >= 2
        _, validation = holdout_patients(positives, validation_fraction, seed) if holding_out else ((), ())
        source = f"{validation_fraction:.0%} of the patients, stratified, seed {seed}"
    else:
        validation, source = tuple(sorted(validation_patients)), "the validation part of the given split"
    detection, curves = detection_report(scored.slices, set(validation), card_threshold, target_sensitivity)
    report = {
        "scope": {
            "threshold_free_figures": "all scored patients",
            "validation_patients": {"count": len(validation), "source": source},
            "operating_point_reported_on": "scored patients outside validation",
        },
        "detection": detection,
        "segmentation": segmentation_report(scored.slices, scored.patients),
    }
    return report, curves
