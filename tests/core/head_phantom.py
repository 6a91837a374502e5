"""Synthetic axial head slices in HU, and a few slices of the real normal scan in ../shared."""

from pathlib import Path

import cv2
import numpy as np

REAL_SCAN = Path(__file__).resolve().parents[2] / ".." / "shared" / "realct" / "invesalius_0051"
SCALP_HU, BONE_HU, BRAIN_HU, AIR_HU = 40, 900, 32, -1000


def _ellipse(shape, center, axes) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.ellipse(mask, center, axes, 0, 0, 360, 1, -1)
    return mask.astype(bool)


def head_slice(size: int = 256, brain_axes=(80, 100), bone_mm: int = 6, gap_px: int = 0) -> np.ndarray:
    """Scalp, a skull ring `bone_mm` pixels thick (optionally with a gap at the front) and brain, in HU."""
    hu = np.full((size, size), AIR_HU, np.float32)
    center = (size // 2, size // 2)
    rx, ry = brain_axes
    hu[_ellipse(hu.shape, center, (rx + bone_mm + 4, ry + bone_mm + 4))] = SCALP_HU
    hu[_ellipse(hu.shape, center, (rx + bone_mm, ry + bone_mm))] = BONE_HU
    hu[_ellipse(hu.shape, center, (rx, ry))] = BRAIN_HU
    if gap_px:
        top = center[1] - ry - bone_mm
        hu[top : top + bone_mm, center[0] - gap_px // 2 : center[0] + gap_px // 2 + 1] = SCALP_HU
    return hu


def brain_region(size: int = 256, brain_axes=(80, 100)) -> np.ndarray:
    return _ellipse((size, size), (size // 2, size // 2), brain_axes)


def real_scan_slices(indices: tuple[int, ...]) -> tuple[dict[int, np.ndarray], tuple[float, float]]:
    """HU of the real scan's slices by index from the skull base up (sorted by z), and the pixel spacing."""
    import pydicom

    headers = [(path, pydicom.dcmread(path, stop_before_pixels=True)) for path in REAL_SCAN.glob("*.dcm")]
    headers.sort(key=lambda item: float(item[1].ImagePositionPatient[2]))
    spacing = tuple(float(v) for v in headers[0][1].PixelSpacing)
    slices = {}
    for index in indices:
        ds = pydicom.dcmread(headers[index][0])
        slices[index] = ds.pixel_array.astype(np.float32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    return slices, spacing
