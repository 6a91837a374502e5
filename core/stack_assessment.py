"""Across a whole stack: does each slice's intracranial space continue the cranium of the slices nearer its widest
section? A slice whose space lies mostly outside it is the face or neck, and is not assessed; a slice whose space
runs partly outside it (into the nasopharynx, the masticator spaces or an orbit) keeps only the part within.

One slice alone cannot always tell. In an 8-bit brain-window export fat and air are clipped to black with CSF, so
below the foramen magnum the neck muscles walled in by the occiput, spine and mandible pass for the inside of a
skull (in HU their fat gives them away: core.intracranial.MAX_FAT_SHARE). The cranium is one body, widest near the
lateral ventricles and narrowing towards the foramen magnum and the vertex, so walking outwards from the widest
section each slice's space lies within the last accepted one, give or take the gantry tilt and the slice gap.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

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
# A stretch of the cranium that the slices nearer the widest section missed (an oblique cut through a tilted head
# can leave a thin squama out of them) goes on for several slices further out; the face or an orbit joined to one
# slice's space does not. How many slices further out must hold it for it to be kept.
SUPPORT_SLICES = 2
WORK_PIXEL_MM = 2.0  # the test runs on a grid this coarse; a share of area needs no finer one


def _coarse(mask: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return mask.astype(bool)
    size = (mask.shape[1] // factor, mask.shape[0] // factor)
    return cv2.resize(mask.astype(np.uint8) * 255, size, interpolation=cv2.INTER_AREA) > 127


def grown(reference: np.ndarray, margin_px: float) -> np.ndarray:
    """bool: `reference` and everything within `margin_px` of it."""
    size = 2 * round(margin_px) + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.dilate(reference.astype(np.uint8), disc).astype(bool)


def inside_share(piece: np.ndarray, reach: np.ndarray) -> float:
    """The share of `piece` inside `reach` (both bool, same grid); 1 for an empty piece."""
    area = int(piece.sum())
    return float((piece & reach).sum()) / area if area else 1.0


@dataclass(frozen=True)
class Continuation:
    """How one slice's intracranial space continues the cranium of the slices nearer the widest section."""

    share: float | None  # of the space within reach of that cranium; 1 for the widest, None where no space was found
    reach: np.ndarray | None  # bool (H, W): where the cranium can lie on this slice; None where nothing limits it


def _support(near: list[np.ndarray], index: int, step: int) -> np.ndarray:
    """Where the spaces of the next SUPPORT_SLICES slices further out all lie (`near`: each space grown by the
    margin); empty at the end of the stack."""
    beyond = [index + step * k for k in range(1, SUPPORT_SLICES + 1)]
    if not all(0 <= j < len(near) for j in beyond):
        return np.zeros_like(near[index])
    return np.logical_and.reduce([near[j] for j in beyond])


def continuations(spaces: Sequence[np.ndarray], areas_mm2: Sequence[float], pixel_mm: float) -> list[Continuation]:
    """Per slice, in stack order: how its intracranial space (`spaces`, bool, one matrix; `areas_mm2`, their areas)
    lies within MARGIN_MM of the last two sections accepted on the way out from the widest one.

    A section sharing under MIN_INSIDE_SHARE, or too small to be assessed, is not accepted, so it misleads no slice
    beyond it; one accepted is kept only within that reach, so a space that leaks past it cannot carry the cranium
    off into the neck slice by slice. The reach a slice is cut to also takes in what the next slices further out
    share with it (_support), so a stretch of cranium the slices nearer the widest missed is kept; it guides no
    other slice."""
    areas = np.asarray(areas_mm2, dtype=np.float64)
    if np.count_nonzero(areas) < 2:
        return [Continuation(None if area == 0 else 1.0, None) for area in areas]
    found = [Continuation(None, None)] * len(spaces)
    start = int(np.argmax(areas))
    factor = max(1, int(WORK_PIXEL_MM / pixel_mm))
    margin_px = MARGIN_MM / (pixel_mm * factor)
    found[start] = Continuation(1.0, None)
    full_size = spaces[start].shape[::-1]
    pieces = [_coarse(space, factor) for space in spaces]
    near = [grown(piece, margin_px) for piece in pieces]  # each serves as support for two slices
    for step in (-1, 1):
        accepted = [pieces[start]]
        for index in range(start + step, len(spaces) if step > 0 else -1, step):
            if areas[index] == 0:
                continue
            piece = pieces[index]
            reach = grown(accepted[-1] | accepted[-2] if len(accepted) > 1 else accepted[0], margin_px)
            share = inside_share(piece, reach)
            kept = reach | _support(near, index, step)
            full = cv2.resize(kept.astype(np.uint8), full_size, interpolation=cv2.INTER_NEAREST)
            found[index] = Continuation(share, full.astype(bool))
            # A space too small to answer on (a skull base level found in fragments) guides no other slice.
            if share >= MIN_INSIDE_SHARE and areas[index] >= MIN_INTRACRANIAL_MM2:
                accepted.append(piece & reach)
    return found


def _stack_continuations(assessments: Sequence[SliceAssessment]) -> list[Continuation]:
    if not assessments:
        return []
    areas = [a.intracranial_mm2 for a in assessments]
    widest = assessments[int(np.argmax(areas))]
    return continuations([a.intracranial for a in assessments], areas, float(np.sqrt(widest.pixel_mm2)))


def continuation_shares(assessments: Sequence[SliceAssessment]) -> list[float | None]:
    """Per slice, in stack order: the share of its intracranial space that continues the cranium (continuations)."""
    return [c.share for c in _stack_continuations(assessments)]


def within_cranium(space: np.ndarray, continuation: Continuation) -> np.ndarray:
    """The part of a slice's intracranial space that continues the cranium: all of it where nothing limits it, none
    of it off the cranium. At the skull base a space found slice by slice can run from the posterior fossa into the
    nasopharynx and masticator spaces, which the facial bones wall in; the slices above hold no cranium there."""
    if continuation.share is not None and continuation.share < MIN_INSIDE_SHARE:
        return np.zeros_like(space, dtype=bool)
    if continuation.reach is None:
        return space
    return space & continuation.reach


def off_cranium(assessments: Sequence[SliceAssessment]) -> list[bool]:
    """Per slice, in stack order: True where its intracranial space does not continue the cranium."""
    return [share is not None and share < MIN_INSIDE_SHARE for share in continuation_shares(assessments)]


def assess_stack(assessments: Sequence[SliceAssessment]) -> list[SliceAssessment]:
    """Each slice's own assessment (core.slice_assessment.assess_slice), with its intracranial space cut to the part
    that continues the cranium (within_cranium), and the assessed slices whose space lies off the cranium not
    assessed (reason OFF_CRANIUM, no intracranial space); a slice not assessed keeps its reason. Whether a slice is
    assessed is otherwise its own. The slices must be one series, in order, at one matrix.

    The models' input is not cut (it is prepared slice by slice, before the series is whole): scoring a cut slice
    again with its input cut the same way leaves a straight edge of brain against the floor, which in 8-bit exports
    the classifier takes for blood (docs/inputs.md)."""
    answered = []
    for a, continuation in zip(assessments, _stack_continuations(assessments)):
        space = within_cranium(a.intracranial, continuation)
        if a.assessed and not space.any() and a.intracranial.any():
            a = replace(a, assessed=False, reason=OFF_CRANIUM)
        if space is not a.intracranial and int(space.sum()) != int(a.intracranial.sum()):
            a = replace(a, intracranial=space, intracranial_mm2=float(space.sum()) * a.pixel_mm2)
        answered.append(a)
    return answered
