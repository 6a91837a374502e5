"""A stack's slices whose walled-in space lies off the cranium of their neighbours: synthetic stacks, atlas heads
(the truth known) and the real normal scan's mouth levels as an 8-bit export."""

from dataclasses import replace

import numpy as np
import pytest

from core.slice_assessment import OFF_CRANIUM, REASONS, assess_slice
from core.stack_assessment import (
    MIN_INSIDE_SHARE,
    assess_stack,
    continuation_shares,
    grown,
    inside_share,
    off_cranium,
)
from core.windowing import as_brain_window_export
from tests.core.head_phantom import AIR_HU, BONE_HU, BRAIN_HU, REAL_SCAN, SCALP_HU, head_slice, real_scan_slices

ONE_MM = (1.0, 1.0)
CRANIUM = [(40, 50), (60, 75), (80, 100), (70, 90), (50, 60)]  # brain axes from the skull base to the vertex


def neck_slice(size: int = 256) -> np.ndarray:
    """A face-sized head with a bony box off to one side, walling in soft tissue where no brain lies above."""
    hu = np.full((size, size), AIR_HU, np.float32)
    hu[8:248, 8:248] = SCALP_HU
    hu[20:120, 150:240] = BONE_HU
    hu[28:112, 158:232] = BRAIN_HU  # 84 x 74 mm of muscle, as dense as brain
    return hu


def test_a_cranium_narrowing_towards_both_ends_is_assessed_throughout():
    stack = [assess_slice(head_slice(brain_axes=axes), ONE_MM) for axes in CRANIUM]
    assert off_cranium(stack) == [False] * len(CRANIUM)
    assert assess_stack(stack) == stack


def test_a_walled_in_space_beside_the_cranium_is_not_assessed():
    stack = [assess_slice(neck_slice(), ONE_MM)] + [assess_slice(head_slice(brain_axes=a), ONE_MM) for a in CRANIUM]
    assert stack[0].assessed  # alone, the box passes for a skull
    answered = assess_stack(stack)
    assert [a.reason == OFF_CRANIUM for a in answered] == [True] + [False] * len(CRANIUM)
    first = answered[0]
    assert not first.assessed and not first.intracranial.any() and "neck" in REASONS[OFF_CRANIUM]
    assert not first.answer_mask(np.ones((256, 256), bool)).any()


def test_a_lone_slice_is_left_as_it_is():
    lone = [assess_slice(neck_slice(), ONE_MM)]
    assert off_cranium(lone) == [False] and assess_stack(lone) == lone


def test_the_reach_is_the_reference_and_its_margin():
    reference = np.zeros((50, 50), bool)
    reference[10:20, 10:20] = True
    piece = np.zeros((50, 50), bool)
    piece[10:20, 22:32] = True  # a two-pixel gap, then ten columns
    assert inside_share(piece, grown(reference, 0)) == 0.0
    assert inside_share(piece, grown(reference, 4)) == pytest.approx(0.2)  # columns 22 and 23
    assert inside_share(piece, grown(reference, 12)) == 1.0


def test_a_space_drifting_slice_by_slice_into_the_neck_is_stopped():
    """Each slice's space lies 10 px (20 mm) further right than the last, most of it within the 8 mm margin of the
    one before; kept only within that reach, the cranium cannot drift along with it."""
    widest = assess_slice(head_slice(size=256), (2.0, 2.0))  # 2 mm pixels: the test's own grid
    stack = [widest]
    for shift in range(1, 9):
        inside = np.zeros((256, 256), bool)
        inside[60:100, 100 + 10 * shift : 160 + 10 * shift] = True
        stack.append(replace(widest, intracranial=inside, intracranial_mm2=float(inside.sum()) * 4.0))
    shares = continuation_shares(stack)
    assert shares[:3] == [1.0, 1.0, 1.0] and shares[-1] < MIN_INSIDE_SHARE
    assert off_cranium(stack)[-1] and not any(off_cranium(stack)[:3])


def boxes(*corners) -> np.ndarray:
    inside = np.zeros((256, 256), bool)
    for top, bottom, left, right in corners:
        inside[top:bottom, left:right] = True
    return inside


CRANIAL = (60, 180, 60, 180)  # on 2 mm pixels: a section well within the widest, 40-200
FACE = (100, 130, 4, 28)  # over 20 mm from the widest section, off to one side


def boxed_stack(*spaces: np.ndarray) -> list:
    """Assessed slices at 2 mm pixels with the given spaces, the widest last."""
    widest = assess_slice(head_slice(size=256), (2.0, 2.0))
    widest = replace(widest, intracranial=boxes((40, 200, 40, 200)), intracranial_mm2=160 * 160 * 4.0)
    return [replace(widest, intracranial=s, intracranial_mm2=float(s.sum()) * 4.0) for s in spaces] + [widest]


def test_a_piece_of_face_joined_to_one_slices_space_is_cut_from_it():
    """At the skull base the space found slice by slice can run into the nasopharynx, the masticator spaces or an
    orbit; the slices above hold no cranium there, nor do the slices below."""
    stack = boxed_stack(boxes(CRANIAL), boxes(CRANIAL, FACE), boxes(CRANIAL))
    answered = assess_stack(stack)
    assert answered[1].assessed and answered[1].reason is None
    assert (answered[1].intracranial == boxes(CRANIAL)).all()
    assert answered[1].intracranial_mm2 == pytest.approx(120 * 120 * 4.0)
    assert not answered[1].answer_mask(boxes(FACE)).any()
    assert answered[0] is stack[0] and answered[2] is stack[2]  # nothing to cut there


def test_a_stretch_of_cranium_the_slices_above_missed_is_kept_where_the_slices_below_hold_it():
    """A tilted head's oblique cut can leave a thin squama out of the sections nearer the widest one, so their space
    misses a stretch of brain that the slices further out find again."""
    stack = boxed_stack(boxes(CRANIAL, FACE), boxes(CRANIAL, FACE), boxes(CRANIAL, FACE), boxes(CRANIAL))
    answered = assess_stack(stack)
    assert (answered[2].intracranial == boxes(CRANIAL, FACE)).all()


def test_atlas_heads_lose_no_slice_holding_brain_in_hu_or_as_an_export():
    """Nor cut true intracranial space from the slices it keeps. Every pose, tilt and slice thickness the generator
    draws; 24 more heads and four windows in experiments/stack_assessment.py."""
    from training.atlas import generate_volume

    for seed in (9100, 9102):
        volume = generate_volume(seed, matrix=128)
        for hu, spacing in ((volume.hu, volume.spacing_mm[:2]), (as_brain_window_export(volume.hu), None)):
            stack = [assess_slice(h, spacing) for h in hu]
            flags = off_cranium(stack)
            assert not any(flag for flag, brain in zip(flags, volume.brain) if brain.any())
            found = np.stack([a.intracranial for a in stack]) & volume.brain
            kept = np.stack([a.intracranial for a in assess_stack(stack)]) & volume.brain
            assert kept.sum() >= 0.995 * found.sum()  # the cut to the cranium takes next to no true space


@pytest.mark.skipif(not REAL_SCAN.is_dir(), reason="the real scan lives in ../shared/realct")
def test_the_real_scans_mouth_levels_are_off_the_cranium_as_an_export():
    """Every third slice (4.5 mm apart); the per-slice assessment keeps the mouth levels of the export."""
    indices = tuple(range(0, 100, 3))
    slices, _ = real_scan_slices(indices)
    stack = [assess_slice(as_brain_window_export(slices[i]), None) for i in indices]
    taken = {i for i, flag in zip(indices, off_cranium(stack)) if flag}
    mouth = {i for i, a in zip(indices, stack) if i <= 8 and a.assessed}
    assert mouth and mouth <= taken
    assert not taken & set(range(18, 94))


@pytest.mark.skipif(not REAL_SCAN.is_dir(), reason="the real scan lives in ../shared/realct")
def test_the_real_scans_masticator_spaces_and_orbits_are_cut_from_the_cranium():
    """As HU, slices 15-16 (1.5 mm) find a space running from the posterior fossa into the nasopharynx and masticator
    spaces, slices 40-41 one holding both orbits; the slices around them hold neither."""
    indices = (13, 14, 15, 16, 17, 18, 38, 39, 40, 41, 42, 43, 60)
    slices, spacing = real_scan_slices(indices)
    stack = [assess_slice(slices[i], spacing) for i in indices]
    kept = dict(zip(indices, assess_stack(stack)))
    found = dict(zip(indices, stack))
    for face, clean in ((15, 14), (16, 17), (40, 39), (41, 42)):
        assert found[face].intracranial_mm2 > found[clean].intracranial_mm2 + 500  # the leak: over 5 cm²
        assert kept[face].intracranial_mm2 < found[face].intracranial_mm2 - 500
        assert kept[face].assessed
    for clean in (13, 18, 38, 43, 60):
        assert kept[clean].intracranial_mm2 == found[clean].intracranial_mm2
