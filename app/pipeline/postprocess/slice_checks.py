"""What one slice's pixels and answers say about how far to trust them: level assessed, display window,
contrast, and whether the classifier and the segmenter agree.

Array conventions: `hu` float32 (H, W) in HU (8-bit exports decoded with core.windowing.brain_window_to_hu);
masks bool (H, W) at the same size.
"""

from dataclasses import dataclass, field

import cv2
import numpy as np

from core.intracranial import SATURATED_BONE_HU, fill_holes, head_mask, inner_table_distance_mm
from core.raster import BRAIN_WINDOW_FORM, HU_FORM
from core.slice_assessment import SliceAssessment

# A mask this large (about a 6 x 8 mm blob, 0.25 mL at 5 mm) with a "no" from the classifier is a disagreement;
# smaller specks are within what a segmenter paints at a threshold's edge.
AGREEMENT_MASK_MM2 = 50.0
# In a brain window (40/80) the skull saturates; a head with under 2% of its area at the window's top
# (the skull alone is 10-20% of it) was rendered in a bone or other wide window.
MIN_SATURATED_SHARE = 0.02
# Grey and white matter, CSF and noise spread brain HU over an interquartile range of ~10 HU in a brain
# window; a wide window squeezes them into a few grey levels, which read back as under 5 HU.
MIN_BRAIN_IQR_HU = 5.0
# Non-contrast brain holds almost nothing at 130-600 HU away from the skull (a pineal or choroid calcification
# is a few mm²); enhancing vessels, sinuses and choroid plexus give well over this on one slice.
CONTRAST_HU = (130.0, 600.0)
CONTRAST_MIN_MM2 = 150.0
CONTRAST_SKULL_MARGIN_MM = 4.0
# Partial volume at the edge of dense bone (clinoids, petrous apex) also reads 130-600 HU; vessels do not
# touch bone this dense, so bright pixels this close to it are not counted.
DENSE_BONE_HU = 600.0
DENSE_BONE_MARGIN_MM = 2.0


@dataclass(frozen=True)
class SliceChecks:
    assessment: SliceAssessment
    window_problem: str | None  # why the 8-bit image does not look like a brain window
    contrast: bool  # enhancing structures inside the head
    models_agree: bool
    withheld_pixels: int = 0  # the segmenter's confined mask on a slice the classifier does not flag
    withheld_mask: np.ndarray | None = field(default=None, compare=False)  # that mask, bool, when the caller keeps it


def window_problem(hu: np.ndarray, assessment: SliceAssessment) -> str | None:
    """For 8-bit exports only: a reason the image is not in the brain window, or None."""
    head = head_mask(hu)
    if not head.any():
        return None
    saturated = float((head & (hu >= SATURATED_BONE_HU)).sum()) / float(head.sum())
    if saturated < MIN_SATURATED_SHARE:
        return "no saturated skull: the image looks like a bone or wide window"
    inside = hu[assessment.intracranial & (hu < SATURATED_BONE_HU)]
    if inside.size and np.subtract(*np.percentile(inside, [75, 25])) < MIN_BRAIN_IQR_HU:
        return "brain tissue spans only a few grey levels: the image looks like a wider window than 40/80"
    return None


def contrast_enhanced(hu: np.ndarray, assessment: SliceAssessment) -> bool:
    """HU inputs: enhancing structures (130-600 HU) inside the skull, away from the inner table."""
    if not assessment.intracranial.any():
        return False
    pixel_mm = float(np.sqrt(assessment.pixel_mm2))
    # Vessels above 100 HU are holes in the intracranial mask (it leaves out bone); filling puts them back.
    interior = fill_holes(assessment.intracranial)
    bright = interior & (hu >= CONTRAST_HU[0]) & (hu <= CONTRAST_HU[1])
    if float(bright.sum()) * assessment.pixel_mm2 < CONTRAST_MIN_MM2:
        return False  # too little even before the margins: skip the costlier steps
    size = 2 * int(np.ceil(DENSE_BONE_MARGIN_MM / pixel_mm)) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    bright &= ~cv2.dilate((hu > DENSE_BONE_HU).astype(np.uint8), kernel).astype(bool)
    if float(bright.sum()) * assessment.pixel_mm2 < CONTRAST_MIN_MM2:
        return False
    deep = inner_table_distance_mm(interior, (pixel_mm, pixel_mm)) > CONTRAST_SKULL_MARGIN_MM
    return float((bright & deep).sum()) * assessment.pixel_mm2 >= CONTRAST_MIN_MM2


def models_agree(probability: float, threshold: float, mask_pixels: int, pixel_mm2: float) -> bool:
    """A "yes" with no mask, or a sizeable mask with a "no", is a disagreement."""
    if probability >= threshold:
        return mask_pixels > 0
    return mask_pixels * pixel_mm2 < AGREEMENT_MASK_MM2


def check_slice(
    hu: np.ndarray,
    assessment: SliceAssessment,
    interpretation: str,
    probability: float,
    threshold: float,
    mask_pixels: int,
    withheld_pixels: int = 0,
) -> SliceChecks:
    """Every check of one slice; a slice not assessed is not held to agreement (it gives no answer). `mask_pixels`:
    the segmenter's confined mask, withheld or not."""
    window = window_problem(hu, assessment) if interpretation == BRAIN_WINDOW_FORM else None
    contrast = interpretation == HU_FORM and contrast_enhanced(hu, assessment)
    agree = not assessment.assessed or models_agree(probability, threshold, mask_pixels, assessment.pixel_mm2)
    return SliceChecks(assessment, window, contrast, agree, withheld_pixels)
