"""Mask encoding alone: the 1-bit PNG the service writes against the 8-bit PNG it wrote before.

`python -m bench.mask_png` encodes a phantom's 512x512 mask both ways, interleaved, and prints ms per
encode (median, min-max) and the ratio, measured in the same run.
"""

import json
import time

import cv2
import numpy as np

from app.pipeline.encode.mask_png import mask_to_png
from training.phantoms.generator import generate_phantom

ROUNDS, CALLS = 7, 50


def eight_bit(mask: np.ndarray) -> bytes:
    """The previous encoder: 8-bit greyscale, zlib level 1."""
    return cv2.imencode(".png", np.where(mask, 255, 0).astype(np.uint8), [cv2.IMWRITE_PNG_COMPRESSION, 1])[1].tobytes()


def _ms(encode, mask) -> float:
    started = time.perf_counter()
    for _ in range(CALLS):
        encode(mask)
    return (time.perf_counter() - started) * 1000 / CALLS


def main() -> None:
    mask = generate_phantom(5, matrix=512, positive=True).mask
    times = {"8-bit": [], "1-bit": []}
    for _ in range(ROUNDS):
        times["8-bit"].append(_ms(eight_bit, mask))
        times["1-bit"].append(_ms(mask_to_png, mask))
    ratios = [a / b for a, b in zip(times["8-bit"], times["1-bit"])]
    summary = {
        name: {"median_ms": round(float(np.median(t)), 3), "min_ms": round(min(t), 3), "max_ms": round(max(t), 3)}
        for name, t in times.items()
    }
    summary["bytes"] = {"8-bit": len(eight_bit(mask)), "1-bit": len(mask_to_png(mask))}
    summary["ratio_8bit_over_1bit"] = {
        "median": round(float(np.median(ratios)), 2),
        "min": round(min(ratios), 2),
        "max": round(max(ratios), 2),
    }
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
