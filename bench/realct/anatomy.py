"""Where a predicted mask lies, and which level of the head a slice is, from the real slice's own HU.

Locations use core.intracranial (the service's own masks), cut across the stack to the cranium as a series answer cuts
them (core.stack_assessment.within_cranium): each connected mask component goes to the place most of its pixels lie.
Levels run skull base -> vertex and come from that intracranial area along the stack.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from core.intracranial import TYPICAL_HEAD_FOV_MM, bone_mask, head_mask, inner_table_distance_mm, intracranial_mask
from core.resize import resize_image
from core.stack_assessment import continuations, within_cranium

# A bleed within this distance of the inner table is extra-axial in form (subdural, epidural); deeper is brain.
INNER_TABLE_BAND_MM = 5.0
LOCATIONS = ("brain", "inner_table", "bone", "extracranial", "outside_head")  # extracranial: scalp, orbits, sinuses
BRAIN, INNER_TABLE, BONE, EXTRACRANIAL, OUTSIDE = range(len(LOCATIONS))

LEVELS = ("below_foramen_magnum", "posterior_fossa_skull_base", "ventricles", "centrum_semiovale", "vertex")
# Walking down from the widest slice, the cranium ends where the intracranial area falls below this share of its
# maximum, or grows again by RISE_FACTOR over the smallest seen so far: below the foramen magnum the "inside of
# the skull" is some other cavity (mouth, pharynx) or nothing.
MIN_CRANIAL_SHARE = 0.03
RISE_FACTOR = 1.5
# The middle cranial fossa joins the posterior fossa where the area passes this share of the maximum.
SUPRATENTORIAL_SHARE = 0.75
# Above the widest slice, the convexity narrows to a vertex cap under this share.
VERTEX_SHARE = 0.35
# The lateral ventricles' bodies reach about a quarter of the way from the widest slice to the vertex cap.
VENTRICLE_REACH = 0.25
IN_BRAIN_LEVELS = ("ventricles", "centrum_semiovale")


@dataclass
class SliceAnatomy:
    code: np.ndarray  # uint8 (H, W): index into LOCATIONS for every pixel
    intracranial_mm2: float


def slice_anatomy(hu: np.ndarray, spacing_mm: tuple[float, float] | None, inside: np.ndarray) -> SliceAnatomy:
    """`inside`: the slice's intracranial space."""
    code = np.full(hu.shape, OUTSIDE, np.uint8)
    code[head_mask(hu)] = EXTRACRANIAL
    code[bone_mask(hu)] = BONE
    distance = inner_table_distance_mm(inside, spacing_mm)
    code[inside] = np.where(distance[inside] > INNER_TABLE_BAND_MM, BRAIN, INNER_TABLE)
    pixel_mm2 = float(np.prod(spacing_mm)) if spacing_mm is not None else 1.0
    return SliceAnatomy(code, float(inside.sum()) * pixel_mm2)


def stack_spaces(hu: np.ndarray, spacing_mm: tuple[float, float] | None) -> list[np.ndarray]:
    """Each slice's intracranial space, cut to the part that continues the cranium of its neighbours."""
    spaces = [intracranial_mask(h, spacing_mm) for h in hu]
    pixel_mm = float(np.mean(spacing_mm)) if spacing_mm is not None else TYPICAL_HEAD_FOV_MM / max(hu.shape[1:])
    areas = [float(space.sum()) * pixel_mm**2 for space in spaces]
    return [within_cranium(s, c) for s, c in zip(spaces, continuations(spaces, areas, pixel_mm))]


def scan_anatomy(hu: np.ndarray, spacing_mm, shape: tuple[int, int] | None = None) -> list[SliceAnatomy]:
    """Anatomy of every slice, from the true HU, at `shape` (a resampled form's matrix) when given."""
    if shape is not None and shape != hu.shape[1:]:
        if spacing_mm:
            spacing_mm = (spacing_mm[0] * hu.shape[1] / shape[0], spacing_mm[1] * hu.shape[2] / shape[1])
        hu = np.stack([resize_image(h, shape) for h in hu])
    return [slice_anatomy(h, spacing_mm, inside) for h, inside in zip(hu, stack_spaces(hu, spacing_mm))]


def locate_components(mask: np.ndarray, anatomy: SliceAnatomy, pixel_mm2: float) -> list[dict]:
    """Each 8-connected component of a mask: its area (mm²) and where most of it lies."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return []
    votes = np.bincount(
        (labels.astype(np.int64) * len(LOCATIONS) + anatomy.code).ravel(), minlength=count * len(LOCATIONS)
    ).reshape(count, len(LOCATIONS))[1:]
    return [{"location": LOCATIONS[int(np.argmax(row))], "area_mm2": float(row.sum()) * pixel_mm2} for row in votes]


def slice_levels(intracranial_mm2: np.ndarray) -> list[str]:
    """One level name per slice, slice 0 the most inferior."""
    area = np.asarray(intracranial_mm2, dtype=np.float64)
    levels = ["vertex"] * len(area)
    if area.max() <= 0:
        return levels
    widest, peak = int(np.argmax(area)), float(area.max())
    bottom, smallest = 0, peak
    for k in range(widest, -1, -1):
        if area[k] < MIN_CRANIAL_SHARE * peak or area[k] > RISE_FACTOR * smallest:
            bottom = k + 1
            break
        smallest = min(smallest, area[k])
    above = np.flatnonzero((np.arange(len(area)) > widest) & (area < VERTEX_SHARE * peak))
    vertex = int(above[0]) if above.size else len(area)
    reach = widest + round(VENTRICLE_REACH * (vertex - widest))
    for k in range(len(area)):
        if k < bottom:
            levels[k] = "below_foramen_magnum"
        elif k >= vertex:
            levels[k] = "vertex"
        elif k < widest and area[k] < SUPRATENTORIAL_SHARE * peak:
            levels[k] = "posterior_fossa_skull_base"
        elif k <= reach:
            levels[k] = "ventricles"
        else:
            levels[k] = "centrum_semiovale"
    return levels
