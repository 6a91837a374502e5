"""HU windowing: the three-window stack that both models take as input."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Window:
    name: str
    center: float
    width: float

    @property
    def low(self) -> float:
        return self.center - self.width / 2

    @property
    def high(self) -> float:
        return self.center + self.width / 2


# The RSNA 2019 winners' stack: brain, subdural, and a wide bone window.
BRAIN = Window("brain", 40.0, 80.0)
SUBDURAL = Window("subdural", 80.0, 200.0)
BONE = Window("bone", 600.0, 2800.0)
WINDOWS: tuple[Window, ...] = (BRAIN, SUBDURAL, BONE)

AIR_HU = -1000.0
# 16-bit PNGs carry HU + this offset, the convention of most CT exporters.
PNG16_HU_OFFSET = 1024


def apply_window(hu: np.ndarray, window: Window, xp=np) -> np.ndarray:
    """Map HU to [0, 1] through one window; float32, same shape.

    `xp` is the array namespace: numpy when serving, tensorflow.experimental.numpy inside the
    training tf.data pipeline, so both run this one formula.
    """
    scaled = (xp.asarray(hu, dtype=xp.float32) - window.low) / window.width
    return xp.clip(scaled, 0.0, 1.0)


def window_stack(hu: np.ndarray, windows: tuple[Window, ...] = WINDOWS, xp=np) -> np.ndarray:
    """HU image (H, W) or batch (N, H, W) -> float32 (..., H, W, 3) in [0, 1].

    Training passes jittered copies of WINDOWS (augmentation); serving always uses WINDOWS.
    """
    return xp.stack([apply_window(hu, w, xp) for w in windows], axis=-1)


def brain_window_to_hu(pixels: np.ndarray, max_value: float = 255.0) -> np.ndarray:
    """Undo an 8-bit brain-window export: 0 -> 0 HU, max -> 80 HU.

    Everything outside 0..80 HU was clipped by the exporter and cannot be recovered.
    """
    return np.asarray(pixels, dtype=np.float32) * (BRAIN.width / max_value) + BRAIN.low


def hu_to_brain_window_pixels(hu: np.ndarray) -> np.ndarray:
    """Render HU as the 8-bit brain-window image that PACS exports and JPEG datasets hold."""
    return np.round(apply_window(hu, BRAIN) * 255.0).astype(np.uint8)


def as_brain_window_export(hu: np.ndarray) -> np.ndarray:
    """HU as it arrives after a round trip through an 8-bit brain-window PNG."""
    return brain_window_to_hu(hu_to_brain_window_pixels(hu))
