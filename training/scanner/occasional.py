"""What some scans have and others not: motion and metal streaks, a head holder and the table.

Rows run anterior (top) to posterior (bottom), as the service displays a supine head, so the
holder cradles the back of the head at the bottom of the image and the table lies below it.
"""

import cv2
import numpy as np

from training.scanner.geometry import SliceGeometry

# How often each appears (per slice).
OCCASIONAL_WEIGHTS = {"motion": 0.04, "metal": 0.02, "head_holder": 0.6, "table": 0.3}
# Motion during the rotation: long straight streaks tangent to the skull, and a faint ghost of the
# head shifted by a few millimetres.
MOTION_STREAKS = (2, 7)
MOTION_STREAK_HU = (15.0, 60.0)
MOTION_SHIFT_MM = (1.0, 4.0)
MOTION_GHOST_WEIGHT = (0.1, 0.3)
# Metal (an EEG electrode, a shunt valve, a clip) in the scalp: a small very dense body with
# alternating bright and dark streaks radiating from it, fading over a few centimetres.
METAL_HU = 3000.0
METAL_RADIUS_MM = (1.0, 3.0)
METAL_STREAKS = (10, 30)
METAL_STREAK_HU = (40.0, 200.0)
METAL_STREAK_FADE_MM = (20.0, 60.0)
# Carbon-fibre or plastic head holder: a curved shell a few mm thick behind the head, sitting on
# a foam pad; the table is a flat plate further down.
HOLDER_HU = (80.0, 400.0)
HOLDER_THICKNESS_MM = (2.0, 5.0)
HOLDER_GAP_MM = (3.0, 20.0)
PAD_HU = (-950.0, -750.0)
TABLE_HU = (100.0, 400.0)
TABLE_THICKNESS_MM = (3.0, 8.0)
TABLE_GAP_MM = (10.0, 40.0)


def _point(xy) -> tuple[int, int]:
    return round(xy[0]), round(xy[1])


def add_motion(hu: np.ndarray, geometry: SliceGeometry, rng: np.random.Generator) -> np.ndarray:
    angle = rng.uniform(0.0, 2.0 * np.pi)
    shift = rng.uniform(*MOTION_SHIFT_MM) / geometry.pixel_mm * np.array([np.cos(angle), np.sin(angle)])
    moved = cv2.warpAffine(
        hu, np.float32([[1, 0, shift[0]], [0, 1, shift[1]]]), hu.shape[::-1], borderValue=float(hu.min())
    )
    out = hu + rng.uniform(*MOTION_GHOST_WEIGHT) * (moved - hu)
    rows, cols = np.nonzero(geometry.bone)
    if rows.size == 0:
        return out
    canvas = np.zeros(hu.shape, np.float32)
    reach = 2 * max(hu.shape)
    for index in range(int(rng.integers(*MOTION_STREAKS))):
        pick = int(rng.integers(rows.size))
        theta = rng.uniform(0.0, np.pi)
        direction = reach * np.array([np.cos(theta), np.sin(theta)])
        start, end = (cols[pick], rows[pick]) - direction, (cols[pick], rows[pick]) + direction
        sign = 1.0 if index % 2 == 0 else -1.0
        cv2.line(canvas, _point(start), _point(end), sign * rng.uniform(*MOTION_STREAK_HU), 1, cv2.LINE_AA)
    return out + np.where(geometry.head, canvas, 0.0).astype(np.float32)


def add_metal(hu: np.ndarray, geometry: SliceGeometry, rng: np.random.Generator) -> np.ndarray:
    scalp = geometry.head & ~geometry.bone & ~geometry.intracranial & (geometry.mm_to_bone < 6.0)
    rows, cols = np.nonzero(scalp)
    if rows.size == 0:
        return hu
    pick = int(rng.integers(rows.size))
    centre = (float(cols[pick]), float(rows[pick]))
    canvas = np.zeros(hu.shape, np.float32)
    reach = 2 * max(hu.shape)
    for index in range(int(rng.integers(*METAL_STREAKS))):
        theta = rng.uniform(0.0, np.pi)
        direction = reach * np.array([np.cos(theta), np.sin(theta)])
        sign = 1.0 if index % 2 == 0 else -1.0
        cv2.line(
            canvas,
            _point(centre - direction),
            _point(centre + direction),
            sign * rng.uniform(*METAL_STREAK_HU),
            1,
            cv2.LINE_AA,
        )
    ys, xs = np.ogrid[0 : hu.shape[0], 0 : hu.shape[1]]
    distance_mm = np.sqrt((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) * geometry.pixel_mm
    canvas *= np.exp(-distance_mm / rng.uniform(*METAL_STREAK_FADE_MM))
    out = hu + np.where(geometry.head, cv2.GaussianBlur(canvas, (0, 0), 0.7), 0.0).astype(np.float32)
    radius_px = max(1, round(rng.uniform(*METAL_RADIUS_MM) / geometry.pixel_mm))
    cv2.circle(out, _point(centre), radius_px, METAL_HU, -1, cv2.LINE_AA)
    return out


def add_head_holder(hu: np.ndarray, geometry: SliceGeometry, rng: np.random.Generator) -> np.ndarray:
    """A U-shaped shell behind the head, foam between; drawn only over air."""
    gap = rng.uniform(*HOLDER_GAP_MM) / geometry.pixel_mm
    thickness = max(1, round(rng.uniform(*HOLDER_THICKNESS_MM) / geometry.pixel_mm))
    axes = (int(geometry.radius_px[0] + gap), int(geometry.radius_px[1] + gap))
    start, end = rng.uniform(-10.0, 30.0), rng.uniform(150.0, 190.0)  # degrees; 90 points down (posterior)
    drawing = np.zeros(hu.shape, np.float32)
    cv2.ellipse(drawing, _point(geometry.centre), axes, 0.0, start, end, rng.uniform(*PAD_HU), -1)
    cv2.ellipse(
        drawing, _point(geometry.centre), axes, 0.0, start, end, rng.uniform(*HOLDER_HU), thickness, cv2.LINE_AA
    )
    air = ~geometry.head & (drawing != 0)
    out = hu.copy()
    out[air] = np.maximum(hu[air], drawing[air])
    return out


def add_table(hu: np.ndarray, geometry: SliceGeometry, rng: np.random.Generator) -> np.ndarray:
    """A flat plate under the head, when it falls inside the field of view."""
    top = (
        geometry.centre[1] + geometry.radius_px[1] + (HOLDER_GAP_MM[1] + rng.uniform(*TABLE_GAP_MM)) / geometry.pixel_mm
    )
    bottom = top + rng.uniform(*TABLE_THICKNESS_MM) / geometry.pixel_mm
    first, last = round(top), round(bottom)
    if first >= hu.shape[0]:
        return hu
    out = hu.copy()
    band = out[first : last + 1]
    band[...] = np.where(geometry.head[first : last + 1], band, rng.uniform(*TABLE_HU))
    return out
