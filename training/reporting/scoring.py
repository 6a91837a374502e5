"""Run a classifier and a segmenter over one patient's slices and keep what the metrics need.

Input convention: SliceRecord HU at the slice's own matrix. Models see core.model_input's
(N, 256, 256, 3) window stack; masks are compared at the slice's own matrix, as a reader would.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.dice import dice_score
from core.model_input import NO_CONFINEMENT, Confinement, stack_inputs
from core.resize import resize_image
from training.datasets.records import SliceRecord
from training.evaluate import Predict, predict_in_batches


@dataclass
class SliceResult:
    patient_id: str
    slice_index: int
    labels: dict[str, bool]
    form: str
    scores: np.ndarray | None = None  # (6,) classifier probabilities, OUTPUT_NAMES order
    reference_pixels: int | None = None  # None where the slice has no mask or no segmenter ran
    predicted_pixels: int | None = None
    overlap_pixels: int | None = None
    dice: float | None = None
    pixel_mm2: float | None = None
    thickness_mm: float | None = None
    subtypes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def positive(self) -> bool:
        return bool(self.labels.get("any", False))

    @property
    def has_mask(self) -> bool:
        return self.reference_pixels is not None

    @property
    def mask_positive(self) -> bool:
        return bool(self.reference_pixels)


@dataclass
class PatientResult:
    patient_id: str
    dice_3d: float | None  # None for a patient without reference hemorrhage
    reference_pixels: int
    predicted_pixels: int


@dataclass
class Overlay:
    """What a gallery tile needs: the slice and both masks at the slice's own matrix."""

    dice: float
    patient_id: str
    slice_index: int
    hu: np.ndarray
    reference: np.ndarray
    predicted: np.ndarray


def score_patient(
    records: Sequence[SliceRecord],
    classify: Predict | None,
    segment: Predict | None,
    mask_threshold: float,
    keep_overlay: Callable[[Overlay], None] = lambda overlay: None,
    context: int = 0,
    confinement: Confinement = NO_CONFINEMENT,
) -> tuple[list[SliceResult], PatientResult | None]:
    """Per-slice results for one patient's slices, and the patient's 3-D Dice over those with masks.

    context > 0 feeds a 2.5D model each slice with its neighbours from the patient's stack."""
    if context:
        records = sorted(records, key=lambda r: r.slice_index)
    inputs = stack_inputs([r.hu for r in records], context, confinement=confinement)
    scores = predict_in_batches(classify, inputs) if classify else None
    probabilities = predict_in_batches(segment, inputs)[..., 0] if segment else None
    results, references, predictions = [], [], []
    for i, record in enumerate(records):
        spacing = record.spacing_mm
        result = SliceResult(
            record.patient_id,
            record.slice_index,
            record.labels,
            record.form,
            scores=None if scores is None else scores[i],
            pixel_mm2=spacing[0] * spacing[1] if spacing else None,
            thickness_mm=spacing[2] if spacing else None,
            subtypes=record.subtypes,
        )
        if probabilities is not None and record.mask is not None:
            predicted = resize_image(probabilities[i], record.mask.shape) >= mask_threshold
            result.reference_pixels = int(record.mask.sum())
            result.predicted_pixels = int(predicted.sum())
            result.overlap_pixels = int(np.logical_and(predicted, record.mask).sum())
            result.dice = dice_score(predicted, record.mask)
            references.append(record.mask.ravel())
            predictions.append(predicted.ravel())
            if result.mask_positive:
                keep_overlay(
                    Overlay(result.dice, record.patient_id, record.slice_index, record.hu, record.mask, predicted)
                )
        results.append(result)
    if not references:
        return results, None
    reference, predicted = np.concatenate(references), np.concatenate(predictions)
    patient = PatientResult(
        records[0].patient_id,
        dice_score(predicted, reference) if reference.any() else None,
        int(reference.sum()),
        int(predicted.sum()),
    )
    return results, patient
