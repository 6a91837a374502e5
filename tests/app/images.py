"""Small test images built in code."""

import cv2
import numpy as np

HEIGHT, WIDTH = 96, 128
BLEED = (slice(30, 60), slice(40, 90))
# A skull ring round the brain, so that the slice is assessed: without a spacing the service takes the image
# as a 240 mm field of view (1.9 mm a pixel), making this a ~300 cm² brain section.
SKULL = (slice(4, HEIGHT - 4), slice(4, WIDTH - 4))
BRAIN = (slice(8, HEIGHT - 8), slice(8, WIDTH - 8))


def png(array: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".png", array)
    assert ok
    return buffer.tobytes()


def jpeg(array: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".jpg", array, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return buffer.tobytes()


def bleed_mask() -> np.ndarray:
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[BLEED] = True
    return mask


def textured_brain(shape: tuple[int, int], mean: float, spread: float) -> np.ndarray:
    """Brain with grey/white texture (a fixed seed), as a real brain window shows it."""
    return np.random.default_rng(0).normal(mean, spread, shape)


def brain_window_slice() -> np.ndarray:
    """8-bit brain-window rendering: air, a saturated skull, parenchyma at ~30 HU and a bleed block at ~75 HU."""
    image = np.zeros((HEIGHT, WIDTH), np.uint8)
    image[SKULL] = 255
    image[BRAIN] = np.clip(textured_brain((HEIGHT - 16, WIDTH - 16), 96, 12), 40, 150)
    image[BLEED] = 240  # 75 HU: blood, below the 79 HU where an export counts as bone
    return image


def hu_slice_16bit() -> np.ndarray:
    """16-bit PNG convention: HU + 1024. Air, skull, parenchyma and a 75 HU bleed."""
    hu = np.full((HEIGHT, WIDTH), -1000, np.int32)
    hu[SKULL] = 1000
    hu[BRAIN] = 30
    hu[BLEED] = 75
    return (hu + 1024).astype(np.uint16)
