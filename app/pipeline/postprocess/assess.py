"""Each slice's answer from its assessment (is there enough brain to judge?, core.slice_assessment): its mask confined
to the intracranial space and its answer checked. Array conventions: `hu` float32 (slices, rows, columns) in HU;
masks bool, same shape."""

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
) -> list[SliceChecks]:
    """Confines `masks` in place (blank where a slice is not assessed); `interpretation` as the decoder read the
    input (an 8-bit export is checked for its window, HU for contrast)."""
    checks = []
    for index, assessment in enumerate(assessments):
        masks[index] = assessment.answer_mask(masks[index])
        area = int(masks[index].sum())
        probability = float(probabilities[index, 0])
        checks.append(check_slice(hu[index], assessment, interpretation, probability, threshold, area))
    return checks
