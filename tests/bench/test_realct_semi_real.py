"""Semi-real bleeds (bench.realct.semi_real) placed by the slice's own anatomy, and their figures
(bench.realct.semi_real_eval). A phantom stands in for the real slice here, so these tests need no ../shared."""

import cv2
import numpy as np
import pytest

from bench.realct.semi_real import BLOOD_HU, SUBDURAL_MM, make_bleed, make_positives, slice_maps
from bench.realct.semi_real_eval import semi_real_figures, specificity_at
from training.phantoms.generator import generate_phantom
from training.phantoms.lesions import MIN_AREA_MM2, SUBTYPES


@pytest.fixture(scope="module")
def normal_slice():
    phantom = generate_phantom(0, matrix=256, positive=False)  # a level with ventricles
    spacing = (phantom.spacing_mm, phantom.spacing_mm)
    return phantom.hu, spacing, slice_maps(phantom.hu, spacing)


@pytest.mark.parametrize("subtype", SUBTYPES)
def test_every_type_lands_inside_the_skull_with_blood_density(normal_slice, subtype):
    hu, spacing, maps = normal_slice
    bleed = make_bleed(hu, spacing, maps, subtype, 0.5, np.random.default_rng(1), 0)
    assert bleed.mask.sum() * np.prod(spacing) >= MIN_AREA_MM2
    assert not (bleed.mask & ~maps.inside).any()
    assert BLOOD_HU[0] - 10 <= float(np.median(bleed.hu[bleed.mask])) <= BLOOD_HU[1] + 10
    # Only the bleed, its soft edge and (for a haematoma) its oedema rim change the slice.
    changed_far_away = (np.abs(bleed.hu - hu) > 1e-3) & ~_near(bleed.mask, 12)
    assert not changed_far_away.any()


def _near(mask: np.ndarray, pixels: int) -> np.ndarray:
    return cv2.dilate(mask.astype(np.uint8), np.ones((2 * pixels + 1,) * 2, np.uint8)).astype(bool)


def test_each_type_is_placed_by_anatomy(normal_slice):
    hu, spacing, maps = normal_slice
    rng = np.random.default_rng(2)
    place = {t: make_bleed(hu, spacing, maps, t, 0.5, rng, 0).mask for t in SUBTYPES}
    assert np.median(maps.depth_mm[place["epidural"]]) < 10  # against the inner table
    assert np.median(maps.depth_mm[place["subdural"]]) < 6
    assert np.median(maps.depth_mm[place["intraparenchymal"]]) > 10  # in brain
    assert (place["intraventricular"] & maps.ventricles).sum() / place["intraventricular"].sum() > 0.9
    assert (place["subarachnoid"] & maps.ventricles).sum() == 0


def test_the_smallest_subdural_is_a_2_mm_crescent(normal_slice):
    hu, spacing, maps = normal_slice
    bleed = make_bleed(hu, spacing, maps, "subdural", 0.0, np.random.default_rng(3), 0)
    assert maps.depth_mm[bleed.mask].max() <= SUBDURAL_MM[0] + spacing[0]


def test_positives_cycle_through_the_types_and_repeat_for_a_seed(normal_slice):
    hu, spacing, _ = normal_slice
    stack = np.stack([hu, hu])
    first = make_positives(stack, spacing, [0, 1], 10, seed=5)
    again = make_positives(stack, spacing, [0, 1], 10, seed=5)
    assert [p.subtype for p in first] == list(SUBTYPES) * 2
    assert [p.size for p in first[:5]] == [0.0] * 5 and [p.size for p in first[5:]] == [1.0] * 5
    assert all(np.array_equal(a.mask, b.mask) for a, b in zip(first, again))


def test_figures_count_flags_and_rank_probabilities():
    positives = [
        {"subtype": "subdural", "probability": 0.9, "flagged": True, "dice": 0.8, "segmenter_dice": 0.8},
        {"subtype": "epidural", "probability": 0.3, "flagged": False, "dice": 0.0, "segmenter_dice": 0.6},
    ]
    negatives = [{"probability": 0.2, "flagged": False}, {"probability": 0.5, "flagged": True}]
    scan = [{"probability": p, "assessed": True} for p in (0.1, 0.2, 0.5, 0.95)] + [
        {"probability": None, "assessed": False}  # not assessed: no negative at all
    ]
    figures = semi_real_figures(positives, negatives, scan, 0.45)
    assert figures["auc"] == 0.75  # 0.9 beats both negatives, 0.3 beats one
    assert figures["sensitivity"] == 0.5 and figures["specificity"] == 0.5
    assert figures["dice"] == pytest.approx(0.4) and figures["segmenter_dice"] == pytest.approx(0.7)
    assert figures["by_type"]["subdural"]["auc"] == 1.0 and figures["by_type"]["subarachnoid"]["auc"] is None
    # Against the whole scan: 0.9 beats three of four, 0.3 two; 90 % of two positives needs both, so the cut is 0.3.
    assert figures["against_whole_scan"] == {"negatives": 4, "auc": 0.625, "specificity_at_90_sensitivity": 0.5}


def test_specificity_at_a_sensitivity_takes_the_highest_threshold_that_reaches_it():
    positives = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    negatives = [0.0, 0.1, 0.35, 0.6, 0.99]
    assert specificity_at(positives, negatives, 0.9) == 0.2  # the cut 0.1 flags 9 of 10, and the negative at 0.1
    assert specificity_at(positives, negatives, 0.5) == 0.6  # the cut 0.5
    assert specificity_at(positives, negatives, 1.0) == 0.2  # the cut 0.05
    assert specificity_at([], negatives, 0.9) is None
