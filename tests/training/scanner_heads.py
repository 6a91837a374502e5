"""Synthetic clean heads for the scanner tests: a flat brain in a skull ring, optionally with two
dense petrous-like blocks inside, at 1 mm pixels."""

import cv2
import numpy as np

SIZE, PIXEL_MM = 256, 1.0
SPACING = (PIXEL_MM, PIXEL_MM)
CENTRE = (128, 128)
BRAIN_AXES, SKULL_AXES, SCALP_AXES = (70, 85), (76, 91), (81, 96)
BRAIN_HU, BONE_HU, SCALP_HU, AIR_HU = 30.0, 1500.0, 40.0, -1000.0
BLOCK_CENTRES = ((98, 150), (158, 150))  # (x, y): 60 mm apart, behind the head's centre


def flat_head(dense_pair: bool = False) -> np.ndarray:
    hu = np.full((SIZE, SIZE), AIR_HU, np.float32)
    cv2.ellipse(hu, CENTRE, SCALP_AXES, 0, 0, 360, SCALP_HU, -1)
    cv2.ellipse(hu, CENTRE, SKULL_AXES, 0, 0, 360, BONE_HU, -1)
    cv2.ellipse(hu, CENTRE, BRAIN_AXES, 0, 0, 360, BRAIN_HU, -1)
    if dense_pair:
        for x, y in BLOCK_CENTRES:
            cv2.rectangle(hu, (x - 6, y - 4), (x + 6, y + 4), BONE_HU, -1)
    return hu


def inner_rim(width_mm: float, start_mm: float = 0.0) -> np.ndarray:
    """bool: brain pixels between start_mm and start_mm + width_mm inside the inner table."""
    inside = np.zeros((SIZE, SIZE), np.uint8)
    cv2.ellipse(inside, CENTRE, BRAIN_AXES, 0, 0, 360, 1, -1)
    depth = cv2.distanceTransform(np.pad(inside, 1), cv2.DIST_L2, 5)[1:-1, 1:-1] * PIXEL_MM
    return (depth > start_mm) & (depth <= start_mm + width_mm)
