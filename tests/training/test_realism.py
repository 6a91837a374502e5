"""The realism check's measures on slices with known answers, and its level scale on the real scan."""

import numpy as np
import pytest

from core.intracranial import head_mask, inner_table_distance_mm, intracranial_mask
from tests.training.scanner_heads import BONE_HU, BRAIN_HU, PIXEL_MM, SPACING, flat_head
from training.realism_measures import (
    EDGE_BINS_MM,
    edge_profile,
    flat_rois,
    largest_bright_patch,
    radial_nps,
    signed_table_distance_mm,
    tissue_values,
)
from training.realism_sources import REAL_SCAN, load_real_volume, real_levels
from training.scanner.geometry import slice_geometry


def test_white_noise_has_a_flat_spectrum_at_its_variance():
    sigma, pixel_mm = 5.0, 0.5
    rng = np.random.default_rng(0)
    rois = [rng.normal(0.0, sigma, (48, 48)) for _ in range(30)]
    frequency, power = radial_nps(rois, pixel_mm)
    assert frequency.max() <= 0.5 / pixel_mm + 1e-9
    # Flat at sigma^2 * pixel area; ROIs of pure noise have no trend to remove.
    np.testing.assert_allclose(power[1:], sigma**2 * pixel_mm**2, rtol=0.25)


def test_flat_rois_are_detrended_and_stay_inside_brain():
    hu = flat_head() + np.linspace(0.0, 20.0, 256, dtype=np.float32)[None, :]  # shading, not noise
    hu += np.random.default_rng(1).normal(0.0, 4.0, hu.shape).astype(np.float32)
    inside = intracranial_mask(hu, SPACING)
    depth = np.where(inside, 50.0, 0.0).astype(np.float32)
    rois = flat_rois(hu, depth, PIXEL_MM)
    assert len(rois) > 0
    assert np.mean([roi.std() for roi in rois]) == pytest.approx(4.0, rel=0.1)


def test_edge_profile_steps_from_bone_to_brain_at_the_inner_table():
    hu = flat_head()
    inside, head = slice_geometry(hu, SPACING).intracranial, head_mask(hu)
    profile = edge_profile(hu, signed_table_distance_mm(inside, head, PIXEL_MM))
    mm = (EDGE_BINS_MM[:-1] + EDGE_BINS_MM[1:]) / 2
    np.testing.assert_allclose(profile[(mm > 0.5) & np.isfinite(profile)], BRAIN_HU)
    np.testing.assert_allclose(profile[(mm < -0.5) & (mm > -4.0)], BONE_HU)


def test_tissue_classes_split_by_hu():
    hu = flat_head()
    hu[120:136, 120:136] = 5.0  # a CSF block
    inside, head = intracranial_mask(hu, SPACING), head_mask(hu)
    values = tissue_values(hu, inside, head)
    assert values["csf"].size == 256 and np.all(values["csf"] == 5.0)
    assert np.all(values["brain"] == BRAIN_HU) and np.all(values["bone"] == BONE_HU)


@pytest.mark.skipif(not REAL_SCAN.is_dir(), reason="the real scan lives in ../shared/realct")
def test_real_scan_levels_run_from_foramen_magnum_to_vertex():
    volume, spacing = load_real_volume()
    levels = real_levels(len(volume))
    assert volume.shape == (108, 512, 512) and spacing == pytest.approx((0.4785, 0.4785), abs=1e-3)
    assert np.all(np.diff(levels) > 0)
    widest = int(np.argmax([intracranial_mask(volume[i], spacing).sum() for i in range(0, 108, 4)])) * 4
    assert 0.45 <= levels[widest] <= 0.7  # the head is widest above the ventricles' floor, as in the atlas


def test_the_largest_bright_patch_inside_the_skull_is_measured_in_mm2_and_mm_deep():
    inside = np.zeros((64, 64), bool)
    inside[8:56, 8:56] = True
    hu = np.full((64, 64), 30.0, np.float32)
    hu[8:12, 20:30] = 70.0  # a patch 4 px deep along the top edge, 40 px
    hu[40, 40] = 90.0  # one lone bright pixel
    hu[0:4, 0:30] = 900.0  # bone, outside the skull's inside: never counted
    depth = inner_table_distance_mm(inside, (0.5, 0.5))
    area, deepest = largest_bright_patch(hu, inside, depth, 0.5)
    assert area == 40 * 0.25 and deepest == float(depth[11, 25]) and 1.5 <= deepest <= 2.0
    assert largest_bright_patch(np.full((64, 64), 30.0, np.float32), inside, depth, 0.5) == (0.0, 0.0)
