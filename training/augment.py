"""Training-time augmentation, as TensorFlow ops that run inside the tf.data pipeline.

Each function takes one example (HU (H, W, K) at model size and its mask (H, W, 1)). Geometry and
noise act on HU, before windowing, because that is where scanners differ; the window jitter then
goes through core.windowing's own formula. Serving never sees any of it.
"""

import math
from dataclasses import dataclass

from core.model_input import context_window_stack
from core.windowing import BRAIN, WINDOWS, Window


@dataclass(frozen=True)
class Augmentation:
    flip: bool = True  # left-right: hemorrhage has no preferred side
    max_rotation_degrees: float = 12.0  # head tilt in the gantry
    scale_range: tuple[float, float] = (0.9, 1.1)  # head size and field of view
    max_shift_fraction: float = 0.04  # head off the gantry centre
    hu_scale_sigma: float = 0.02  # calibration gain between scanners
    max_hu_offset: float = 4.0  # calibration offset (water drifts a few HU)
    window_center_jitter: float = 3.0  # HU, per window
    window_width_jitter: float = 0.06  # fraction of the width, per window
    max_noise_sigma: float = 6.0  # HU: dose and kernel differ between protocols


def inverse_affine(angle, scale, shift, height: int, width: int, xp=math) -> tuple:
    """A rotation by `angle` (radians), a zoom by `scale` and a `shift` (x, y pixels) about the image centre, as the
    map from output pixel to input pixel: (a0, a1, a2, b0, b1, b2) with x_in = a0 x + a1 y + a2 and
    y_in = b0 x + b1 y + b2. One formula for both augmentations (this module's and training.augment_arrays)."""
    cos, sin = xp.cos(angle) / scale, xp.sin(angle) / scale
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    return cos, -sin, cx - cos * cx + sin * cy + shift[0], sin, cos, cy - sin * cx - cos * cy + shift[1]


def _affine(tf, height: int, width: int, augmentation: Augmentation):
    """A random rotation, scale and shift about the image centre, as the 8-vector that
    ImageProjectiveTransformV3 takes (output pixel -> input pixel)."""
    angle = tf.random.uniform((), -1.0, 1.0) * math.radians(augmentation.max_rotation_degrees)
    scale = tf.random.uniform((), *augmentation.scale_range)
    shift = tf.random.uniform((2,), -1.0, 1.0) * augmentation.max_shift_fraction * [width, height]
    return tf.stack([*inverse_affine(angle, scale, shift, height, width, tf.math), 0.0, 0.0])


def geometric(hu, mask, augmentation: Augmentation):
    """Flip, rotate, scale and shift HU and mask together; new border pixels are the image's air."""
    import tensorflow as tf

    if augmentation.flip:
        flip = tf.random.uniform(()) < 0.5
        hu = tf.where(flip, tf.reverse(hu, axis=[1]), hu)
        mask = tf.where(flip, tf.reverse(mask, axis=[1]), mask)
    height, width, slices = hu.shape
    air = tf.reduce_min(hu)  # -1000-ish for HU, 0 for an 8-bit brain-window source
    joined = tf.concat([hu - air, mask], axis=-1)[None]
    moved = tf.raw_ops.ImageProjectiveTransformV3(
        images=joined,
        transforms=_affine(tf, height, width, augmentation)[None],
        output_shape=[height, width],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )[0]
    return moved[..., :slices] + air, tf.cast(moved[..., slices:] >= 0.5, tf.float32)


def rescan(hu, brain_window, gain, offset, noise, xp):
    """Scanner gain and offset, then quantum noise (HU, hu's shape). A brain-window source is clipped again to
    0..80 HU, as its 8-bit export would have done after the scanner; pixels it had already clipped to black (air,
    fat, much of the CSF) stay black, as they would have. One formula for both augmentations; `xp` is numpy or
    tensorflow.experimental.numpy."""
    changed = hu * gain + offset + noise
    exported = xp.where(hu <= BRAIN.low, BRAIN.low, xp.clip(changed, BRAIN.low, BRAIN.high))
    return xp.where(brain_window, exported, changed)


def jitter(window: Window, centre_draw, width_draw, augmentation: Augmentation) -> Window:
    """`window` moved by draws in [-1, 1]: its centre by up to the centre jitter, its width by up to the width's."""
    centre = window.center + centre_draw * augmentation.window_center_jitter
    return Window(window.name, centre, window.width * (1.0 + width_draw * augmentation.window_width_jitter))


def intensity(hu, brain_window, augmentation: Augmentation):
    """rescan with a random gain, offset and noise level."""
    import tensorflow as tf
    import tensorflow.experimental.numpy as tnp

    gain = 1.0 + tf.random.normal(()) * augmentation.hu_scale_sigma
    offset = tf.random.uniform((), -1.0, 1.0) * augmentation.max_hu_offset
    sigma = tf.random.uniform(()) * augmentation.max_noise_sigma
    return rescan(hu, brain_window, gain, offset, tf.random.normal(tf.shape(hu)) * sigma, tnp)


def jittered_windows(augmentation: Augmentation) -> tuple[Window, ...]:
    import tensorflow as tf

    def draw():
        return tf.random.uniform((), -1.0, 1.0)

    return tuple(jitter(w, draw(), draw(), augmentation) for w in WINDOWS)


def model_input(hu, augmentation: Augmentation | None = None):
    """HU (H, W, K) -> the (H, W, 3K) window stack, through core's one windowing formula."""
    import tensorflow.experimental.numpy as tnp

    windows = WINDOWS if augmentation is None else jittered_windows(augmentation)
    return context_window_stack(hu, windows, xp=tnp)


def augment_hu(example: dict, augmentation: Augmentation | None):
    """A parsed shard example -> (HU, mask), augmented when `augmentation` is given."""
    hu, mask = example["hu"], example["mask"]
    if augmentation is not None:
        hu, mask = geometric(hu, mask, augmentation)
        hu = intensity(hu, example["brain_window"], augmentation)
    return hu, mask
