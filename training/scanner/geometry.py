"""Where the scanner effects act on one HU slice: bone, the head, and which side of the skull is inside.

The inside of the skull is core.intracranial's, the one the service and the labels use, so the
inner-table band and scalp metal land where a real scanner would put them.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from core.intracranial import fill_holes, intracranial_mask

# Above every brain, blood and calcification-free soft tissue; below even thin cortical bone.
BONE_HU = 300.0
# Skin, fat and brain are above this; air and foam pads below.
HEAD_HU = -300.0


@dataclass
class SliceGeometry:
    bone: np.ndarray  # bool (H, W)
    head: np.ndarray  # bool (H, W), holes filled
    intracranial: np.ndarray  # bool (H, W): core.intracranial.intracranial_mask
    mm_to_bone: np.ndarray  # float32 (H, W): distance in mm to the nearest bone pixel
    centre: tuple[float, float]  # head centroid (x, y) in pixels
    radius_px: tuple[float, float]  # head semi-axes (x, y) in pixels, from its second moments
    radius: np.ndarray  # float32 (H, W): elliptical distance from the centre, 1 at the head's edge
    pixel_mm: float


def slice_geometry(hu: np.ndarray, spacing_mm: tuple[float, float]) -> SliceGeometry:
    pixel_mm = float(np.mean(spacing_mm))
    bone = hu >= BONE_HU
    head = fill_holes(hu >= HEAD_HU)
    intracranial = intracranial_mask(hu, spacing_mm)
    mm_to_bone = np.full(hu.shape, np.inf, np.float32)
    if bone.any():
        mm_to_bone = cv2.distanceTransform((~bone).astype(np.uint8), cv2.DIST_L2, 3) * pixel_mm
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
