"""Resizing between an image's own matrix and the models' fixed input size."""

import cv2
import numpy as np


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a float image (H, W) or (H, W, C) to size=(height, width).

    Area averaging when shrinking keeps thin bright structures (SAH, falx) as partial
    volume rather than aliasing them away; bilinear when enlarging.
    """
    height, width = size
    if image.shape[:2] == (height, width):
        return np.asarray(image, dtype=np.float32)
    shrinking = height * width < image.shape[0] * image.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    resized = cv2.resize(np.asarray(image, dtype=np.float32), (width, height), interpolation=interpolation)
    # OpenCV drops a single channel axis; keep the caller's rank.
    return resized[..., None] if image.ndim == 3 and resized.ndim == 2 else resized


def resize_mask(mask: np.ndarray, size: tuple[int, int], threshold: float = 0.5) -> np.ndarray:
    """Resize a binary or probability mask (H, W) and threshold it -> bool. A segmenter's probabilities take
    the threshold its card states (ModelCard.mask_threshold)."""
    return resize_image(np.asarray(mask, dtype=np.float32), size) >= threshold
