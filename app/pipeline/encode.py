"""Masks -> PNG bytes (0/255, single channel) at the input's own resolution."""

import base64

import cv2
import numpy as np


def mask_to_png(mask: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".png", np.where(mask, 255, 0).astype(np.uint8), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return buffer.tobytes()


def png_base64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")
