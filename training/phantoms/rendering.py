"""Turning labels into HU: tissue densities, skull and scalp, skull base, and scanner artefacts."""

import cv2
import numpy as np

from training.phantoms.anatomy import Tissue
from training.phantoms.head_frame import HeadFrame

AIR_HU = -1000.0
MIN_HU, MAX_HU = -1024.0, 3071.0


def smooth_field(rng, matrix: int, cells: int, amplitude: float) -> np.ndarray:
    """Low-frequency texture: coarse random cells interpolated up to the matrix."""
    coarse = rng.normal(0.0, amplitude, (cells, cells)).astype(np.float32)
    return cv2.resize(coarse, (matrix, matrix), interpolation=cv2.INTER_CUBIC)


def tissue_hu(labels: np.ndarray, rng) -> np.ndarray:
    """HU for each label, with per-head densities and parenchymal texture."""
    white = rng.uniform(22.0, 30.0)
    table = np.zeros(len(Tissue), np.float32)
    table[Tissue.OUTSIDE] = table[Tissue.SULCUS] = table[Tissue.VENTRICLE] = table[Tissue.CISTERN] = rng.uniform(2, 12)
    table[Tissue.WHITE_MATTER] = white
    table[Tissue.GRAY_MATTER] = max(white + 8.0, rng.uniform(35.0, 45.0))
    table[Tissue.DEEP_GRAY] = rng.uniform(32.0, 40.0)
    table[Tissue.CALCIFICATION] = rng.uniform(120.0, 400.0)
    table[Tissue.FALX] = rng.uniform(50.0, 80.0)
    hu = table[labels]
    parenchyma = np.isin(labels, [Tissue.WHITE_MATTER, Tissue.GRAY_MATTER, Tissue.DEEP_GRAY])
    hu += np.where(parenchyma, smooth_field(rng, labels.shape[0], 24, 1.5), 0.0)
    return hu


def add_skull_and_scalp(hu: np.ndarray, frame: HeadFrame, rng) -> np.ndarray:
    """Inner and outer tables of cortical bone around diploe, then scalp with its fat layer."""
    depth, skull = frame.depth, frame.skull_mm
    table = rng.uniform(1.2, 2.0)
    scalp = rng.uniform(4.0, 7.0)
    out = np.where(depth < 0, hu, AIR_HU).astype(np.float32)
    cortical = rng.uniform(1300.0, 1900.0) + smooth_field(rng, frame.matrix, 32, 120.0)
    diploe = rng.uniform(400.0, 800.0) + smooth_field(rng, frame.matrix, 64, 150.0)
    in_skull = (depth >= 0) & (depth < skull)
    is_table = (depth < table) | (depth > skull - table)
    out[in_skull] = np.where(is_table, cortical, diploe)[in_skull]
    in_scalp = (depth >= skull) & (depth < skull + scalp)
    fat = (depth > skull + scalp * 0.35) & (depth < skull + scalp * 0.7)
    out[in_scalp] = np.where(fat, rng.uniform(-100.0, -60.0), rng.uniform(30.0, 50.0))[in_scalp]
    return out


def add_skull_base(hu: np.ndarray, frame: HeadFrame, rng, level: float) -> np.ndarray:
    """Petrous ridges and sphenoid wings: bone edges inside the head at low levels, not hemorrhage."""
    if level >= 0.22:
        return hu
    bone = np.zeros(hu.shape, np.uint8)
    a, b = frame.semi_axes_mm
    for side in (-1.0, 1.0):
        petrous_u = side * np.array([0.85 * a, 0.45 * a, 0.18 * a])
        petrous_v = np.array([-0.25 * b, -0.12 * b, 0.02 * b]) + rng.normal(0, 2, 3)
        sphenoid_u = side * np.array([0.75 * a, 0.4 * a, 0.12 * a])
        sphenoid_v = np.array([0.25 * b, 0.22 * b, 0.12 * b]) + rng.normal(0, 2, 3)
        for u, v, width in ((petrous_u, petrous_v, rng.uniform(3, 6)), (sphenoid_u, sphenoid_v, rng.uniform(1.5, 3))):
            points = frame.to_px(u, v).reshape(-1, 1, 2)
            cv2.polylines(bone, [points], False, 255, frame.mm_to_px(width), cv2.LINE_AA)
    inside = (bone > 127) & (frame.depth < 0)
    out = hu.copy()
    out[inside] = rng.uniform(900.0, 1600.0)
    return out


def add_beam_hardening(hu: np.ndarray, frame: HeadFrame, rng, level: float) -> np.ndarray:
    """Dark and bright streaks between dense bone, strongest across the posterior fossa; and cupping."""
    ys, xs = np.mgrid[0 : frame.matrix, 0 : frame.matrix].astype(np.float32)
    streaks = np.zeros_like(hu)
    count = int(rng.integers(1, 5)) if level < 0.25 else int(rng.choice([0, 0, 1]))
    for _ in range(count):
        x0, y0 = frame.to_px(rng.normal(0, 15), rng.normal(-15 if level < 0.25 else 0, 20))
        angle = rng.normal(0.0, 0.25) if level < 0.25 else rng.uniform(0, np.pi)
        distance = np.abs((xs - x0) * np.sin(angle) - (ys - y0) * np.cos(angle)) * frame.spacing_mm
        amplitude = rng.uniform(-30.0, -8.0) if rng.random() < 0.7 else rng.uniform(5.0, 12.0)
        streaks += amplitude * np.exp(-((distance / rng.uniform(0.8, 2.5)) ** 2))
    inside = frame.depth < 0
    cupping = rng.uniform(0.0, 5.0) * np.exp(np.minimum(frame.depth, 0) / 10.0)
    return hu + np.where(inside, streaks + cupping, 0.0)


def add_blur_and_noise(hu: np.ndarray, rng) -> np.ndarray:
    """Partial-volume blur, then quantum noise with the fine grain of filtered back-projection."""
    blurred = cv2.GaussianBlur(hu, (0, 0), rng.uniform(0.4, 1.1))
    grain = cv2.GaussianBlur(rng.standard_normal(hu.shape).astype(np.float32), (0, 0), 0.7)
    grain *= rng.uniform(2.5, 7.0) / (grain.std() + 1e-6)
    return np.clip(np.round(blurred + grain), MIN_HU, MAX_HU).astype(np.float32)
