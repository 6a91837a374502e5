"""Which slices hold enough brain to be assessed: synthetic heads and the real normal scan's levels."""

import numpy as np
import pytest

from core.slice_assessment import NO_SKULL, SKULL_BASE, VERTEX, assess_slice
from core.windowing import as_brain_window_export
from tests.core.head_phantom import REAL_SCAN, head_slice, real_scan_slices

ONE_MM = (1.0, 1.0)


def test_a_whole_brain_section_is_assessed_in_hu_and_as_an_8bit_export():
    hu = head_slice(brain_axes=(60, 75))  # 141 cm² at 1 mm
    dicom = assess_slice(hu, ONE_MM)
    assert dicom.assessed and dicom.reason is None and not dicom.spacing_estimated
    assert dicom.intracranial_mm2 == pytest.approx(np.pi * 60 * 75, rel=0.03)
    exported = assess_slice(as_brain_window_export(hu), None)
    assert exported.assessed and exported.spacing_estimated


def test_a_small_brain_in_a_small_head_is_a_vertex_cap():
    result = assess_slice(head_slice(brain_axes=(30, 40)), ONE_MM)  # 38 cm² of brain, ~70 cm² of head
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


@pytest.mark.skipif(not REAL_SCAN.is_dir(), reason="the real scan lives in ../shared/realct")
def test_real_scan_levels():
    """The thresholds come from the training phantoms; here the real scan only checks them."""
    levels = {"foramen magnum": 6, "petrous": 24, "ventricles": 60, "high convexity": 84, "vertex": 96}
    slices, spacing = real_scan_slices(tuple(levels.values()))
    answers = {name: assess_slice(slices[i], spacing) for name, i in levels.items()}
    assert [answers[n].reason for n in levels] == [SKULL_BASE, SKULL_BASE, None, None, VERTEX]
    exported = {name: assess_slice(as_brain_window_export(slices[i]), None) for name, i in levels.items()}
    assert [exported[n].reason for n in levels] == [SKULL_BASE, SKULL_BASE, None, None, VERTEX]
