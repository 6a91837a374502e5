"""Beam hardening: cupping across the head, and dark streaks between pairs of dense bones.

Rays through two dense bones harden more than the reconstruction's water correction assumes, so
FBP paints a dark band along the line joining them: across the pons between the petrous bones in
the posterior fossa. Slices without such a pair get no streak.
"""

from itertools import combinations

import cv2
import numpy as np

from training.scanner.geometry import SliceGeometry

# Residual cupping after the scanner's correction: the head's centre this many HU darker than its edge.
CUPPING_HU = (0.0, 6.0)
# Bone this dense and at least this thick (the opening's diameter) counts: petrous bone, clivus,
# occipital crest; the thin tables of the vault vanish under the opening.
DENSE_BONE_HU = 800.0
DENSE_BONE_THICKNESS_MM = 3.0
# A dense piece must be at least this large (mm^2) to harden the beam noticeably.
DENSE_BONE_MIN_AREA_MM2 = 12.0
# The vault lies at 0.85-1 of the way from the head's centre to its outline; petrous bone and the
# clivus reach in towards the centre, so on average they lie inside this fraction.
DENSE_BONE_MAX_RADIUS = 0.75
# Pairs whose centres are this far apart (mm) streak; closer ones merge, farther ones cross the whole head.
PAIR_DISTANCE_MM = (12.0, 110.0)
MAX_STREAK_PAIRS = 3
STREAK_HU = (-40.0, -10.0)
STREAK_WIDTH_MM = (1.5, 5.0)


def add_cupping(hu: np.ndarray, geometry: SliceGeometry, rng: np.random.Generator) -> np.ndarray:
    depth = rng.uniform(*CUPPING_HU)
    cup = -depth * np.clip(1.0 - geometry.radius**2, 0.0, 1.0)
    return hu + np.where(geometry.head, cup, 0.0).astype(np.float32)


def dense_bone_centres(hu: np.ndarray, geometry: SliceGeometry) -> list[tuple[float, float]]:
    """(x, y) pixel centres of thick dense bone pieces inside the vault, largest first."""
    inner_dense = (hu >= DENSE_BONE_HU) & (geometry.radius <= DENSE_BONE_MAX_RADIUS)
    min_area = DENSE_BONE_MIN_AREA_MM2 / geometry.pixel_mm**2
    if np.count_nonzero(inner_dense) < min_area:  # most slices above the skull base: nothing to pair
        return []
    diameter = max(3, round(DENSE_BONE_THICKNESS_MM / geometry.pixel_mm))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))
    dense = cv2.morphologyEx((hu >= DENSE_BONE_HU).astype(np.uint8), cv2.MORPH_OPEN, disc)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(dense, connectivity=8)
    mean_radius = np.bincount(labels.ravel(), geometry.radius.ravel(), count) / np.maximum(
        stats[:, cv2.CC_STAT_AREA], 1
    )
    pieces = [
        (stats[i, cv2.CC_STAT_AREA], tuple(centroids[i]))
        for i in range(1, count)
        if stats[i, cv2.CC_STAT_AREA] >= min_area and mean_radius[i] <= DENSE_BONE_MAX_RADIUS
    ]
    return [centre for _, centre in sorted(pieces, key=lambda piece: -piece[0])]


def add_bone_streaks(hu: np.ndarray, geometry: SliceGeometry, rng: np.random.Generator) -> np.ndarray:
    centres = dense_bone_centres(hu, geometry)
    pairs = [
        (a, b)
        for a, b in combinations(centres[:4], 2)
        if PAIR_DISTANCE_MM[0] <= np.hypot(a[0] - b[0], a[1] - b[1]) * geometry.pixel_mm <= PAIR_DISTANCE_MM[1]
    ][:MAX_STREAK_PAIRS]
    if not pairs:
        return hu
    canvas = np.zeros(hu.shape, np.float32)
    for a, b in pairs:
        start, end = (tuple(round(v) for v in point) for point in (a, b))
        cv2.line(canvas, start, end, rng.uniform(*STREAK_HU), 1, cv2.LINE_AA)
    # A one-pixel line blurred by a Gaussian of s pixels peaks at 1 / (sqrt(2 pi) s): rescale to the drawn HU.
    sigma_px = max(rng.uniform(*STREAK_WIDTH_MM) / geometry.pixel_mm / 2.0, 0.7)
    canvas = cv2.GaussianBlur(canvas, (0, 0), sigma_px) * np.sqrt(2.0 * np.pi) * sigma_px
    soft = geometry.head & ~geometry.bone
    return hu + np.where(soft, canvas, 0.0).astype(np.float32)
