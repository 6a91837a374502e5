"""The skull's inner edge as a scanner renders it: partial volume, thick where the bone meets the slice at a slant,
and the faint dense band inside it.

Both sit exactly where a thin subdural bleed would, so a model must learn that they are not blood.
"""

import cv2
import numpy as np

from training.scanner.geometry import SliceGeometry

# A slice's thickness smears an inner table that meets it at a slant over the brain next to it.
# Heads rendered as averaged slabs (training.atlas) carry most of that already; this adds the
# in-plane part, a fraction of a millimetre to a millimetre (standard deviation of the smear).
PARTIAL_VOLUME_MM = (0.2, 1.0)
# The smear reaches this many standard deviations from bone; beyond it a bone tail is under 1 HU.
PARTIAL_VOLUME_REACH = 4.0
# Where the inner table meets the slice at a slant (orbital roofs, sphenoid wings, the frontal sinus's back wall, the
# vertex), the slab holds a sliver of bone over several millimetres of the brain beside it: bone spills into the
# brain as a ramp that stays above 50 HU up to ~2 sigma in. Real scans show such patches at a few places per slice;
# the smooth average skull of the atlas and its slab sampling do not make them.
OBLIQUE_PATCHES = (0, 4)  # per slice, drawn uniformly
OBLIQUE_SMEAR_MM = (1.0, 3.0)  # sigma of the spill in a patch: slab thickness times the cotangent of the slant
OBLIQUE_PATCH_MM = (8.0, 30.0)  # extent of a patch along the table
# The dense band just inside the inner table (beam hardening and scatter next to bone, the outer
# cortex): a few HU brighter than brain over 1-3 mm. Readers see it on every normal scan.
DENSE_BAND_HU = (3.0, 10.0)
DENSE_BAND_MM = (1.0, 3.0)


def add_dense_band(hu: np.ndarray, geometry: SliceGeometry, rng: np.random.Generator) -> np.ndarray:
    """Brighten the intracranial rim: amplitude * exp(-(d / width)^2) at distance d from the bone."""
    if not geometry.intracranial.any():
        return hu
    amplitude, width = rng.uniform(*DENSE_BAND_HU), rng.uniform(*DENSE_BAND_MM)
    # Measured from the bone's edge, half a pixel before the first brain pixel's centre.
    from_edge = geometry.mm_to_bone - 0.5 * geometry.pixel_mm
    band = amplitude * np.exp(-((from_edge / width) ** 2))
    return hu + np.where(geometry.intracranial, band, 0.0).astype(np.float32)


def add_partial_volume(hu: np.ndarray, geometry: SliceGeometry, rng: np.random.Generator) -> np.ndarray:
    """Blend toward a blurred copy near bone, fading out with distance, so bone bleeds into brain."""
    sigma_mm = rng.uniform(*PARTIAL_VOLUME_MM)
    blurred = cv2.GaussianBlur(hu, (0, 0), sigma_mm / geometry.pixel_mm)
    reach = PARTIAL_VOLUME_REACH * sigma_mm
    weight = np.clip(1.0 - geometry.mm_to_bone / reach, 0.0, 1.0)
    return (hu + weight * (blurred - hu)).astype(np.float32)


def add_oblique_partial_volume(hu: np.ndarray, geometry: SliceGeometry, rng: np.random.Generator) -> np.ndarray:
    """Bone spilled into the brain in a few patches along the inner table: each pixel within reach of bone gains
    what a wide blur would move into it from the bone (never loses), weighted by a smooth bump around the patch."""
    patches = int(rng.integers(OBLIQUE_PATCHES[0], OBLIQUE_PATCHES[1] + 1))
    edge = geometry.intracranial & (geometry.mm_to_bone <= 1.5 * geometry.pixel_mm)
    if patches == 0 or not edge.any():
        return hu
    rows, cols = np.nonzero(edge)
    picks = rng.integers(len(rows), size=patches)
    ys, xs = np.ogrid[: hu.shape[0], : hu.shape[1]]
    weight = np.zeros(hu.shape, np.float32)
    for row, col in zip(rows[picks], cols[picks]):
        radius_px = rng.uniform(*OBLIQUE_PATCH_MM) / 2.0 / geometry.pixel_mm
        bump = np.exp(-((ys - row) ** 2 + (xs - col) ** 2) / radius_px**2).astype(np.float32)
        weight = np.maximum(weight, bump)
    sigma_mm = rng.uniform(*OBLIQUE_SMEAR_MM)
    spill = np.maximum(cv2.GaussianBlur(hu, (0, 0), sigma_mm / geometry.pixel_mm) - hu, 0.0)
    near = geometry.intracranial & (geometry.mm_to_bone <= PARTIAL_VOLUME_REACH * sigma_mm)
    return (hu + np.where(near, weight * spill, 0.0)).astype(np.float32)
