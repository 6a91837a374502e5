"""Score a site's labelled slices the way the service answers them: raw P(any), whether each slice is assessed
(core.slice_assessment), and each slice's predicted bleed volume from its mask confined to the intracranial space.

Input: one patient's SliceRecords, HU at each slice's own matrix. Output: a ScoredVolume, slices in stack order.
A site is scored patient by patient (training.reporting.evaluation.by_patient), so it is never all held at once.
"""

from dataclasses import dataclass

import numpy as np

from core.model_input import NO_CONFINEMENT, Confinement, stack_inputs
from core.resize import resize_image
from core.slice_assessment import AssessmentLimits, SliceAssessment, assess_slice
from core.stack_assessment import assess_stack
from training.datasets.records import SliceRecord
from training.evaluate import Predict, predict_in_batches

ML_PER_MM3 = 1e-3


@dataclass
class ScoredVolume:
    patient_id: str
    labels: np.ndarray  # bool (slices,): any hemorrhage on the slice
    raw: np.ndarray  # (slices,) uncalibrated P(any)
    assessed: np.ndarray  # bool (slices,)
    volume_ml: np.ndarray | None  # (slices,) over the confined mask; None when the data give no spacing

    @property
    def label(self) -> bool:
        return bool(self.labels.any())


def slice_volume_ml(record: SliceRecord, probability: np.ndarray, mask_threshold: float, assessment) -> float | None:
    if record.spacing_mm is None or not assessment.assessed:
        return None if record.spacing_mm is None else 0.0
    mask = assessment.confine(resize_image(probability, record.hu.shape) >= mask_threshold)
    rows_mm, columns_mm, thickness_mm = record.spacing_mm
    return float(mask.sum()) * rows_mm * columns_mm * thickness_mm * ML_PER_MM3


def assess_records(records: list[SliceRecord], limits: AssessmentLimits) -> list[SliceAssessment]:
    """Each slice's assessment, as the service makes it across a series (records in stack order)."""
    return assess_stack([assess_slice(r.hu, r.spacing_mm[:2] if r.spacing_mm else None, limits) for r in records])


def score_volume(
    records: list[SliceRecord],
    classify: Predict,
    segment: Predict,
    mask_threshold: float,
    context: int = 0,
    limits: AssessmentLimits = AssessmentLimits(),
    confinement: Confinement = NO_CONFINEMENT,
) -> ScoredVolume:
    records = sorted(records, key=lambda r: r.slice_index)
    inputs = stack_inputs([r.hu for r in records], context, confinement=confinement)
    raw = predict_in_batches(classify, inputs)[:, 0].astype(np.float64)
    probabilities = predict_in_batches(segment, inputs)[..., 0]
    assessments = assess_records(records, limits)
    volumes = [slice_volume_ml(r, p, mask_threshold, a) for r, p, a in zip(records, probabilities, assessments)]
    return ScoredVolume(
        records[0].patient_id,
        np.array([r.positive for r in records], bool),
        raw,
        np.array([a.assessed for a in assessments], bool),
        None if any(v is None for v in volumes) else np.array(volumes),
    )
