"""Intracranial anatomy as a label map: parenchyma, CSF spaces, falx and calcifications.

Labels are drawn first and turned into HU later, so that mass effect can deform them and lesions
(intraventricular, subarachnoid) can be placed in the right compartment.
"""

from dataclasses import dataclass
from enum import IntEnum

import cv2
import numpy as np

from training.phantoms.head_frame import HeadFrame


class Tissue(IntEnum):
    OUTSIDE = 0
    WHITE_MATTER = 1
    GRAY_MATTER = 2
    SULCUS = 3
    VENTRICLE = 4
    CISTERN = 5
    DEEP_GRAY = 6
    CALCIFICATION = 7
    FALX = 8


@dataclass
class Anatomy:
    labels: np.ndarray  # uint8 (H, W) of Tissue values
    brain: np.ndarray  # bool (H, W): inside the subarachnoid rim
    csf_rim_mm: float


def _draw_curve(canvas, frame: HeadFrame, u, v, thickness_mm: float, value: int) -> None:
    points = frame.to_px(u, v).reshape(-1, 1, 2)
    cv2.polylines(canvas, [points], False, int(value), frame.mm_to_px(thickness_mm), cv2.LINE_AA)


def _draw_blob(canvas, frame: HeadFrame, u: float, v: float, axes_mm, angle_deg: float, value: int) -> None:
    center = tuple(int(c) for c in frame.to_px(u, v))
    axes = tuple(frame.mm_to_px(a) for a in axes_mm)
    angle = angle_deg - np.rad2deg(frame.angle_rad)
    cv2.ellipse(canvas, center, axes, angle, 0, 360, int(value), -1, cv2.LINE_AA)


def _sulci(canvas, frame: HeadFrame, rng, width_mm: float) -> None:
    """Sulci run inwards from the cortical surface, slightly curved, deeper over the convexity."""
    count = int(rng.integers(26, 44))
    for theta in np.sort(rng.uniform(-np.pi, np.pi, count)):
        depth = rng.uniform(6.0, 18.0)
        steps = np.linspace(0.0, 1.0, 6)
        bend = rng.normal(0.0, 0.12) * steps**2
        radius = frame.inner_radius(np.array(theta + bend)) - steps * depth
        _draw_curve(canvas, frame, radius * np.cos(theta + bend), radius * np.sin(theta + bend), width_mm, 255)


def _interhemispheric(canvas, frame: HeadFrame, level: float, width_mm: float) -> None:
    """The fissure between the hemispheres; the corpus callosum interrupts it at mid levels."""
    front = frame.inner_radius(np.array(np.pi / 2))
    back = frame.inner_radius(np.array(-np.pi / 2))
    if level > 0.7:
        spans = [(front, -back)]
    else:
        spans = [(front, front * 0.45), (-back * 0.5, -back)]
    for start, stop in spans:
        v = np.linspace(start, stop, 8)
        _draw_curve(canvas, frame, np.zeros_like(v), v, width_mm, 255)


def _lateral_ventricles(canvas, frame: HeadFrame, rng, level: float, scale: float) -> None:
    """Butterfly-shaped frontal horns, bodies and atria; bodies alone higher up."""
    for side in (-1.0, 1.0):
        if level < 0.62:
            u = side * np.array([4.0, 6.5, 9.0, 13.0, 16.0]) * scale
            v = np.array([26.0, 14.0, 0.0, -14.0, -24.0]) * scale
            widths = (4.0, 5.0, 6.0)
        else:
            u = side * np.array([6.0, 8.0, 9.0, 8.0]) * scale
            v = np.array([18.0, 6.0, -6.0, -18.0]) * scale
            widths = (2.5, 3.5, 4.5)
        _draw_curve(canvas, frame, u, v, rng.uniform(*widths[:2]) * scale, 255)
        _draw_blob(canvas, frame, u[-1], v[-1], (widths[2] * scale, widths[1] * scale), 60 * side, 255)


def _cisterns(canvas, frame: HeadFrame, rng) -> None:
    """Perimesencephalic ring, suprasellar star and Sylvian fissures of the skull-base levels."""
    ring = frame.mm_to_px(rng.uniform(11.0, 14.0))
    center = tuple(int(c) for c in frame.to_px(0.0, -6.0))
    cv2.circle(canvas, center, ring, 255, frame.mm_to_px(rng.uniform(2.0, 3.5)), cv2.LINE_AA)
    for side in (-1.0, 1.0):
        u = side * np.array([3.0, 12.0, 30.0, 45.0])
        v = np.array([10.0, 14.0, 12.0, 4.0]) + rng.normal(0, 2, 4)
        _draw_curve(canvas, frame, u, v, rng.uniform(2.0, 3.5), 255)


def build_anatomy(frame: HeadFrame, rng: np.random.Generator, level: float) -> Anatomy:
    """Label map of the intracranial contents at one slice level."""
    n = frame.matrix
    atrophy = rng.uniform(0.0, 1.0)
    csf_rim = 0.8 + 2.2 * atrophy
    brain = frame.depth < -csf_rim

    csf = np.zeros((n, n), np.uint8)
    _sulci(csf, frame, rng, width_mm=1.2 + 1.6 * atrophy)
    _interhemispheric(csf, frame, level, width_mm=1.5 + 2.0 * atrophy)
    csf_mask = (csf > 127) | ~brain

    # Cortex is the gray ribbon within a few mm of any CSF surface.
    distance_mm = cv2.distanceTransform((~csf_mask).astype(np.uint8), cv2.DIST_L2, 5) * frame.spacing_mm
    labels = np.where(distance_mm < rng.uniform(2.5, 4.0), Tissue.GRAY_MATTER, Tissue.WHITE_MATTER).astype(np.uint8)
    labels[csf_mask] = Tissue.SULCUS

    deep = np.zeros((n, n), np.uint8)
    ventricles = np.zeros((n, n), np.uint8)
    ventricle_scale = rng.uniform(0.8, 1.0) + 0.5 * atrophy
    if 0.3 <= level <= 0.6:
        for side in (-1.0, 1.0):  # basal ganglia and thalami
            _draw_blob(deep, frame, side * 18.0, 8.0, (6.0, 11.0), side * 15, 255)
            _draw_blob(deep, frame, side * 9.0, -10.0, (7.0, 9.0), 0, 255)
    if 0.33 <= level <= 0.78:
        _lateral_ventricles(ventricles, frame, rng, level, ventricle_scale)
    if 0.3 <= level < 0.45:  # third ventricle
        _draw_curve(ventricles, frame, np.zeros(3), np.array([6.0, -2.0, -10.0]), 2.0 + 2.0 * atrophy, 255)
    if level < 0.25:  # fourth ventricle
        _draw_blob(ventricles, frame, 0.0, -30.0, (5.0 * ventricle_scale, 3.0), 0, 255)
    labels[(deep > 127) & brain] = Tissue.DEEP_GRAY
    if 0.12 <= level < 0.35:
        cisterns = np.zeros((n, n), np.uint8)
        _cisterns(cisterns, frame, rng)
        labels[(cisterns > 127) & brain] = Tissue.CISTERN
    labels[(ventricles > 127) & brain] = Tissue.VENTRICLE

    _add_falx(labels, frame, level, brain)
    _add_calcifications(labels, frame, rng, level, brain)
    labels[~brain] = Tissue.OUTSIDE
    return Anatomy(labels=labels, brain=brain, csf_rim_mm=csf_rim)


def _add_falx(labels, frame: HeadFrame, level: float, brain) -> None:
    falx = np.zeros_like(labels)
    _interhemispheric(falx, frame, level, width_mm=0.7)
    labels[(falx > 127) & brain] = Tissue.FALX


def _add_calcifications(labels, frame: HeadFrame, rng, level: float, brain) -> None:
    """Choroid plexus, pineal and falx calcifications: hyperdense, small, and not hemorrhage."""
    calc = np.zeros_like(labels)
    if 0.4 <= level <= 0.62 and rng.random() < 0.7:  # choroid plexus in the atria
        for side in (-1.0, 1.0):
            _draw_blob(calc, frame, side * 15.0, -22.0, rng.uniform(1.2, 3.0, 2), rng.uniform(0, 180), 255)
    if 0.33 <= level <= 0.5 and rng.random() < 0.5:  # pineal gland
        _draw_blob(calc, frame, 0.0, -14.0, rng.uniform(1.0, 2.5, 2), 0, 255)
    if level >= 0.45 and rng.random() < 0.3:  # falx plaque
        _draw_blob(calc, frame, 0.0, rng.uniform(-40.0, 40.0), (0.8, rng.uniform(2.0, 5.0)), 0, 255)
    labels[(calc > 127) & brain] = Tissue.CALCIFICATION
