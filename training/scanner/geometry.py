"""Where the scanner effects act on one HU slice: bone, the head, and which side of the skull is inside.

Cheaper than core.intracranial (which closes gaps and keeps the largest hole): this runs inside data
generation within a millisecond or two, and needs no closed skull ring. A soft-tissue pixel is
inside the skull when it lies deeper in the head than the bone nearest to it.
"""

from dataclasses import dataclass

import cv2
import numpy as np

# Above every brain, blood and calcification-free soft tissue; below even thin cortical bone.
BONE_HU = 300.0
# Skin, fat and brain are above this; air and foam pads below.
HEAD_HU = -300.0


@dataclass
class SliceGeometry:
    bone: np.ndarray  # bool (H, W)
    head: np.ndarray  # bool (H, W), holes filled
    intracranial: np.ndarray  # bool (H, W): soft tissue on the inner side of its nearest bone
    mm_to_bone: np.ndarray  # float32 (H, W): distance in mm to the nearest bone pixel
    head_depth_mm: np.ndarray  # float32 (H, W): distance in mm to the head's outline (0 outside)
    centre: tuple[float, float]  # head centroid (x, y) in pixels
    radius_px: tuple[float, float]  # head semi-axes (x, y) in pixels, from its second moments
    radius: np.ndarray  # float32 (H, W): elliptical distance from the centre, 1 at the head's edge
    pixel_mm: float


def _outside(blocked: np.ndarray) -> np.ndarray:
    """bool: pixels reachable from the image border without crossing `blocked`."""
    padded = np.pad(blocked.astype(np.uint8), 1)
    flood = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    cv2.floodFill(padded, flood, (0, 0), 2)
    return (padded == 2)[1:-1, 1:-1]


def slice_geometry(hu: np.ndarray, spacing_mm: tuple[float, float]) -> SliceGeometry:
    pixel_mm = float(np.mean(spacing_mm))
    bone = hu >= BONE_HU
    head = ~_outside(hu >= HEAD_HU)
    head_depth = cv2.distanceTransform(head.astype(np.uint8), cv2.DIST_L2, 3) * pixel_mm
    intracranial = np.zeros(hu.shape, bool)
    mm_to_bone = np.full(hu.shape, np.inf, np.float32)
    if bone.any():
        distance, nearest = cv2.distanceTransformWithLabels(
            (~bone).astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
        )
        mm_to_bone = distance * pixel_mm
        # Labels number the bone pixels in raster order, the order boolean indexing returns them.
        bone_depth = np.concatenate([[0.0], head_depth[bone]]).astype(np.float32)
        intracranial = head & ~bone & (hu > HEAD_HU) & (head_depth > bone_depth[nearest])
    moments = cv2.moments(head.astype(np.uint8), binaryImage=True)
    area = max(moments["m00"], 1.0)
    centre = (moments["m10"] / area, moments["m01"] / area)
    # A uniform ellipse with semi-axis a has second central moment a^2 / 4 along it.
    radius = (2.0 * np.sqrt(max(moments["mu20"] / area, 1.0)), 2.0 * np.sqrt(max(moments["mu02"] / area, 1.0)))
    return SliceGeometry(
        bone,
        head,
        intracranial,
        mm_to_bone.astype(np.float32),
        head_depth.astype(np.float32),
        centre,
        radius,
        _normalised_radius(hu.shape, centre, radius),
        pixel_mm,
    )


def _normalised_radius(
    shape: tuple[int, int], centre: tuple[float, float], semi_axes: tuple[float, float]
) -> np.ndarray:
    ys, xs = np.ogrid[0 : shape[0], 0 : shape[1]]
    x = ((xs - centre[0]) / semi_axes[0]).astype(np.float32)
    y = ((ys - centre[1]) / semi_axes[1]).astype(np.float32)
    return np.sqrt(x**2 + y**2)
