"""Where the scanner effects act on one HU slice: bone, the head, the space inside the skull.

Cheaper than core.intracranial (which also handles 8-bit exports and open skull bases): this runs on
the clean HU of a generated slice, inside data generation, within a few milliseconds.
"""

from dataclasses import dataclass

import cv2
import numpy as np

# Above every brain, blood and calcification-free soft tissue; below even thin cortical bone.
BONE_HU = 300.0
# Skin, fat and brain are above this; air and foam pads below.
HEAD_HU = -300.0
# Gaps in the bone ring up to about this many pixels are bridged before filling the inside.
GAP_CLOSE_PX = 3


@dataclass
class SliceGeometry:
    bone: np.ndarray  # bool (H, W)
    head: np.ndarray  # bool (H, W), holes filled
    intracranial: np.ndarray  # bool (H, W); empty when the skull ring is open
    mm_to_bone: np.ndarray  # float32 (H, W): distance in mm to the nearest bone pixel
    centre: tuple[float, float]  # head centroid (x, y) in pixels
    radius_px: tuple[float, float]  # head semi-axes (x, y) in pixels, from its second moments
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
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * GAP_CLOSE_PX + 1,) * 2)
    closed = cv2.dilate(bone.astype(np.uint8), kernel)
    outside = cv2.dilate(_outside(closed > 0).astype(np.uint8), kernel) > 0
    intracranial = ~outside & ~bone & head
    if intracranial.mean() > 0.6:  # the fill leaked through no ring at all: nothing is inside a skull
        intracranial[:] = False
    mm_to_bone = cv2.distanceTransform((~bone).astype(np.uint8), cv2.DIST_L2, 3) * pixel_mm
    moments = cv2.moments(head.astype(np.uint8), binaryImage=True)
    area = max(moments["m00"], 1.0)
    centre = (moments["m10"] / area, moments["m01"] / area)
    # A uniform ellipse with semi-axis a has second central moment a^2 / 4 along it.
    radius = (2.0 * np.sqrt(max(moments["mu20"] / area, 1.0)), 2.0 * np.sqrt(max(moments["mu02"] / area, 1.0)))
    return SliceGeometry(bone, head, intracranial, mm_to_bone.astype(np.float32), centre, radius, pixel_mm)


def normalised_radius(shape: tuple[int, int], geometry: SliceGeometry) -> np.ndarray:
    """float32 (H, W): elliptical distance from the head centre, 1 at the head's edge."""
    ys, xs = np.ogrid[0 : shape[0], 0 : shape[1]]
    cx, cy = geometry.centre
    rx, ry = geometry.radius_px
    return np.sqrt(((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2).astype(np.float32)
