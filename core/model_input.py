"""HU slice -> model input. The one preprocessing path for training, evaluation and serving."""

import typing
from typing import Literal

import cv2
import numpy as np

from core.intracranial import bone_mask, estimate_spacing_mm, intracranial_mask, is_brain_window_export
from core.resize import resize_image
from core.windowing import AIR_HU, BRAIN, WINDOWS, Window, window_stack

MODEL_SIZE = (256, 256)
# What a model sees of the slice: all of it; only the space inside the skull; or the cranium, that space with the
# bone that walls it. The rest is set to the image's floor. Confined, a model cannot learn the face, sinuses, scalp or
# skull base soft tissue of its training heads, and so cannot be misled by a real patient's, which phantoms render
# least faithfully. The cranium keeps the inner table beside an extra-axial bleed: an epidural lens against bone is a
# bleed, the same lens against air would be scalp.
Confinement = Literal["none", "intracranial", "cranium"]
CONFINEMENTS: tuple[Confinement, ...] = typing.get_args(Confinement)
NO_CONFINEMENT: Confinement = "none"
# The skull kept around the intracranial space: the vault's tables and diploe are 4-8 mm thick in adults.
SKULL_BAND_MM = 6.0


def _skull_band(inside: np.ndarray, hu: np.ndarray, pixel_mm: float, band_mm: float) -> np.ndarray:
    """Bone within `band_mm` of the intracranial space `inside`."""
    diameter = 2 * round(band_mm / pixel_mm) + 1
    near = cv2.dilate(inside.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter)))
    return near.astype(bool) & bone_mask(hu)


def confine(hu: np.ndarray, confinement: Confinement, skull_band_mm: float = SKULL_BAND_MM) -> np.ndarray:
    """HU (H, W) or (H, W, K) at model size -> the same with everything a `confinement` leaves out of each slice set
    to air (AIR_HU), or to the window's floor for an 8-bit brain-window export, whose air is 0 HU. `skull_band_mm`:
    how far the cranium reaches past the intracranial space (studies only; models are served with the default)."""
    if confinement == NO_CONFINEMENT:
        return hu
    if np.ndim(hu) == 3:
        return np.stack([confine(hu[..., k], confinement, skull_band_mm) for k in range(hu.shape[-1])], axis=-1)
    hu = np.asarray(hu, np.float32)
    floor = BRAIN.low if is_brain_window_export(hu) else AIR_HU
    return np.where(confinement_mask(hu, confinement, skull_band_mm), hu, np.float32(floor))


def confinement_mask(hu: np.ndarray, confinement: Confinement, skull_band_mm: float = SKULL_BAND_MM) -> np.ndarray:
    """bool (H, W): the pixels of one HU slice at model size that `confinement` keeps."""
    hu = np.asarray(hu, np.float32)
    if confinement == NO_CONFINEMENT:
        return np.ones(hu.shape, bool)
    pixel_mm = estimate_spacing_mm(hu)  # a slice at model size no longer has the file's pixel spacing
    keep = intracranial_mask(hu, (pixel_mm, pixel_mm))
    if confinement == "cranium":
        keep |= _skull_band(keep, hu, pixel_mm, skull_band_mm)
    return keep


def context_window_stack(hu, windows: tuple[Window, ...] = WINDOWS, xp=np):
    """HU (H, W, K) of K neighbouring slices at model size -> float32 (H, W, 3K).

    Channels run slice by slice (each slice's three windows together), top slice first. K = 1
    gives the plain 2-D stack. `xp` as in core.windowing.window_stack.
    """
    stack = window_stack(hu, windows, xp)  # (H, W, K, 3)
    return xp.reshape(stack, (stack.shape[0], stack.shape[1], -1))


def to_model_input(
    hu: np.ndarray, size: tuple[int, int] = MODEL_SIZE, confinement: Confinement = NO_CONFINEMENT
) -> np.ndarray:
    """HU (H, W) at any matrix -> float32 (size[0], size[1], 3) window stack in [0, 1];
    HU (H, W, K) of neighbouring slices (2.5D) -> (size[0], size[1], 3K).

    Resampling happens in HU, before windowing, so partial volume is averaged in physical units. Confinement acts on
    the resized HU, so training (which stores slices at model size) and serving find the same intracranial space.
    """
    resized = confine(resize_image(hu, size), confinement)
    return window_stack(resized) if np.ndim(hu) == 2 else context_window_stack(resized)


def slice_with_context(volume: np.ndarray, index: int, context: int) -> np.ndarray:
    """Slice `index` of a (N, H, W) volume and `context` neighbours each side -> (H, W, 2*context + 1).

    At the ends of the stack the edge slice stands in for the missing neighbour, the usual
    padding for 2.5D models, so a one-slice input repeats itself.
    """
    rows = np.clip(np.arange(index - context, index + context + 1), 0, len(volume) - 1)
    return np.moveaxis(volume[rows], 0, -1)


def stack_slice_input(
    volume: np.ndarray,
    index: int,
    context: int,
    size: tuple[int, int] = MODEL_SIZE,
    confinement: Confinement = NO_CONFINEMENT,
) -> np.ndarray:
    """Model input for slice `index` of a (N, H, W) HU stack: the plain 2-D stack when context is 0,
    else the slice and its neighbours (2.5D). A lone slice is a stack of one."""
    hu = volume[index] if context == 0 else slice_with_context(volume, index, context)
    return to_model_input(hu, size, confinement)


def stack_inputs(
    slices, context: int, size: tuple[int, int] = MODEL_SIZE, confinement: Confinement = NO_CONFINEMENT
) -> np.ndarray:
    """HU slices of one stack, in stack order -> (N, size[0], size[1], C) model inputs.

    Without context each slice is taken alone, so the slices may differ in matrix; with context
    they must share one, since each slice takes its neighbours from the stacked volume."""
    volume = np.stack(slices) if context else list(slices)
    return np.stack([stack_slice_input(volume, i, context, size, confinement) for i in range(len(volume))])
