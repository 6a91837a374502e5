"""training.augment's augmentation for HU arrays in memory, in numpy and OpenCV, for the path without TensorFlow
(training.fit_in_memory on the GPU machine). The same draws as training.augment, one sample at a time: flip, rotation,
scale and shift, scanner gain, offset and noise, then core's windowing with jittered windows, each on
training.augment's own formula (inverse_affine, rescan, jitter).
"""

import math

import cv2
import numpy as np

from core.model_input import context_window_stack
from core.windowing import WINDOWS, Window
from training.augment import Augmentation, inverse_affine, jitter, rescan


def warp(image: np.ndarray, angle: float, scale: float, shift, fill: float) -> np.ndarray:
    """(H, W, K) float32 moved as training.augment moves it (bilinear, output pixel -> input pixel); new pixels
    `fill`."""
    height, width = image.shape[:2]
    matrix = np.array(inverse_affine(angle, scale, shift, height, width), np.float64).reshape(2, 3)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    moved = cv2.warpAffine(
        image, matrix, (width, height), flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=fill
    )
    return moved.reshape(image.shape)


def geometric(hu: np.ndarray, mask: np.ndarray | None, augmentation: Augmentation, rng: np.random.Generator):
    """Flip, rotate, scale and shift HU (H, W, K) and mask (H, W, 1) together; new border pixels are the image's air.
    A classifier's batch needs no mask: None is passed through, unmoved."""
    if augmentation.flip and rng.random() < 0.5:
        hu, mask = hu[:, ::-1], (None if mask is None else mask[:, ::-1])
    height, width = hu.shape[:2]
    angle = rng.uniform(-1.0, 1.0) * math.radians(augmentation.max_rotation_degrees)
    scale = rng.uniform(*augmentation.scale_range)
    shift = rng.uniform(-1.0, 1.0, 2) * augmentation.max_shift_fraction * np.array([width, height])
    air = float(hu.min())  # -1000-ish for HU, 0 for an 8-bit brain-window source
    moved = warp(np.ascontiguousarray(hu, np.float32), angle, scale, shift, air)
    if mask is None:
        return moved, None
    moved_mask = warp(np.ascontiguousarray(mask, np.float32), angle, scale, shift, 0.0)
    return moved, (moved_mask >= 0.5).astype(np.float32)


def intensity(hu: np.ndarray, brain_window: bool, augmentation: Augmentation, rng: np.random.Generator) -> np.ndarray:
    """training.augment.rescan with a random gain, offset and noise level."""
    gain = 1.0 + rng.standard_normal() * augmentation.hu_scale_sigma
    offset = rng.uniform(-1.0, 1.0) * augmentation.max_hu_offset
    noise = rng.standard_normal(hu.shape, np.float32) * (rng.random() * augmentation.max_noise_sigma)
    return rescan(hu, brain_window, gain, offset, noise, np).astype(np.float32)


def jittered_windows(augmentation: Augmentation, rng: np.random.Generator) -> tuple[Window, ...]:
    return tuple(jitter(w, rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0), augmentation) for w in WINDOWS)


def augmented_input(hu, mask, brain_window: bool, augmentation: Augmentation | None, rng: np.random.Generator):
    """One sample's HU (H, W, K) and mask (or None) -> its (H, W, 3K) model input and mask, augmented when
    `augmentation` is given (training.augment.augment_hu, then model_input)."""
    hu, mask = np.asarray(hu, np.float32), (None if mask is None else np.asarray(mask, np.float32))
    if augmentation is None:
        return context_window_stack(hu), mask
    hu, mask = geometric(hu, mask, augmentation, rng)
    hu = intensity(hu, brain_window, augmentation, rng)
    return context_window_stack(hu, jittered_windows(augmentation, rng)), mask
