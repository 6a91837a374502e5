"""Atlas phantoms: slices and whole heads, poses, thickness, bleeds and their mimics."""

import dataclasses

import numpy as np
import pytest

from training.atlas import HeadVolume, generate_slice, generate_volume
from training.atlas.bleeds import SUBDURAL, Bleed
from training.atlas.mimics import Calcification, sample_sinuses
from training.atlas.pose import FOV_MM, ROLL_DEG, TILT_DEG, YAW_DEG, sample_head
from training.atlas.tissues import mni_to_index
from training.atlas.volume import Case, render_slice
from training.outputs import OUTPUT_NAMES


def _case(rng, bleeds=(), calcifications=()) -> Case:
    return Case(sample_head(rng), list(bleeds), list(calcifications), sample_sinuses(rng))


def _table_height(case: Case, mni) -> float:
    return float(case.head.to_scanner(mni_to_index(*mni)[None])[0, 0])


def test_slice_record_is_consistent():
    record = generate_slice(11)
    assert record.hu.dtype == np.float32 and record.hu.shape == (256, 256)
    assert record.mask.shape == record.hu.shape and record.mask.dtype == bool
    assert set(record.labels) == set(OUTPUT_NAMES)
    assert record.labels["any"] == bool(record.mask.any()) == any(record.subtypes)
    assert 0.6 <= record.spacing_mm[2] <= 5.0
    assert -1025.0 <= record.hu.min() and record.hu.max() > 300.0  # air and bone in every head slice


def test_same_seed_same_slice():
    first, second = generate_slice(5, matrix=128), generate_slice(5, matrix=128)
    np.testing.assert_array_equal(first.hu, second.hu)
    assert first.hu.shape == (128, 128)


@pytest.mark.parametrize("positive", [True, False])
def test_positive_flag_is_obeyed(positive):
    for seed in range(3):
        record = generate_slice(seed, positive=positive)
        assert record.positive == positive
        assert record.mask.any() == positive


def test_poses_stay_in_the_realistic_range():
    angles = np.array([sample_head(np.random.default_rng(s)).angles_deg for s in range(300)])
    limits = np.array([TILT_DEG, ROLL_DEG, YAW_DEG])
    assert np.all(np.abs(angles) <= limits)
    assert np.all(np.abs(angles).max(axis=0) > 0.8 * limits)  # the extremes are reached


def test_fields_of_view_span_the_range_and_zoom_the_head():
    fovs = np.array([sample_head(np.random.default_rng(s)).fov_mm for s in range(300)])
    assert FOV_MM[0] <= fovs.min() < FOV_MM[0] + 5 and FOV_MM[1] - 5 < fovs.max() <= FOV_MM[1]
    case = _case(np.random.default_rng(9))
    z = _table_height(case, (0, 0, 20))
    brain_share = []
    for fov in FOV_MM:
        zoomed = dataclasses.replace(case, head=dataclasses.replace(case.head, fov_mm=fov))
        brain_share.append(render_slice(zoomed, 128, z, 2.0, np.random.default_rng(0), physics=False)[3].mean())
    # The same head fills (FOV ratio)^2 more of a smaller field of view.
    assert brain_share[0] / brain_share[1] == pytest.approx((FOV_MM[1] / FOV_MM[0]) ** 2, rel=0.1)


def test_brain_densities_without_scanner_physics():
    rng = np.random.default_rng(3)
    case = _case(rng)
    hu, mask, labels, brain = render_slice(case, 256, _table_height(case, (0, 0, 30)), 2.0, rng, physics=False)
    assert brain.mean() > 0.2 and not mask.any() and labels.sum() == 0
    assert 22.0 < np.median(hu[brain]) < 40.0  # grey and white matter dominate the supratentorial brain


def test_thick_slices_average_partial_volume():
    rng = np.random.default_rng(4)
    case = _case(rng)
    z = _table_height(case, (0, 0, 20))
    thin = render_slice(case, 256, z, 0.6, rng, physics=False)[0]
    thick = render_slice(case, 256, z, 5.0, rng, physics=False)[0]
    # Averaging across 5 mm smooths the in-plane detail that 0.6 mm keeps.
    roughness = [np.abs(np.diff(np.clip(h, -100, 200), axis=1)).mean() for h in (thin, thick)]
    assert roughness[1] < 0.9 * roughness[0]


def test_a_two_millimetre_subdural_is_found_and_thin():
    rng = np.random.default_rng(5)
    case = _case(rng)
    center = mni_to_index(-60, -10, 30)
    thickness = 2.0
    bleed = Bleed(SUBDURAL, center, radius=50.0, thickness=thickness, density=70.0, push_mm=1.0)
    # Aim at the point on the inner table under the bleed's centre.
    case = Case(case.head, [bleed], [], case.sinuses)
    hu, mask, labels, _ = render_slice(case, 256, _table_height(case, (-60, -10, 30)), 2.5, rng, physics=False)
    assert labels[0] == 1.0 and labels[OUTPUT_NAMES.index("subdural")] == 1.0 and labels.sum() == 2.0
    pixel_mm = case.head.fov_mm / 256
    widest_row_mm = mask.sum(axis=1).max() * pixel_mm
    assert widest_row_mm < 4 * thickness  # a crescent, not a slab
    assert np.median(hu[mask]) > 55.0


def test_calcification_is_bright_but_not_a_bleed():
    rng = np.random.default_rng(6)
    pineal = Calcification("pineal", mni_to_index(0, -32, 4), np.array([3.0, 3.0, 3.0], np.float32), 300.0)
    case = _case(rng, calcifications=[pineal])
    hu, mask, labels, brain = render_slice(case, 256, _table_height(case, (0, -32, 4)), 2.0, rng, physics=False)
    assert (hu[brain] > 150).sum() > 5
    assert not mask.any() and labels.sum() == 0


def test_a_whole_head_from_skull_base_to_vertex():
    volume = generate_volume(8, matrix=128, slice_mm=5.0, positive=True)
    assert isinstance(volume, HeadVolume)
    slices = len(volume.hu)
    assert 30 <= slices <= 50  # about 200 mm of head at 5 mm
    assert volume.hu.shape == volume.mask.shape == volume.brain.shape == (slices, 128, 128)
    assert volume.labels.shape == (slices, 6)
    np.testing.assert_array_equal(volume.labels[:, 0] > 0, volume.mask.any(axis=(1, 2)))
    brain_area = volume.brain.mean(axis=(1, 2))
    widest = int(np.argmax(brain_area))
    assert 0.2 * slices < widest < 0.8 * slices
    assert brain_area[-1] < 0.2 * brain_area[widest]  # the vertex: skull cut tangentially, little brain
    assert (volume.hu[-2] > 300).any()
    assert volume.labels[:, 0].any()


def test_a_requested_level_is_kept():
    low = generate_slice(21, matrix=128, positive=False, level=0.3)
    high = generate_slice(21, matrix=128, positive=False, level=0.95)
    assert low.extra["level"] == pytest.approx(0.3, abs=1e-3)
    assert high.extra["level"] == pytest.approx(0.95, abs=1e-3)
    # Near the vertex the slice is mostly skull and scalp: far less soft tissue than at 0.3.
    soft = [((r.hu > 0) & (r.hu < 100)).mean() for r in (low, high)]
    assert soft[1] < 0.6 * soft[0]
