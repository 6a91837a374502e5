"""HU slice -> model input. The one preprocessing path for training, evaluation and serving."""

import numpy as np

from core.resize import resize_image
from core.windowing import window_stack

MODEL_SIZE = (256, 256)


def to_model_input(hu: np.ndarray, size: tuple[int, int] = MODEL_SIZE) -> np.ndarray:
    """HU (H, W) at any matrix -> float32 (size[0], size[1], 3) window stack in [0, 1].

    Resampling happens in HU, before windowing, so partial volume is averaged in physical units.
    """
    return window_stack(resize_image(hu, size))
