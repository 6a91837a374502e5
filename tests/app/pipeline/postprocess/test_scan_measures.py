"""Scan measures: each slice's bleed volume in mL, and the scan's answer by the card's rule."""

import numpy as np
import pytest

from app.pipeline.postprocess.scan_measures import measure_scan, slice_volumes_ml
from core.scan_decision import ScanRule


def masks_with(pixels: list[int]) -> np.ndarray:
    masks = np.zeros((len(pixels), 20, 20), bool)
    for index, count in enumerate(pixels):
        masks[index].flat[:count] = True
    return masks


def test_slice_volume_is_area_times_slab():
    volumes = slice_volumes_ml(masks_with([100, 0, 40]), (0.5, 0.5), np.array([5.0, 5.0, 2.5]))
    np.testing.assert_allclose(volumes, [100 * 0.25 * 5 / 1000, 0.0, 40 * 0.25 * 2.5 / 1000])


@pytest.mark.parametrize(("spacing", "slab"), [(None, np.array([5.0])), ((0.5, 0.5), None)])
def test_no_volume_without_pixel_or_slice_spacing(spacing, slab):
    assert slice_volumes_ml(masks_with([100]), spacing, slab) is None


def test_the_scan_answer_follows_the_rule_over_assessed_slices():
    masks = masks_with([0, 400, 400, 0])
    probabilities = np.array([0.1, 0.9, 0.8, 0.95])
    assessed = np.array([True, True, True, False])
    slab = np.full(4, 5.0)
    measures = measure_scan(masks, probabilities, assessed, (0.5, 0.5), slab, 0.5, ScanRule(min_run=2))
    assert measures.decision.positive and measures.decision.flagged_slices == [1, 2]
    assert measures.decision.most_suspicious_slice == 1  # slice 3 is more probable but not assessed
    assert measures.volume_ml == pytest.approx(2 * 400 * 0.25 * 5 / 1000)
    strict = measure_scan(masks, probabilities, assessed, (0.5, 0.5), slab, 0.5, ScanRule(min_run=3))
    assert not strict.decision.positive
