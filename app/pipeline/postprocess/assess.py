"""Each slice's answer from its assessment (is there enough brain to judge?, core.slice_assessment): its mask confined
to the intracranial space, given only where the classifier flags the slice, and its answer checked. Array
conventions: `hu` float32 (slices, rows, columns) in HU; masks bool, same shape.

The mask outlines the classifier's finding. The segmenter alone paints along the real inner table on most slices of
a normal scan, where the classifier is quiet; a slice called "no bleed" with a red outline is a contradiction a
reader cannot act on. What is withheld is still said: its area, and a disagreement when it is sizeable."""

import dataclasses
from collections.abc import Sequence

import numpy as np

from app.pipeline.postprocess.slice_checks import SliceChecks, check_slice
from core.slice_assessment import SliceAssessment


def confine_and_check(
    hu: np.ndarray,
    probabilities: np.ndarray,
    masks: np.ndarray,
    assessments: Sequence[SliceAssessment],
    threshold: float,
    interpretation: str = "hu",
    keep_withheld: bool = False,
) -> list[SliceChecks]:
    """Confines `masks` in place (blank where a slice is not assessed, or not flagged: P(any) under `threshold`, as
    core.scan_decision counts a slice's volume); `interpretation` as the decoder read the input (an 8-bit export is
    checked for its window, HU for contrast); `keep_withheld`: each check also holds the withheld mask itself (a
    lone slice's picture shows it; a series keeps only the areas)."""
    checks = []
    for index, assessment in enumerate(assessments):
        painted = assessment.answer_mask(masks[index])
        probability = float(probabilities[index, 0])
        flagged = probability >= threshold
        masks[index] = painted if flagged else np.zeros_like(painted)
        area = int(painted.sum())
        withheld = 0 if flagged else area
        check = check_slice(hu[index], assessment, interpretation, probability, threshold, area, withheld)
        if keep_withheld and withheld:
            check = dataclasses.replace(check, withheld_mask=painted)
        checks.append(check)
    return checks
