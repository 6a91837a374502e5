"""Decoded PNG/JPEG pixels -> HU, the one reading of a raster slice: the service decodes uploads with it and
training's simulated exports (training.scanner) decode their own files with it, so the two cannot drift apart."""

import cv2
import numpy as np

from core.windowing import PNG16_HU_OFFSET, brain_window_to_hu

# What an input's pixel values mean: a full HU range, or an 8-bit brain window where only 0..80 HU survive.
HU_FORM, BRAIN_WINDOW_FORM = "hu", "brain_window_8bit"


def to_gray(image: np.ndarray) -> np.ndarray:
    """Colour renderings of a grayscale slice (RGB, RGBA, palette) carry the same value in each channel."""
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def raster_to_hu(image: np.ndarray) -> tuple[np.ndarray, str] | None:
    """cv2.IMREAD_UNCHANGED pixels -> (HU float32, form). 8-bit images (any channels) are brain-window renderings;
    16-bit grayscale holds HU + 1024. None for any other pixel type: the caller refuses it."""
    if image.dtype == np.uint8:
        return brain_window_to_hu(to_gray(image)), BRAIN_WINDOW_FORM
    if image.dtype == np.uint16 and image.ndim == 2:
        return image.astype(np.float32) - PNG16_HU_OFFSET, HU_FORM
    return None
