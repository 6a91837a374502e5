import cv2
import numpy as np
import pytest

from tests.training.scanner_heads import BLOCK_CENTRES, BRAIN_HU, CENTRE, PIXEL_MM, SPACING, flat_head, inner_rim
from training.scanner import simulate_scanner
from training.scanner.beam_hardening import add_bone_streaks, add_cupping, dense_bone_centres
from training.scanner.geometry import slice_geometry
from training.scanner.inner_table import (
    DENSE_BAND_HU,
    OBLIQUE_SMEAR_MM,
    add_dense_band,
    add_oblique_partial_volume,
    add_partial_volume,
)
from training.scanner.kernel import Kernel, correlated_noise, nps
from training.scanner.occasional import METAL_HU, add_head_holder, add_metal, add_motion

SEEDS = range(12)


def _centre_roi(image: np.ndarray, half: int = 20) -> np.ndarray:
    return image[CENTRE[1] - half : CENTRE[1] + half, CENTRE[0] - half : CENTRE[0] + half]


def test_same_shape_dtype_and_reproducible():
    hu = flat_head()
    a = simulate_scanner(hu, np.random.default_rng(3), SPACING)
    b = simulate_scanner(hu, np.random.default_rng(3), SPACING)
    assert a.shape == hu.shape and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, simulate_scanner(hu, np.random.default_rng(4), SPACING))


def test_brain_noise_sigma_is_three_to_eight_hu():
    hu = flat_head()
    sigmas = [_centre_roi(simulate_scanner(hu, np.random.default_rng(s), SPACING)).std() for s in SEEDS]
    # The centre may carry up to 30% more noise than the head's average (fewer photons there).
    assert 3.0 * 0.85 <= min(sigmas) and max(sigmas) <= 8.0 * 1.35
    assert np.mean(sigmas) == pytest.approx(5.0, abs=1.5)


def _radial_nps_peak(noise: np.ndarray, pixel_mm: float) -> float:
    power = np.abs(np.fft.fft2(noise)) ** 2
    fy, fx = np.meshgrid(
        np.fft.fftfreq(noise.shape[0], pixel_mm), np.fft.fftfreq(noise.shape[1], pixel_mm), indexing="ij"
    )
    radius = np.hypot(fx, fy)
    bins = np.linspace(0, radius.max(), 40)
    which = np.digitize(radius.ravel(), bins)
    profile = np.bincount(which, power.ravel(), len(bins) + 1) / np.maximum(np.bincount(which, None, len(bins) + 1), 1)
    return float(bins[int(np.argmax(profile[1:]))])


def test_noise_spectrum_follows_the_kernel():
    rng = np.random.default_rng(0)
    soft, sharp = Kernel("soft", 0.5, 0.0, 5.0), Kernel("sharp", 0.25, 0.1, 5.0)
    peaks = {k.name: _radial_nps_peak(correlated_noise((256, 256), k, 0.5, rng), 0.5) for k in (soft, sharp)}
    # NPS ~ f exp(-4 pi^2 s^2 f^2) peaks at f = 1 / (2 sqrt(2) pi s).
    for kernel in (soft, sharp):
        assert peaks[kernel.name] == pytest.approx(1.0 / (2 * np.sqrt(2) * np.pi * kernel.sigma_mm), rel=0.3)
    assert peaks["sharp"] > 1.5 * peaks["soft"]
    white = np.random.default_rng(1).standard_normal((256, 256))
    assert (
        abs(np.corrcoef(correlated_noise((256, 256), soft, 0.5, rng)[:, :-1].ravel(), white[:, 1:].ravel())[0, 1])
        < 0.05
    )


def test_noise_is_spatially_correlated():
    noise = correlated_noise((256, 256), Kernel("soft", 0.5, 0.0, 5.0), 0.5, np.random.default_rng(2))
    neighbour = np.corrcoef(noise[:, :-1].ravel(), noise[:, 1:].ravel())[0, 1]
    assert noise.std() == pytest.approx(1.0, rel=0.01)
    assert neighbour > 0.2  # white noise would give ~0


def test_dense_band_sits_just_inside_the_inner_table():
    hu = flat_head()
    geometry = slice_geometry(hu, SPACING)
    for seed in SEEDS:
        banded = add_dense_band(hu, geometry, np.random.default_rng(seed))
        rim = banded[inner_rim(1.0)].mean() - BRAIN_HU
        assert DENSE_BAND_HU[0] * 0.5 <= rim <= DENSE_BAND_HU[1]
        assert abs(banded[inner_rim(5.0, start_mm=12.0)].mean() - BRAIN_HU) < 0.05
        assert np.array_equal(banded[~geometry.intracranial], hu[~geometry.intracranial])


def test_partial_volume_brightens_the_brain_next_to_bone_only():
    hu = flat_head()
    geometry = slice_geometry(hu, SPACING)
    smeared = add_partial_volume(hu, geometry, np.random.default_rng(0))
    assert smeared[inner_rim(1.0)].mean() > BRAIN_HU + 20
    np.testing.assert_allclose(smeared[inner_rim(5.0, start_mm=15.0)], BRAIN_HU, atol=0.5)


def _bright_patches(hu: np.ndarray, inside: np.ndarray) -> tuple[int, float]:
    """(largest > 50 HU cluster inside the skull, in pixels; the deepest of its pixels, in mm from the table)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((inside & (hu > 50)).astype(np.uint8), connectivity=8)
    if count == 1:
        return 0, 0.0
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    depth = cv2.distanceTransform(np.pad(inside.astype(np.uint8), 1), cv2.DIST_L2, 5)[1:-1, 1:-1] * PIXEL_MM
    return int(stats[largest, cv2.CC_STAT_AREA]), float(depth[labels == largest].max())


def test_oblique_partial_volume_spills_bone_deep_into_the_brain_in_patches_only():
    hu = flat_head()
    geometry = slice_geometry(hu, SPACING)
    thin = _bright_patches(add_partial_volume(hu, geometry, np.random.default_rng(0)), geometry.intracranial)
    patched = [add_oblique_partial_volume(hu, geometry, np.random.default_rng(seed)) for seed in SEEDS]
    thick = [_bright_patches(p, geometry.intracranial) for p in patched]
    # Thick, deep patches on most slices (a slice may draw none), beyond what the in-plane smear gives.
    assert sum(depth >= 2.5 and depth > thin[1] for _, depth in thick) >= len(SEEDS) // 2
    assert max(depth for _, depth in thick) <= 2.6 * OBLIQUE_SMEAR_MM[1]
    for image in patched:
        assert (image >= hu - 1e-3).all()  # bone only spills in; nothing darkens
        np.testing.assert_array_equal(image[~geometry.intracranial], hu[~geometry.intracranial])
        assert (image[inner_rim(5.0, start_mm=15.0)] == BRAIN_HU).all()  # the deep brain is untouched
        # Patches, not a ring: most of the rim keeps its value.
        assert np.mean(image[inner_rim(1.0)] > BRAIN_HU + 1) < 0.6


def test_cupping_darkens_the_centre():
    hu = flat_head()
    geometry = slice_geometry(hu, SPACING)
    cupped = add_cupping(hu, geometry, np.random.default_rng(5))
    assert _centre_roi(cupped).mean() < cupped[inner_rim(3.0)].mean() < BRAIN_HU + 1e-3


def test_streaks_run_between_dense_bone_pairs_only():
    plain, paired = flat_head(), flat_head(dense_pair=True)
    assert dense_bone_centres(plain, slice_geometry(plain, SPACING)) == []
    np.testing.assert_array_equal(
        add_bone_streaks(plain, slice_geometry(plain, SPACING), np.random.default_rng(0)), plain
    )
    geometry = slice_geometry(paired, SPACING)
    streaked = add_bone_streaks(paired, geometry, np.random.default_rng(0))
    (x0, y0), (x1, _y1) = BLOCK_CENTRES
    between = streaked[y0 - 1 : y0 + 2, (x0 + x1) // 2 - 5 : (x0 + x1) // 2 + 5].mean()
    far = streaked[y0 - 40 : y0 - 30, (x0 + x1) // 2 - 5 : (x0 + x1) // 2 + 5].mean()
    assert between < BRAIN_HU - 5 and far == pytest.approx(BRAIN_HU)


def test_head_holder_is_drawn_only_over_air():
    hu = flat_head()
    geometry = slice_geometry(hu, SPACING)
    held = add_head_holder(hu, geometry, np.random.default_rng(0))
    np.testing.assert_array_equal(held[geometry.head], hu[geometry.head])
    assert (held[~geometry.head] > 0).sum() > 50  # the shell itself
    assert held[: CENTRE[1] - 100].max() == hu.min()  # nothing in front of the face


def test_metal_sits_in_the_scalp_and_streaks_across_the_brain():
    hu = flat_head()
    geometry = slice_geometry(hu, SPACING)
    metal = add_metal(hu, geometry, np.random.default_rng(1))
    dense = metal >= METAL_HU * 0.9
    assert dense.any() and not (dense & geometry.intracranial).any()
    assert np.abs(metal - hu)[geometry.intracranial].max() > 20  # streaks reach the brain


def test_motion_streaks_and_ghost_change_the_head():
    hu = flat_head()
    geometry = slice_geometry(hu, SPACING)
    moved = add_motion(hu, geometry, np.random.default_rng(1))
    changed = np.abs(moved - hu) > 5
    assert changed[geometry.intracranial].mean() > 0.01
    np.testing.assert_array_equal(moved[~geometry.head], np.clip(moved[~geometry.head], None, hu.max()))


def test_inside_of_an_open_skull_ring_is_still_found():
    hu = flat_head()
    hu[:, 120:136][hu[:, 120:136] > 1000] = BRAIN_HU  # a 16 mm gap through the vault, front and back
    inside = slice_geometry(hu, SPACING).intracranial
    expected = inner_rim(100.0)
    assert (inside & expected).sum() / expected.sum() > 0.97
    assert (inside & ~expected).sum() / expected.sum() < 0.03


@pytest.mark.parametrize("shape", [(256, 256), (128, 96), (127, 96)])
def test_noise_matches_the_plain_fft_filter_on_even_and_odd_sizes(shape):
    kernel = Kernel("soft", 0.5, 0.0, 5.0)
    white = np.random.default_rng(4).standard_normal(shape, dtype=np.float32)
    frequency = np.hypot(*np.meshgrid(np.fft.fftfreq(shape[0], 0.5), np.fft.rfftfreq(shape[1], 0.5), indexing="ij"))
    expected = np.fft.irfft2(np.fft.rfft2(white) * np.sqrt(nps(frequency, kernel)), s=shape)
    expected /= expected.std()
    np.testing.assert_allclose(correlated_noise(shape, kernel, 0.5, np.random.default_rng(4)), expected, atol=1e-4)
