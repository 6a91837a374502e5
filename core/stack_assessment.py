"""Across a whole stack: does each slice's intracranial space continue the cranium of the slices nearer its widest
section? A slice whose space lies mostly outside it is the face or neck, and is not assessed.

One slice alone cannot always tell. In an 8-bit brain-window export fat and air are clipped to black with CSF, so
below the foramen magnum the neck muscles walled in by the occiput, spine and mandible pass for the inside of a
skull (in HU their fat gives them away: core.intracranial.MAX_FAT_SHARE). The cranium is one body, widest near the
lateral ventricles and narrowing towards the foramen magnum and the vertex, so walking outwards from the widest
section each slice's space lies within the last accepted one, give or take the gantry tilt and the slice gap.
"""

from collections.abc import Sequence
from dataclasses import replace

import cv2
import numpy as np

from core.slice_assessment import MIN_INTRACRANIAL_MM2, OFF_CRANIUM, SliceAssessment

# How far a section may reach past the last accepted one: the brain's outline moves by up to about a slice gap
# per slice where the skull base or vertex cuts it at a slant (5 mm slices, 20 degrees of gantry tilt).
MARGIN_MM = 8.0
# Within that margin the true cranium's next section lies almost wholly: on atlas heads at every pose and slice
# thickness, as HU and as 8-bit exports, 0.65 at the least, where a tilted slice's space was found ragged at the open
# anterior skull base (experiments/stack_assessment.py). Neck muscles beside a small posterior fossa share about half
# or less with it (the real scan's exports, a yardstick only); the limit sits between.
MIN_INSIDE_SHARE = 0.6
WORK_PIXEL_MM = 2.0  # the test runs on a grid this coarse; a share of area needs no finer one


def _coarse(mask: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return mask.astype(bool)
    size = (mask.shape[1] // factor, mask.shape[0] // factor)
    return cv2.resize(mask.astype(np.uint8) * 255, size, interpolation=cv2.INTER_AREA) > 127


def grown(reference: np.ndarray, margin_px: float) -> np.ndarray:
    """bool: `reference` and everything within `margin_px` of it."""
    size = 2 * int(round(margin_px)) + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.dilate(reference.astype(np.uint8), disc).astype(bool)


def inside_share(piece: np.ndarray, reach: np.ndarray) -> float:
    """The share of `piece` inside `reach` (both bool, same grid); 1 for an empty piece."""
    area = int(piece.sum())
    return float((piece & reach).sum()) / area if area else 1.0


def continuation_shares(assessments: Sequence[SliceAssessment]) -> list[float | None]:
    """Per slice, in stack order: the share of its intracranial space within MARGIN_MM of the last two sections
    accepted on the way out from the widest one (1 for that one; None where no space was found).

    A section sharing under MIN_INSIDE_SHARE, or too small to be assessed, is not accepted, so it misleads no slice
    beyond it; one accepted is kept only within that reach, so a space that leaks past it cannot carry the cranium
    off into the neck slice by slice."""
    areas = np.array([a.intracranial_mm2 for a in assessments])
    shares: list[float | None] = [None] * len(assessments)
    if np.count_nonzero(areas) < 2:
        return [None if area == 0 else 1.0 for area in areas]
    start = int(np.argmax(areas))
    pixel_mm = float(np.sqrt(assessments[start].pixel_mm2))
    factor = max(1, int(WORK_PIXEL_MM / pixel_mm))
    margin_px = MARGIN_MM / (pixel_mm * factor)
    shares[start] = 1.0
    for step in (-1, 1):
        accepted = [_coarse(assessments[start].intracranial, factor)]
        for index in range(start + step, len(assessments) if step > 0 else -1, step):
            if areas[index] == 0:
                continue
            piece = _coarse(assessments[index].intracranial, factor)
            reach = grown(accepted[-1] | accepted[-2] if len(accepted) > 1 else accepted[0], margin_px)
            shares[index] = inside_share(piece, reach)
            # A space too small to answer on (a skull base level found in fragments) guides no other slice.
            if shares[index] >= MIN_INSIDE_SHARE and areas[index] >= MIN_INTRACRANIAL_MM2:
                accepted.append(piece & reach)
    return shares


def off_cranium(assessments: Sequence[SliceAssessment]) -> list[bool]:
    """Per slice, in stack order: True where its intracranial space does not continue the cranium."""
    return [share is not None and share < MIN_INSIDE_SHARE for share in continuation_shares(assessments)]


def assess_stack(assessments: Sequence[SliceAssessment]) -> list[SliceAssessment]:
    """Each slice's own assessment (core.slice_assessment.assess_slice), with the assessed slices whose space lies off
    the cranium not assessed (reason OFF_CRANIUM, no intracranial space); a slice not assessed keeps its reason.
    The slices must be one series, in order, at one matrix."""
    flags = off_cranium(assessments)
    return [
        replace(a, assessed=False, reason=OFF_CRANIUM, intracranial=np.zeros_like(a.intracranial), intracranial_mm2=0.0)
        if flag and a.assessed
        else a
        for a, flag in zip(assessments, flags)
    ]
