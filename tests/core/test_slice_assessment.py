"""Which slices hold enough brain to be assessed: synthetic heads and the real normal scan's levels."""

from dataclasses import replace

import numpy as np
import pytest

from core.slice_assessment import (
    MIN_BRAIN_SHARE,
    MIN_INTRACRANIAL_MM2,
    NO_SKULL,
    SKULL_BASE,
    VERTEX,
    AssessmentLimits,
    assess_slice,
)
from core.windowing import as_brain_window_export
from tests.core.head_phantom import BONE_HU, REAL_SCAN, brain_region, head_slice, real_scan_slices

ONE_MM = (1.0, 1.0)
MOUTH = 2  # the real scan's lowest levels: tongue, mandible, C1


def test_a_whole_brain_section_is_assessed_in_hu_and_as_an_8bit_export():
    hu = head_slice(brain_axes=(60, 75))  # 141 cm² at 1 mm
    dicom = assess_slice(hu, ONE_MM)
    assert dicom.assessed and dicom.reason is None and not dicom.spacing_estimated
    assert dicom.intracranial_mm2 == pytest.approx(np.pi * 60 * 75, rel=0.03)
    exported = assess_slice(as_brain_window_export(hu), None)
    assert exported.assessed and exported.spacing_estimated


def test_an_exports_dense_clot_keeps_its_mask_but_adds_no_intracranial_area():
    hu = head_slice(brain_axes=(60, 75))
    hu[110:150, 110:150] = 88  # over the window's top: the export shows it as white as bone
    exported = assess_slice(as_brain_window_export(hu), ONE_MM)
    dicom = assess_slice(hu, ONE_MM)
    assert dicom.enclosed_white is None  # in HU 88 is blood, not white: nothing extra is held per slice
    assert exported.intracranial_mm2 == pytest.approx(dicom.intracranial_mm2 - 40 * 40, rel=0.02)
    clot = np.zeros(hu.shape, bool)
    clot[110:150, 110:150] = True
    assert exported.answer_mask(clot).sum() == clot.sum()
    cut = replace(exported, intracranial=np.zeros(hu.shape, bool))  # a series found no cranium here
    assert not cut.answer_mask(clot).any()


def test_a_small_brain_in_a_small_head_is_a_vertex_cap():
    result = assess_slice(head_slice(brain_axes=(20, 30)), ONE_MM)  # 19 cm² of brain, ~40 cm² of head
    assert not result.assessed and result.reason == VERTEX and "vertex" in result.message


def test_a_small_brain_in_a_big_head_is_a_skull_base_level():
    hu = np.full((256, 256), -1000, np.float32)
    hu[8:248, 8:248] = 40  # a face-sized head...
    hu[150:230, 90:170] = 900
    hu[160:220, 100:160] = 35  # ...holding a small bony compartment: the posterior fossa
    result = assess_slice(hu, ONE_MM)
    assert not result.assessed and result.reason == SKULL_BASE


def test_no_skull_ring_is_said():
    hu = np.full((128, 128), -1000, np.float32)
    hu[20:100, 20:100] = 35
    result = assess_slice(hu, ONE_MM)
    assert not result.assessed and result.reason == NO_SKULL and not result.intracranial.any()


def test_limits_come_from_the_card_or_default():
    assert AssessmentLimits.from_card({}) == AssessmentLimits(MIN_INTRACRANIAL_MM2, MIN_BRAIN_SHARE)
    card = {"assessment": {"min_intracranial_mm2": 9000, "min_brain_share": 0.5}}
    assert AssessmentLimits.from_card(card) == AssessmentLimits(9000.0, 0.5)
    for bad in ({"min_brain_share": 1.5}, {"min_intracranial_mm2": -1}, {"min_intracranial_mm2": "x"}, [1]):
        with pytest.raises(ValueError):
            AssessmentLimits.from_card({"assessment": bad})


def test_a_card_limit_changes_the_answer():
    hu = head_slice(brain_axes=(60, 75))  # 141 cm²
    assert assess_slice(hu, ONE_MM).assessed
    strict = assess_slice(hu, ONE_MM, AssessmentLimits(min_intracranial_mm2=20000.0))
    assert not strict.assessed and strict.reason in (VERTEX, SKULL_BASE)


def test_atlas_heads_are_assessed_from_the_posterior_fossa_to_the_high_convexity():
    """Every level holding 30 cm² of true intracranial space is assessed; the top vertex caps are not."""
    from training.atlas import generate_volume

    for seed in (7, 58):
        volume = generate_volume(seed, matrix=128, slice_mm=5.0, positive=False)
        pixel_mm2 = volume.spacing_mm[0] * volume.spacing_mm[1]
        true_mm2 = volume.brain.reshape(len(volume.hu), -1).sum(axis=1) * pixel_mm2
        answers = [assess_slice(hu, volume.spacing_mm[:2]) for hu in volume.hu]
        assert all(a.assessed for a, t in zip(answers, true_mm2) if t >= 3000)
        caps = [a for i, (a, t) in enumerate(zip(answers, true_mm2)) if i > len(answers) / 2 and t < 500]
        assert caps and all(a.reason in (VERTEX, NO_SKULL) for a in caps)


@pytest.mark.skipif(not REAL_SCAN.is_dir(), reason="the real scan lives in ../shared/realct")
def test_real_scan_levels():
    """The thresholds come from the training phantoms; here the real scan only checks them."""
    levels = {"cerebellum": 12, "petrous": 24, "ventricles": 60, "high convexity": 84, "vertex": 98}
    slices, spacing = real_scan_slices((*levels.values(), MOUTH))
    answers = {name: assess_slice(slices[i], spacing) for name, i in levels.items()}
    assert [answers[n].reason for n in levels] == [None, None, None, None, VERTEX]
    # DICOM shows the fat walled in by the jaw, so the mouth is not taken for the cranium (an export cannot).
    assert assess_slice(slices[MOUTH], spacing).reason == SKULL_BASE
    exported = {name: assess_slice(as_brain_window_export(slices[i]), None) for name, i in levels.items()}
    assert [exported[n].reason for n in levels] == [None, None, None, None, VERTEX]


def test_confining_a_mask_removes_bone_and_scalp():
    hu = head_slice()
    painted = hu > 0  # what a phantom-trained model paints on real bone edges: skull, scalp and brain
    confined = assess_slice(hu, ONE_MM).confine(painted)
    assert confined.sum() == pytest.approx(brain_region().sum(), rel=0.03) and not (confined & (hu >= BONE_HU)).any()


def test_a_slice_not_assessed_keeps_no_mask():
    painted = np.ones((256, 256), bool)
    assert assess_slice(head_slice(), ONE_MM).answer_mask(painted).any()
    skipped = assess_slice(np.full((256, 256), -1000.0, np.float32), ONE_MM)
    assert not skipped.assessed and not skipped.answer_mask(painted).any()
