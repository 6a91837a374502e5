"""Each slice of a stack assessed (is there enough brain to judge?), its mask confined to the intracranial space
and its answer checked. Array conventions: `hu` float32 (slices, rows, columns) in HU; masks bool, same shape."""

import numpy as np

from app.pipeline.postprocess.slice_checks import SliceChecks, check_slice
from core.slice_assessment import AssessmentLimits, assess_slice


def assess_stack(
    hu: np.ndarray,
    probabilities: np.ndarray,
    masks: np.ndarray,
    spacing_mm: tuple[float, float] | None,
    threshold: float,
    limits: AssessmentLimits = AssessmentLimits(),
    interpretation: str = "hu",
) -> list[SliceChecks]:
    """Confines `masks` in place (blank where a slice is not assessed); `interpretation` as the decoder read the
    input (an 8-bit export is checked for its window, HU for contrast)."""
    checks = []
    for index, slice_hu in enumerate(hu):
        assessment = assess_slice(slice_hu, spacing_mm, limits)
        masks[index] = assessment.answer_mask(masks[index])
        area = int(masks[index].sum())
        probability = float(probabilities[index, 0])
        checks.append(check_slice(slice_hu, assessment, interpretation, probability, threshold, area))
    return checks
