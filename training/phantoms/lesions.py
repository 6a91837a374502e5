"""Acute hemorrhage of the five CT subtypes, each with its own shape, place and density.

Space-occupying bleeds (intraparenchymal, subdural, epidural) are placed before mass effect
deforms the anatomy; intraventricular and subarachnoid blood fill the deformed CSF spaces.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from training.phantoms.anatomy import Tissue
from training.phantoms.head_frame import HeadFrame

EPIDURAL, SUBDURAL, SUBARACHNOID, INTRAPARENCHYMAL, INTRAVENTRICULAR = (
    "epidural",
    "subdural",
    "subarachnoid",
    "intraparenchymal",
    "intraventricular",
)
SUBTYPES = (EPIDURAL, SUBDURAL, SUBARACHNOID, INTRAPARENCHYMAL, INTRAVENTRICULAR)
SPACE_OCCUPYING = (EPIDURAL, SUBDURAL, INTRAPARENCHYMAL)
MIN_AREA_MM2 = 6.0  # below this a bleed is invisible at 5 mm slices; resample instead


@dataclass
class Lesion:
    subtype: str
    mask: np.ndarray  # bool (H, W)
    blood_hu: float
    edema: np.ndarray | None = None  # bool ring of hypodense oedema, intraparenchymal only
    push: tuple[float, float, float, float] | None = None  # centre x, y (px), reach and shift (px)


def _angular_offset(theta: np.ndarray, center: float) -> np.ndarray:
    return np.angle(np.exp(1j * (theta - center)))


def intraparenchymal(frame: HeadFrame, labels: np.ndarray, rng) -> Lesion | None:
    """Irregular blob in parenchyma, ringed by hypodense oedema."""
    radius = float(np.exp(rng.uniform(np.log(2.5), np.log(22.0))))
    parenchyma = (frame.depth < -(radius + 6.0)) & np.isin(labels, [Tissue.WHITE_MATTER, Tissue.DEEP_GRAY])
    candidates = np.flatnonzero(parenchyma)
    if candidates.size == 0:
        return None
    cy, cx = np.unravel_index(rng.choice(candidates), parenchyma.shape)
    ys, xs = np.mgrid[0 : frame.matrix, 0 : frame.matrix]
    dx, dy = (xs - cx) * frame.spacing_mm, (ys - cy) * frame.spacing_mm
    distance, angle = np.hypot(dx, dy), np.arctan2(dy, dx)
    boundary = radius * rng.uniform(0.6, 1.0, 1) ** (np.cos(angle - rng.uniform(0, np.pi)) ** 2)
    boundary = boundary * (1 + sum(rng.normal(0, 0.07) * np.cos(k * angle + rng.uniform(0, 6.3)) for k in (2, 3, 5)))
    mask = distance < boundary
    edema = (distance < boundary + 1.0 + rng.uniform(0.1, 0.6) * radius) & ~mask & (frame.depth < 0)
    reach, shift = 2.5 * radius / frame.spacing_mm, 0.5 * radius / frame.spacing_mm
    return Lesion(INTRAPARENCHYMAL, mask, rng.uniform(60.0, 85.0), edema, (cx, cy, reach, shift))


def _extra_axial(frame: HeadFrame, rng, subtype: str, theta0: float, half_span: float, profile) -> Lesion:
    x = _angular_offset(frame.theta, theta0) / half_span
    thickness = np.where(np.abs(x) < 1, profile(np.clip(np.abs(x), 0, 1)), 0.0)
    mask = (frame.depth <= 0) & (frame.depth > -thickness)
    peak = float(profile(np.zeros(1))[0])
    radius = float(frame.inner_radius(np.array(theta0)))
    cx, cy = frame.to_px(radius * np.cos(theta0), radius * np.sin(theta0))
    reach, shift = 2.5 * peak / frame.spacing_mm, 0.7 * peak / frame.spacing_mm
    return Lesion(subtype, mask, 0.0, None, (float(cx), float(cy), reach, shift))


def subdural(frame: HeadFrame, labels: np.ndarray, rng) -> Lesion:
    """Crescent along the inner table over one hemisphere; long, crossing sutures, not the midline."""
    side = rng.choice([-1.0, 1.0])
    theta0 = (0.0 if side > 0 else np.pi) + rng.normal(0.0, 0.35)
    peak = rng.uniform(3.0, 16.0)
    lesion = _extra_axial(
        frame, rng, SUBDURAL, theta0, np.deg2rad(rng.uniform(40, 80)), lambda x: peak * (1 - x**2) ** 0.35
    )
    lesion.mask &= frame.u * side > 1.5  # the falx stops a subdural at the midline
    lesion.blood_hu = rng.uniform(55.0, 85.0)
    return lesion


def epidural(frame: HeadFrame, labels: np.ndarray, rng) -> Lesion:
    """Biconvex lens against the skull, short and thick."""
    theta0 = rng.uniform(-np.pi, np.pi)
    peak = rng.uniform(5.0, 20.0)
    lesion = _extra_axial(
        frame, rng, EPIDURAL, theta0, np.deg2rad(rng.uniform(15, 35)), lambda x: peak * np.sqrt(1 - x**2)
    )
    lesion.blood_hu = rng.uniform(60.0, 88.0)
    return lesion


def intraventricular(frame: HeadFrame, labels: np.ndarray, rng) -> Lesion | None:
    """Blood layering in the dependent (posterior) horns with a flat fluid level, or a cast."""
    ventricles = labels == Tissue.VENTRICLE
    if rng.random() < 0.5:  # one side only
        ventricles &= frame.u * rng.choice([-1.0, 1.0]) > 0
    rows = np.nonzero(ventricles)[0]
    if rows.size == 0:
        return None
    # Patients lie supine, so blood settles towards the bottom of the image whatever the head's tilt.
    level = np.quantile(rows, rng.uniform(0.4, 0.85)) if rng.random() < 0.65 else rows.min()
    mask = ventricles & (np.arange(frame.matrix)[:, None] >= level)
    return Lesion(INTRAVENTRICULAR, mask, rng.uniform(50.0, 75.0))


def subarachnoid(frame: HeadFrame, labels: np.ndarray, rng) -> Lesion | None:
    """Thin bright lines filling sulci, fissures and basal cisterns in one region."""
    window = np.abs(_angular_offset(frame.theta, rng.uniform(-np.pi, np.pi))) < rng.uniform(0.35, 1.2)
    spaces = (labels == Tissue.SULCUS) | ((frame.depth < 0) & (labels == Tissue.OUTSIDE) & (rng.random() < 0.5))
    mask = spaces & window
    cisterns = labels == Tissue.CISTERN
    if cisterns.any() and rng.random() < 0.6:
        mask |= cisterns
    # Blood distends the spaces it fills.
    mask = cv2.dilate(mask.astype(np.uint8), np.ones((2, 2), np.uint8)).astype(bool) & (frame.depth < 0)
    if not mask.any():
        return None
    return Lesion(SUBARACHNOID, mask, rng.uniform(50.0, 72.0))


BUILDERS = {
    EPIDURAL: epidural,
    SUBDURAL: subdural,
    SUBARACHNOID: subarachnoid,
    INTRAPARENCHYMAL: intraparenchymal,
    INTRAVENTRICULAR: intraventricular,
}


def big_enough(lesion: Lesion | None, frame: HeadFrame) -> bool:
    return lesion is not None and lesion.mask.sum() * frame.spacing_mm**2 >= MIN_AREA_MM2


def mass_effect_maps(frame: HeadFrame, lesions: list[Lesion]) -> tuple[np.ndarray, np.ndarray] | None:
    """cv2.remap maps that push tissue away from each space-occupying bleed (midline shift)."""
    pushes = [lesion.push for lesion in lesions if lesion.push is not None]
    if not pushes:
        return None
    ys, xs = np.mgrid[0 : frame.matrix, 0 : frame.matrix].astype(np.float32)
    map_x, map_y = xs.copy(), ys.copy()
    for cx, cy, reach, shift in pushes:
        dx, dy = xs - cx, ys - cy
        distance = np.hypot(dx, dy) + 1e-3
        magnitude = shift * np.exp(-((distance / reach) ** 2))
        map_x -= magnitude * dx / distance
        map_y -= magnitude * dy / distance
    return map_x, map_y
