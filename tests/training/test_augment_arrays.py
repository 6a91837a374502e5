"""training.augment_arrays, the numpy twin of training.augment for the path without TensorFlow: the same transform
as the tf.data pipeline's, image and mask moved together, intensities kept physical, off means serving's input."""

import dataclasses
import math

import numpy as np
import pytest
import tensorflow as tf

from core.dice import dice_score
from core.model_input import to_model_input
from core.windowing import BRAIN, WINDOWS, as_brain_window_export
from training.augment import Augmentation, inverse_affine
from training.augment_arrays import augmented_input, geometric, intensity, jittered_windows, warp
from training.datasets import load_phantoms


@pytest.fixture(scope="module")
def phantom():
    return next(load_phantoms(1, seed=4))


def test_warp_moves_pixels_as_the_tf_pipeline_does():
    yy, xx = np.mgrid[:96, :96]
    image = (np.sin(xx / 7.0) + np.cos(yy / 5.0)).astype(np.float32)[..., None]
    angle, scale, shift = math.radians(9.0), 1.07, (3.0, -2.0)
    transform = tf.stack([*inverse_affine(angle, scale, shift, 96, 96, tf.math), 0.0, 0.0])[None]
    expected = tf.raw_ops.ImageProjectiveTransformV3(
        images=image[None],
        transforms=tf.cast(transform, tf.float32),
        output_shape=[96, 96],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )[0].numpy()
    moved = warp(image, angle, scale, shift, 0.0)
    inner = (slice(8, -8), slice(8, -8))  # the borders differ in how each library blends with the fill
    np.testing.assert_allclose(moved[inner], expected[inner], atol=1e-3)


def test_without_augmentation_the_input_is_exactly_serving_input(phantom):
    image, _ = augmented_input(phantom.hu[..., None], np.zeros(phantom.hu.shape + (1,)), False, None, None)
    np.testing.assert_allclose(image, to_model_input(phantom.hu, phantom.hu.shape), atol=1e-6)


def test_rotation_and_scale_move_the_mask_with_the_image():
    yy, xx = np.mgrid[:128, :128]
    mask = ((yy - 50) ** 2 / 400 + (xx - 80) ** 2 / 100 < 1).astype(np.float32)
    hu = np.where(mask > 0, 70.0, 20.0).astype(np.float32)
    rng = np.random.default_rng(3)
    moved_somewhere = False
    for _ in range(10):
        moved_hu, moved_mask = geometric(hu[..., None], mask[..., None], Augmentation(), rng)
        assert dice_score(moved_hu[..., 0] > 45.0, moved_mask[..., 0] > 0) > 0.95
        moved_somewhere |= dice_score(moved_mask[..., 0] > 0, mask > 0) < 0.9
    assert moved_somewhere


def test_new_border_pixels_are_the_images_own_air():
    hu = np.full((64, 64, 1), 30.0, np.float32)
    hu[0, 0, 0] = -1000.0
    still = Augmentation(flip=False, max_rotation_degrees=0.0, scale_range=(1.0, 1.0), max_shift_fraction=0.5)
    moved, _ = geometric(hu, np.zeros((64, 64, 1), np.float32), still, np.random.default_rng(0))
    values = np.unique(np.round(moved))
    assert -1000.0 in values and values.max() <= 30.0 and (moved == -1000.0).sum() > 64


def test_intensity_keeps_a_brain_window_source_inside_0_to_80_hu_and_its_black_black(phantom):
    exported = as_brain_window_export(phantom.hu)[..., None]
    strong = dataclasses.replace(Augmentation(), max_noise_sigma=20.0, max_hu_offset=10.0)
    changed = intensity(exported, True, strong, np.random.default_rng(1))
    assert changed.min() >= BRAIN.low and changed.max() <= BRAIN.high
    black = exported <= BRAIN.low
    assert (changed[black] == BRAIN.low).all() and not np.allclose(changed[~black], exported[~black])


def test_intensity_leaves_hu_sources_unclipped(phantom):
    changed = intensity(phantom.hu[..., None], False, Augmentation(), np.random.default_rng(2))
    assert changed.min() < -500 and changed.max() > 500 and not np.allclose(changed, phantom.hu[..., None])


def test_window_jitter_stays_within_its_bounds_and_varies():
    rng, augmentation = np.random.default_rng(5), Augmentation()
    centres = set()
    for _ in range(20):
        for jittered, window in zip(jittered_windows(augmentation, rng), WINDOWS):
            assert abs(jittered.center - window.center) <= augmentation.window_center_jitter
            assert abs(jittered.width / window.width - 1.0) <= augmentation.window_width_jitter
            centres.add(round(jittered.center, 6))
    assert len(centres) > 20


def test_without_a_mask_the_image_moves_as_it_would_with_one(phantom):
    hu = phantom.hu[..., None].astype(np.float32)
    with_mask, _ = geometric(hu, np.zeros_like(hu), Augmentation(), np.random.default_rng(7))
    alone, mask = geometric(hu, None, Augmentation(), np.random.default_rng(7))
    assert mask is None
    np.testing.assert_array_equal(alone, with_mask)
