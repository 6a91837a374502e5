"""The numbers the realism check compares between generated and real slices: tissue HU, noise power
spectrum from flat brain, the mean HU profile across the inner table, and the bright patches at the table.

Each takes one HU slice (H, W) with its pixel size in mm and the intracranial mask (core.intracranial).
"""

import cv2
import numpy as np

# Tissue classes by HU inside the skull (bone: anywhere in the head).
CSF_HU, BRAIN_HU, BONE_MIN_HU = (-10.0, 15.0), (15.0, 60.0), 100.0
# Noise ROIs: square, this wide, at least this deep inside the skull, all of it soft tissue;
# the flattest few per slice (least structure after a 2 mm blur) are kept.
NPS_ROI_MM, NPS_ROI_MIN_DEPTH_MM, NPS_ROI_HU = 24.0, 6.0, (-10.0, 70.0)
NPS_ROIS_PER_SLICE = 6
NPS_BIN_CYCLES_PER_MM = 0.04
# The inner-table profile: signed distance bins (mm), negative in bone, positive in brain.
EDGE_BINS_MM = np.arange(-4.0, 12.01, 0.5)
# Inside the skull, pixels over this are bone's partial volume, calcification or blood; on a normal slice their
# largest patch is partial volume at the inner table, which the classifiers took for blood.
PATCH_HU = 50.0


def tissue_values(hu: np.ndarray, intracranial: np.ndarray, head: np.ndarray) -> dict[str, np.ndarray]:
    inside = hu[intracranial]
    return {
        "csf": inside[(inside >= CSF_HU[0]) & (inside < CSF_HU[1])],
        "brain": inside[(inside >= BRAIN_HU[0]) & (inside < BRAIN_HU[1])],
        "intracranial": inside,
        "bone": hu[head & (hu >= BONE_MIN_HU)],
    }


def _detrended(roi: np.ndarray) -> np.ndarray:
    """The ROI minus its least-squares quadratic surface: slow shading is not noise."""
    n = roi.shape[0]
    y, x = np.mgrid[0:n, 0:n] / n
    basis = np.stack([np.ones_like(x), x, y, x * x, y * y, x * y], axis=-1).reshape(-1, 6)
    coefficients, *_ = np.linalg.lstsq(basis, roi.ravel().astype(np.float64), rcond=None)
    return roi - (basis @ coefficients).reshape(n, n)


def flat_rois(hu: np.ndarray, depth_mm: np.ndarray, pixel_mm: float) -> list[np.ndarray]:
    """The flattest brain ROIs of the slice, detrended."""
    n = round(NPS_ROI_MM / pixel_mm)
    smooth = cv2.GaussianBlur(hu, (0, 0), 2.0 / pixel_mm)
    candidates = []
    for top in range(0, hu.shape[0] - n, n // 2):
        for left in range(0, hu.shape[1] - n, n // 2):
            window = (slice(top, top + n), slice(left, left + n))
            roi = hu[window]
            if depth_mm[window].min() < NPS_ROI_MIN_DEPTH_MM or roi.min() < NPS_ROI_HU[0] or roi.max() > NPS_ROI_HU[1]:
                continue
            candidates.append((float(smooth[window].std()), window))
    candidates.sort(key=lambda candidate: candidate[0])
    return [_detrended(hu[window]) for _, window in candidates[:NPS_ROIS_PER_SLICE]]


def radial_nps(rois: list[np.ndarray], pixel_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """(frequency cycles/mm, NPS HU^2 mm^2) averaged over ROIs and annuli, up to the Nyquist frequency."""
    n = rois[0].shape[0]
    power = np.mean([np.abs(np.fft.fft2(roi)) ** 2 for roi in rois], axis=0) * pixel_mm**2 / n**2
    fy, fx = np.meshgrid(np.fft.fftfreq(n, pixel_mm), np.fft.fftfreq(n, pixel_mm), indexing="ij")
    radius = np.hypot(fx, fy).ravel()
    edges = np.arange(0.0, 0.5 / pixel_mm + 1e-9, NPS_BIN_CYCLES_PER_MM)
    which = np.digitize(radius, edges) - 1
    keep = (which >= 0) & (which < len(edges) - 1)
    total = np.bincount(which[keep], power.ravel()[keep], len(edges) - 1)
    count = np.bincount(which[keep], None, len(edges) - 1)
    centres = (edges[:-1] + edges[1:]) / 2
    filled = count > 0
    return centres[filled], total[filled] / count[filled]


def signed_table_distance_mm(intracranial: np.ndarray, head: np.ndarray, pixel_mm: float) -> np.ndarray:
    """mm from the inner table: positive inside the skull, negative outside it (within the head), NaN elsewhere."""
    inside = cv2.distanceTransform(np.pad(intracranial.astype(np.uint8), 1), cv2.DIST_L2, 5)[1:-1, 1:-1]
    outside = cv2.distanceTransform((~intracranial).astype(np.uint8), cv2.DIST_L2, 5)
    # Half a pixel each side: the edge lies between the last bone pixel and the first brain pixel.
    signed = np.where(intracranial, inside - 0.5, -(outside - 0.5)) * pixel_mm
    return np.where(intracranial | head, signed, np.nan).astype(np.float32)


def edge_profile(hu: np.ndarray, signed_mm: np.ndarray) -> np.ndarray:
    """Mean HU in each EDGE_BINS_MM interval (NaN where empty)."""
    valid = np.isfinite(signed_mm)
    which = np.digitize(signed_mm[valid], EDGE_BINS_MM) - 1
    keep = (which >= 0) & (which < len(EDGE_BINS_MM) - 1)
    total = np.bincount(which[keep], hu[valid][keep], len(EDGE_BINS_MM) - 1)
    count = np.bincount(which[keep], None, len(EDGE_BINS_MM) - 1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def largest_bright_patch(hu: np.ndarray, intracranial: np.ndarray, depth_mm: np.ndarray, pixel_mm: float) -> tuple:
    """(area mm², how deep its deepest pixel lies inside the inner table, mm) of the largest 8-connected patch over
    PATCH_HU inside the skull; (0, 0) when there is none."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((intracranial & (hu > PATCH_HU)).astype(np.uint8), 8)
    if count == 1:
        return 0.0, 0.0
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return float(stats[largest, cv2.CC_STAT_AREA] * pixel_mm**2), float(depth_mm[labels == largest].max())
