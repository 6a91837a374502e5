"""Small test images built in code."""

import cv2
import numpy as np

HEIGHT, WIDTH = 96, 128
BLEED = (slice(30, 60), slice(40, 90))


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


def brain_window_slice() -> np.ndarray:
    """8-bit brain-window rendering: parenchyma at ~30 HU, a bleed block at 80 HU."""
    image = np.full((HEIGHT, WIDTH), 96, np.uint8)
    image[BLEED] = 255
    return image


def hu_slice_16bit() -> np.ndarray:
    """16-bit PNG convention: HU + 1024. Air, parenchyma and a 75 HU bleed."""
    hu = np.full((HEIGHT, WIDTH), -1000, np.int32)
    hu[10:-10, 10:-10] = 30
    hu[BLEED] = 75
    return (hu + 1024).astype(np.uint16)
