"""Slice levels along the stack and where each mask component lies (bench.realct.anatomy)."""

import numpy as np

from bench.realct.anatomy import (
    BONE,
    BRAIN,
    EXTRACRANIAL,
    INNER_TABLE,
    OUTSIDE,
    SliceAnatomy,
    locate_components,
    slice_levels,
)


def test_levels_run_from_below_the_foramen_magnum_to_the_vertex():
    # Intracranial area (mm²) of a scan like the InVesalius one: a leak into the mouth at the bottom, the foramen
    # magnum, the posterior fossa widening, the widest slice, then the convexity narrowing to nothing.
    area = np.array([4600, 4500, 900, 1500, 3000, 6000, 11000, 13000, 15000, 17000, 16800, 16000, 14000, 9000, 5000, 0])
    levels = slice_levels(area)
    assert levels[:2] == ["below_foramen_magnum"] * 2
    assert levels[2:7] == ["posterior_fossa_skull_base"] * 5
    assert levels[7:11] == ["ventricles"] * 4
    assert levels[11:14] == ["centrum_semiovale"] * 3
    assert levels[14:] == ["vertex"] * 2


def test_a_scan_without_any_intracranial_space_is_all_vertex():
    assert slice_levels(np.zeros(4)) == ["vertex"] * 4


def test_each_component_goes_where_most_of_it_lies():
    code = np.full((40, 40), OUTSIDE, np.uint8)
    code[5:35, 5:35] = EXTRACRANIAL
    code[8:32, 8:32] = BONE
    code[10:30, 10:30] = INNER_TABLE
    code[14:26, 14:26] = BRAIN
    mask = np.zeros((40, 40), bool)
    mask[16:20, 16:20] = True  # brain, 16 px
    mask[10:12, 24:30] = True  # inner-table band, 12 px
    mask[0:2, 0:3] = True  # outside the head, 6 px
    mask[33:35, 20:23] = True  # two rows of scalp (extracranial), 6 px
    found = sorted((c["location"], c["area_mm2"]) for c in locate_components(mask, SliceAnatomy(code, 0.0), 0.25))
    assert found == [("brain", 4.0), ("extracranial", 1.5), ("inner_table", 3.0), ("outside_head", 1.5)]


def test_an_empty_mask_has_no_components():
    anatomy = SliceAnatomy(np.zeros((8, 8), np.uint8), 0.0)
    assert locate_components(np.zeros((8, 8), bool), anatomy, 1.0) == []
