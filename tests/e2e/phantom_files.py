"""Phantoms written as the files that callers send: 16-bit HU PNG and 8-bit brain-window PNG."""

import base64

import cv2
import httpx
import numpy as np

from core.windowing import PNG16_HU_OFFSET, hu_to_brain_window_pixels


def hu_png(hu: np.ndarray) -> bytes:
    return cv2.imencode(".png", np.clip(hu + PNG16_HU_OFFSET, 0, 65535).astype(np.uint16))[1].tobytes()


def brain_window_png(hu: np.ndarray) -> bytes:
    return cv2.imencode(".png", hu_to_brain_window_pixels(hu))[1].tobytes()


def mask_png(mask: np.ndarray) -> bytes:
    return cv2.imencode(".png", mask.astype(np.uint8) * 255)[1].tobytes()


def predict(base: str, image: bytes, reference: bytes | None = None) -> dict:
    files = {"image": ("slice.png", image)}
    if reference is not None:
        files["reference_mask"] = ("mask.png", reference)
    response = httpx.post(f"{base}/v1/predict", files=files, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def decoded_mask(body: dict) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(base64.b64decode(body["mask_png_base64"]), np.uint8), cv2.IMREAD_UNCHANGED) > 0
