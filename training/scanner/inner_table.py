"""The skull's inner edge as a scanner renders it: partial volume, and the faint dense band inside it.

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
