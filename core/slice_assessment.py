"""Does a slice hold enough brain for the models to answer? Vertex caps, levels through the skull base and below,
and images with no skull ring are "not assessed": their answers never count as positive, nor their masks as bleed.

The thresholds come from what the shipped models were trained on: phantom slices whose intracranial
cross-section is never under ~95 cm² and never under 60% of the head's (levels 0.05-0.95 of
training.phantoms; measured with core.intracranial on 60 phantoms).
"""

from dataclasses import dataclass

import numpy as np

from core.intracranial import bone_mask, estimate_spacing_mm, head_area_px, intracranial_mask

# Three quarters of the smallest intracranial section the models saw (~95 cm²). A 0.5-1 cm² bleed is
# still visible on a 70 cm² section; below it lie vertex caps, the foramen magnum and the neck.
MIN_INTRACRANIAL_MM2 = 7000.0
# Two thirds of the smallest brain share of the head the models saw (~0.6). Through the skull base
# the face, petrous bones and sinuses take over half the head, and the models mistake their edges for blood.
MIN_BRAIN_SHARE = 0.4
# An adult head's axial section is over ~200 cm² from the skull base to the ventricles; a smaller
# head section with little brain is a cap near the vertex rather than a level below the brain.
VERTEX_HEAD_MM2 = 18000.0

# A head section with less bone than this and nothing enclosed has no skull at all (the top of a
# vertex cap is solid bone: it encloses nothing but is mostly bone).
MIN_BONE_SHARE = 0.05

NO_SKULL, VERTEX, SKULL_BASE = "no_skull", "vertex", "skull_base"
REASONS = {
    NO_SKULL: "no skull ring found: not an axial head CT slice, or a window that hides the bone",
    VERTEX: "a cap near the vertex with too little brain for the models",
    SKULL_BASE: "a level through or below the skull base, where the models were not trained",
}


@dataclass(frozen=True)
class SliceAssessment:
    assessed: bool
    reason: str | None  # None when assessed, else a key of REASONS
    intracranial: np.ndarray  # bool (H, W), core.intracranial.intracranial_mask
    intracranial_mm2: float
    brain_share: float  # intracranial area / head area
    spacing_estimated: bool  # the pixel size was guessed (core.intracranial.estimate_spacing_mm)
    pixel_mm2: float  # the area of one pixel, known or guessed

    @property
    def message(self) -> str | None:
        return REASONS.get(self.reason) if self.reason else None

    def confine(self, mask: np.ndarray) -> np.ndarray:
        """A predicted bleed mask (H, W) cut to the intracranial space: bleeds are never in bone, air or scalp."""
        return np.asarray(mask, bool) & self.intracranial


def _reason(intracranial_mm2: float, brain_share: float, head_mm2: float, bone_share: float) -> str | None:
    if intracranial_mm2 == 0 and bone_share < MIN_BONE_SHARE:
        return NO_SKULL
    if intracranial_mm2 >= MIN_INTRACRANIAL_MM2 and brain_share >= MIN_BRAIN_SHARE:
        return None
    return VERTEX if head_mm2 < VERTEX_HEAD_MM2 else SKULL_BASE


def assess_slice(hu: np.ndarray, spacing_mm: tuple[float, float] | None) -> SliceAssessment:
    """HU (H, W), from DICOM or an 8-bit export -> whether the slice is assessed, and why not.

    Without `spacing_mm` (PNG/JPEG) the pixel size is estimated from the image and the head.
    """
    estimated = spacing_mm is None
    pixel_mm = estimate_spacing_mm(hu) if estimated else float(np.sqrt(float(spacing_mm[0]) * float(spacing_mm[1])))
    pixel_mm2 = pixel_mm**2
    inside = intracranial_mask(hu, (pixel_mm, pixel_mm))
    head_pixels = max(head_area_px(hu, pixel_mm), 1.0)
    share = float(inside.sum()) / head_pixels
    # The head holder lies outside the head but is thin; bone counted anywhere errs by little.
    bone_share = float(bone_mask(hu).sum()) / head_pixels
    area = float(inside.sum()) * pixel_mm2
    reason = _reason(area, share, head_pixels * pixel_mm2, bone_share)
    return SliceAssessment(reason is None, reason, inside, area, share, estimated, pixel_mm2)
