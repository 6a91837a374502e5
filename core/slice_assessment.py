"""Does a slice hold enough brain for the models to answer? Vertex caps, levels below the foramen magnum and
images with no skull are "not assessed": their answers never count as positive, nor their masks as bleed.

The models (v4 on) are trained on every level from the foramen magnum to the vertex, posterior fossa included,
so only sections with little brain are left out. The limits come from atlas truth (training.atlas's
HeadVolume.brain), never from a real scan, and a card may set its own ("assessment" key, AssessmentLimits).
"""

import math
from dataclasses import dataclass

import numpy as np

from core.intracranial import (
    bone_mask,
    enclosed_white,
    estimate_spacing_mm,
    fill_holes,
    head_area_px,
    intracranial_mask,
)

# On atlas heads the true intracranial section is ~24 cm² one 5 mm slab above the foramen magnum and
# over 40 cm² from the next slab up to the high convexity; under 25 cm² lie the neck and face below the
# foramen magnum and vertex caps, whose few cm² of brain are too little to report on.
MIN_INTRACRANIAL_MM2 = 2500.0
# The smallest true brain share of the head on atlas levels holding 25 cm² or more is ~0.16 (the face and
# neck fill the rest at the foramen magnum); a section under 0.1 is the neck or face holding a bony pocket.
MIN_BRAIN_SHARE = 0.1
# An adult head's axial section is over ~200 cm² from the skull base to the ventricles; a smaller
# head section with little brain is a cap near the vertex rather than a level below the brain.
VERTEX_HEAD_MM2 = 18000.0

# A head section with less bone than this and nothing enclosed has no skull at all (the top of a
# vertex cap is solid bone: it encloses nothing but is mostly bone).
MIN_BONE_SHARE = 0.05

NO_SKULL, VERTEX, SKULL_BASE, OFF_CRANIUM = "no_skull", "vertex", "skull_base", "off_cranium"
REASONS = {
    NO_SKULL: "no skull ring found: not an axial head CT slice, or a window that hides the bone",
    VERTEX: "a cap near the vertex with too little brain for the models",
    SKULL_BASE: "a level below the foramen magnum (neck or face) with too little brain for the models",
    # Set across a stack (core.stack_assessment), never by one slice alone.
    OFF_CRANIUM: "the space walled in by bone here lies outside the cranium of the neighbouring slices: face or neck",
}


@dataclass(frozen=True)
class AssessmentLimits:
    min_intracranial_mm2: float = MIN_INTRACRANIAL_MM2
    min_brain_share: float = MIN_BRAIN_SHARE

    @classmethod
    def from_card(cls, card: dict) -> "AssessmentLimits":
        """The card's optional "assessment" object (min_intracranial_mm2, min_brain_share), else the defaults.

        ValueError names a limit that is not a finite, non-negative number (or a share over 1)."""
        spec = card.get("assessment")
        if spec is None:
            return cls()
        if not isinstance(spec, dict):
            raise ValueError('"assessment" must be an object')  # noqa: TRY004 - card checks report ValueError
        area = float(spec.get("min_intracranial_mm2", MIN_INTRACRANIAL_MM2))
        share = float(spec.get("min_brain_share", MIN_BRAIN_SHARE))
        if not (math.isfinite(area) and area >= 0):
            raise ValueError(f"assessment.min_intracranial_mm2 must be a non-negative number, got {area}")
        if not (math.isfinite(share) and 0 <= share <= 1):
            raise ValueError(f"assessment.min_brain_share must be within 0..1, got {share}")
        return cls(area, share)


@dataclass(frozen=True)
class SliceAssessment:
    assessed: bool
    reason: str | None  # None when assessed, else a key of REASONS
    intracranial: np.ndarray  # bool (H, W), core.intracranial.intracranial_mask
    intracranial_mm2: float
    brain_share: float  # intracranial area / head area
    spacing_estimated: bool  # the pixel size was guessed (core.intracranial.estimate_spacing_mm)
    pixel_mm2: float  # the area of one pixel, known or guessed
    # bool (H, W), core.intracranial.enclosed_white: where an export's clot may be; None when it holds none (HU)
    enclosed_white: np.ndarray | None = None

    @property
    def message(self) -> str | None:
        return REASONS.get(self.reason) if self.reason else None

    def confine(self, mask: np.ndarray) -> np.ndarray:
        """A predicted bleed mask (H, W) cut to the intracranial space: bleeds are never in bone, air or scalp. In an
        export the clipped white that space encloses stays (a clot denser than the window), as far as the space
        does once a series has cut it to the cranium."""
        space = self.intracranial
        if self.enclosed_white is not None:
            space = space | (self.enclosed_white & fill_holes(space))
        return np.asarray(mask, bool) & space

    def answer_mask(self, mask: np.ndarray) -> np.ndarray:
        """The mask an answer keeps: confined, and empty on a slice not assessed (it gives no answer)."""
        return self.confine(mask) if self.assessed else np.zeros(np.shape(mask), bool)


def _reason(
    intracranial_mm2: float, brain_share: float, head_mm2: float, bone_share: float, limits: AssessmentLimits
) -> str | None:
    if intracranial_mm2 == 0 and bone_share < MIN_BONE_SHARE:
        return NO_SKULL
    if intracranial_mm2 >= limits.min_intracranial_mm2 and brain_share >= limits.min_brain_share:
        return None
    return VERTEX if head_mm2 < VERTEX_HEAD_MM2 else SKULL_BASE


def assess_slice(
    hu: np.ndarray, spacing_mm: tuple[float, float] | None, limits: AssessmentLimits = AssessmentLimits()
) -> SliceAssessment:
    """HU (H, W), from DICOM or an 8-bit export -> whether the slice is assessed, and why not.

    Without `spacing_mm` (PNG/JPEG) the pixel size is estimated from the image and the head. `limits`:
    the classifier card's (AssessmentLimits.from_card), defaults otherwise.
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
    reason = _reason(area, share, head_pixels * pixel_mm2, bone_share, limits)
    white = enclosed_white(hu, inside)
    return SliceAssessment(
        reason is None, reason, inside, area, share, estimated, pixel_mm2, white if white.any() else None
    )
