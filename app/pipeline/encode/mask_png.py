"""Masks -> PNG bytes at the input's own resolution.

A mask is binary, so it is written as a 1-bit greyscale PNG: black background, white hemorrhage.
Decoders expand it to 0/255 (OpenCV, browsers, PIL's "L" mode) or to booleans (PIL's "1" mode).
It encodes about 3.4 times faster than an 8-bit PNG and is smaller (python -m bench.mask_png).
"""

import base64

import cv2
import numpy as np


def mask_to_png(mask: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".png", np.where(mask, 255, 0).astype(np.uint8), [cv2.IMWRITE_PNG_BILEVEL, 1])
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return buffer.tobytes()


def png_base64(data: bytes) -> str:
    """Base64 text for any bytes in a JSON answer (PNG, NIfTI)."""
    return base64.b64encode(data).decode("ascii")
