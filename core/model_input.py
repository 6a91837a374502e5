"""HU slice -> model input. The one preprocessing path for training, evaluation and serving."""

import numpy as np

from core.resize import resize_image
from core.windowing import WINDOWS, Window, window_stack

MODEL_SIZE = (256, 256)


def context_window_stack(hu, windows: tuple[Window, ...] = WINDOWS, xp=np):
    """HU (H, W, K) of K neighbouring slices at model size -> float32 (H, W, 3K).

    Channels run slice by slice (each slice's three windows together), top slice first. K = 1
    gives the plain 2-D stack. `xp` as in core.windowing.window_stack.
    """
    stack = window_stack(hu, windows, xp)  # (H, W, K, 3)
    return xp.reshape(stack, (stack.shape[0], stack.shape[1], -1))


def to_model_input(hu: np.ndarray, size: tuple[int, int] = MODEL_SIZE) -> np.ndarray:
    """HU (H, W) at any matrix -> float32 (size[0], size[1], 3) window stack in [0, 1];
    HU (H, W, K) of neighbouring slices (2.5D) -> (size[0], size[1], 3K).

    Resampling happens in HU, before windowing, so partial volume is averaged in physical units.
    """
    resized = resize_image(hu, size)
    return window_stack(resized) if np.ndim(hu) == 2 else context_window_stack(resized)


def slice_with_context(volume: np.ndarray, index: int, context: int) -> np.ndarray:
    """Slice `index` of a (N, H, W) volume and `context` neighbours each side -> (H, W, 2*context + 1).

    At the ends of the stack the edge slice stands in for the missing neighbour, the usual
    padding for 2.5D models, so a one-slice input repeats itself.
    """
    rows = np.clip(np.arange(index - context, index + context + 1), 0, len(volume) - 1)
    return np.moveaxis(volume[rows], 0, -1)


def stack_slice_input(volume: np.ndarray, index: int, context: int, size: tuple[int, int] = MODEL_SIZE) -> np.ndarray:
    """Model input for slice `index` of a (N, H, W) HU stack: the plain 2-D stack when context is 0,
    else the slice and its neighbours (2.5D). A lone slice is a stack of one."""
    hu = volume[index] if context == 0 else slice_with_context(volume, index, context)
    return to_model_input(hu, size)


def stack_inputs(slices, context: int, size: tuple[int, int] = MODEL_SIZE) -> np.ndarray:
    """HU slices of one stack, in stack order -> (N, size[0], size[1], C) model inputs.

    Without context each slice is taken alone, so the slices may differ in matrix; with context
    they must share one, since each slice takes its neighbours from the stacked volume."""
    volume = np.stack(slices) if context else list(slices)
    return np.stack([stack_slice_input(volume, i, context, size) for i in range(len(volume))])
