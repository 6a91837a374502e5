"""Semi-real positives: the five bleed types pasted into real normal slices, each placed by the slice's own anatomy
(found from HU), with its true mask. For evaluation only: nothing made here may be trained on.

Shapes follow training/phantoms/lesions.py (crescent and lens against the inner table, sulcal and cisternal lines,
blob with oedema, layering in a ventricle), rebuilt on a real slice's masks, since the phantom builders need the
phantom's own geometry (HeadFrame, tissue labels) that a real slice does not have.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from core.intracranial import inner_table_distance_mm, intracranial_mask
from training.phantoms.lesions import (
    EPIDURAL,
    INTRAPARENCHYMAL,
    INTRAVENTRICULAR,
    MIN_AREA_MM2,
    SUBARACHNOID,
    SUBDURAL,
    SUBTYPES,
)

BLOOD_HU = (50.0, 90.0)  # acute blood
CSF_HU = (-5.0, 12.0)  # on the smoothed slice: noise alone puts brain pixels under 18 HU
CSF_SMOOTH_PX = 1.5
EDEMA_DROP_HU = 8.0  # oedema around a haematoma is a little darker than brain
EDGE_SIGMA_PX = 0.7  # partial volume at the bleed's edge
TEXTURE_SIGMA_HU = 4.0
SUBDURAL_MM = (2.0, 16.0)  # peak thickness, from a thin crescent to a large one
EPIDURAL_MM = (4.0, 20.0)
HAEMATOMA_RADIUS_MM = (3.0, 25.0)
VENTRICLE_MIN_MM2 = 60.0
VENTRICLE_MIN_DEPTH_MM = 15.0  # ventricles lie deep; sulcal CSF lies near the inner table
SULCAL_DEPTH_MM = 25.0
MIDLINE_MARGIN_MM = 1.5  # the falx stops a subdural at the midline
ATTEMPTS = 12


@dataclass
class PastedBleed:
    slice_index: int  # the real slice it was pasted into
    subtype: str
    size: float  # 0 (smallest) .. 1 (largest) of the type's range
    blood_hu: float
    hu: np.ndarray  # float32 (H, W): the real slice with the bleed
    mask: np.ndarray  # bool (H, W): where the bleed was added

    def area_mm2(self, spacing_mm) -> float:
        return float(self.mask.sum() * np.prod(spacing_mm))


@dataclass
class SliceMaps:
    inside: np.ndarray  # bool, intracranial space
    depth_mm: np.ndarray  # distance to the inner table inside it
    angle: np.ndarray  # radians about the intracranial centroid
    u_mm: np.ndarray  # left-right distance from the centroid, mm
    csf: np.ndarray  # bool, CSF-density pixels inside the skull
    ventricles: np.ndarray  # bool, deep large CSF components


def slice_maps(hu: np.ndarray, spacing_mm: tuple[float, float]) -> SliceMaps:
    inside = intracranial_mask(hu, spacing_mm)
    depth = inner_table_distance_mm(inside, spacing_mm)
    rows, cols = np.nonzero(inside)
    cy, cx = (rows.mean(), cols.mean()) if rows.size else (hu.shape[0] / 2, hu.shape[1] / 2)
    ys, xs = np.mgrid[0 : hu.shape[0], 0 : hu.shape[1]].astype(np.float32)
    u, v = (xs - cx) * spacing_mm[1], (cy - ys) * spacing_mm[0]
    smooth = cv2.GaussianBlur(hu.astype(np.float32), (0, 0), CSF_SMOOTH_PX)
    csf = inside & (smooth >= CSF_HU[0]) & (smooth <= CSF_HU[1]) & (depth > 1.0)
    return SliceMaps(inside, depth, np.arctan2(v, u), u, csf, _ventricles(csf, depth, spacing_mm))


def _ventricles(csf: np.ndarray, depth: np.ndarray, spacing_mm) -> np.ndarray:
    opened = cv2.morphologyEx(csf.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    keep = np.zeros(count, bool)
    pixel_mm2 = float(np.prod(spacing_mm))
    for k in range(1, count):
        component = labels == k
        if (
            stats[k, cv2.CC_STAT_AREA] * pixel_mm2 >= VENTRICLE_MIN_MM2
            and np.median(depth[component]) > VENTRICLE_MIN_DEPTH_MM
        ):
            keep[k] = True
    # Choroid plexus and noise leave holes in a ventricle; blood layers across them.
    closed = cv2.morphologyEx(keep[labels].astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    return closed.astype(bool) & (depth > 1.0)


def _angular_offset(angle: np.ndarray, center: float) -> np.ndarray:
    return np.angle(np.exp(1j * (angle - center)))


def _against_table(maps: SliceMaps, rng, half_span_deg, peak_mm, profile) -> np.ndarray:
    theta0 = rng.uniform(-np.pi, np.pi)
    x = _angular_offset(maps.angle, theta0) / np.deg2rad(half_span_deg)
    thickness = np.where(np.abs(x) < 1, peak_mm * profile(np.clip(np.abs(x), 0, 1)), 0.0)
    return maps.inside & (maps.depth_mm <= thickness)


def subdural(maps: SliceMaps, rng, size: float) -> np.ndarray:
    peak = SUBDURAL_MM[0] + size * (SUBDURAL_MM[1] - SUBDURAL_MM[0])
    mask = _against_table(maps, rng, rng.uniform(40, 80), peak, lambda x: (1 - x**2) ** 0.35)
    side = np.sign(np.median(maps.u_mm[mask])) if mask.any() else 1.0
    return mask & (maps.u_mm * side > MIDLINE_MARGIN_MM)


def epidural(maps: SliceMaps, rng, size: float) -> np.ndarray:
    peak = EPIDURAL_MM[0] + size * (EPIDURAL_MM[1] - EPIDURAL_MM[0])
    return _against_table(maps, rng, rng.uniform(15, 35), peak, lambda x: np.sqrt(1 - x**2))


def intraparenchymal(maps: SliceMaps, rng, size: float, spacing_mm) -> np.ndarray:
    low, high = np.log(HAEMATOMA_RADIUS_MM[0]), np.log(HAEMATOMA_RADIUS_MM[1])
    radius = float(np.exp(low + size * (high - low)))
    candidates = np.flatnonzero((maps.depth_mm > radius + 5.0) & ~maps.csf)
    if candidates.size == 0:
        return np.zeros_like(maps.inside)
    cy, cx = np.unravel_index(rng.choice(candidates), maps.inside.shape)
    ys, xs = np.mgrid[0 : maps.inside.shape[0], 0 : maps.inside.shape[1]].astype(np.float32)
    dx, dy = (xs - cx) * spacing_mm[1], (ys - cy) * spacing_mm[0]
    distance, angle = np.hypot(dx, dy), np.arctan2(dy, dx)
    boundary = radius * (1 + sum(rng.normal(0, 0.08) * np.cos(k * angle + rng.uniform(0, 6.3)) for k in (2, 3, 5)))
    return (distance < boundary) & maps.inside


def subarachnoid(maps: SliceMaps, rng, size: float) -> np.ndarray:
    """Blood filling sulcal CSF in one sector (wider for larger size), and the cisterns' CSF when the sector
    reaches them; it distends the spaces it fills by a pixel."""
    sector = np.abs(_angular_offset(maps.angle, rng.uniform(-np.pi, np.pi))) < 0.25 + size * 0.6
    spaces = maps.csf & ~maps.ventricles & sector & (maps.depth_mm < SULCAL_DEPTH_MM * (1 + size))
    grown = cv2.dilate(spaces.astype(np.uint8), np.ones((2, 2), np.uint8)).astype(bool)
    return grown & maps.inside & ~maps.ventricles


def intraventricular(maps: SliceMaps, rng, size: float) -> np.ndarray:
    """Layering in the dependent (posterior, lower in the image) part of the ventricles, up to a flat level."""
    rows = np.nonzero(maps.ventricles)[0]
    if rows.size == 0:
        return np.zeros_like(maps.inside)
    level = np.quantile(rows, 0.85 - size * 0.75)
    return maps.ventricles & (np.arange(maps.inside.shape[0])[:, None] >= level)


def paste(hu: np.ndarray, mask: np.ndarray, blood_hu: float, rng, edema: np.ndarray | None = None):
    """Blend blood into the slice with a soft edge and texture; the true mask is where blood dominates."""
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), EDGE_SIGMA_PX)
    texture = cv2.GaussianBlur(rng.normal(0, TEXTURE_SIGMA_HU * 2, hu.shape).astype(np.float32), (0, 0), 1.0)
    out = hu.astype(np.float32).copy()
    if edema is not None:
        out[edema] -= EDEMA_DROP_HU
    out = (1 - alpha) * out + alpha * (blood_hu + texture)
    return out, alpha >= 0.5


def make_bleed(hu, spacing_mm, maps: SliceMaps, subtype: str, size: float, rng, index: int) -> PastedBleed | None:
    for _ in range(ATTEMPTS):
        if subtype == SUBDURAL:
            mask = subdural(maps, rng, size)
        elif subtype == EPIDURAL:
            mask = epidural(maps, rng, size)
        elif subtype == SUBARACHNOID:
            mask = subarachnoid(maps, rng, size)
        elif subtype == INTRAPARENCHYMAL:
            mask = intraparenchymal(maps, rng, size, spacing_mm)
        else:
            mask = intraventricular(maps, rng, size)
        if mask.sum() * np.prod(spacing_mm) >= MIN_AREA_MM2:
            break
    else:
        return None
    edema = None
    if subtype == INTRAPARENCHYMAL:
        rim = cv2.dilate(mask.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
        edema = rim & ~mask & maps.inside
    blood = rng.uniform(*BLOOD_HU)
    pasted, true_mask = paste(hu, mask, blood, rng, edema)
    return PastedBleed(index, subtype, size, blood, pasted, true_mask & maps.inside)


def make_positives(hu_stack, spacing_mm, candidates: list[int], count: int, seed: int) -> list[PastedBleed]:
    """`count` bleeds, the five types in turn, sizes spread evenly from smallest to largest within each type,
    each in a real slice drawn from `candidates` (in-brain levels); intraventricular only where ventricles show."""
    rng = np.random.default_rng(seed)
    per_type = max(1, count // len(SUBTYPES))
    maps_cache: dict[int, SliceMaps] = {}
    positives = []
    for n in range(count):
        subtype = SUBTYPES[n % len(SUBTYPES)]
        rank = n // len(SUBTYPES)
        size = rank / max(1, per_type - 1) if per_type > 1 else 0.5
        for _ in range(ATTEMPTS):
            index = int(rng.choice(candidates))
            if index not in maps_cache:
                maps_cache[index] = slice_maps(hu_stack[index], spacing_mm)
            maps = maps_cache[index]
            if subtype == INTRAVENTRICULAR and not maps.ventricles.any():
                continue
            bleed = make_bleed(hu_stack[index], spacing_mm, maps, subtype, min(size, 1.0), rng, index)
            if bleed is not None:
                positives.append(bleed)
                break
    return positives
