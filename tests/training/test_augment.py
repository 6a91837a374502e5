"""Augmentation in the tf.data pipeline: it moves image and mask together, stays physical, and is off at serving."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from core.dice import dice_score
from core.model_input import to_model_input
from core.resize import resize_image, resize_mask
from core.windowing import BRAIN, WINDOWS, as_brain_window_export
from training.augment import Augmentation, geometric, intensity, jittered_windows, model_input
from training.datasets import load_phantoms

STILL = Augmentation(flip=False, max_rotation_degrees=0.0, scale_range=(1.0, 1.0), max_shift_fraction=0.0)


@pytest.fixture(scope="module")
def phantom():
    return next(load_phantoms(1, seed=4))


def _hu_mask(record):
    hu = resize_image(record.hu, (128, 128))[..., None]
    mask = resize_mask(record.mask, (128, 128)).astype(np.float32)[..., None]
    return tf.constant(hu), tf.constant(mask)


def test_without_augmentation_the_pipeline_input_is_exactly_serving_input(phantom):
    hu = tf.constant(phantom.hu[..., None])
    np.testing.assert_allclose(np.asarray(model_input(hu)), to_model_input(phantom.hu, phantom.hu.shape), atol=1e-6)


def test_a_still_transform_is_the_identity(phantom):
    hu, mask = _hu_mask(phantom)
    moved_hu, moved_mask = geometric(hu, mask, STILL)
    np.testing.assert_allclose(moved_hu.numpy(), hu.numpy(), atol=1e-2)
    np.testing.assert_array_equal(moved_mask.numpy(), mask.numpy())


def test_rotation_and_scale_move_the_mask_with_the_image():
    """An image whose bright region is its mask must keep the two aligned under any transform."""
    yy, xx = np.mgrid[:128, :128]
    mask = ((yy - 50) ** 2 / 400 + (xx - 80) ** 2 / 100 < 1).astype(np.float32)
    hu = np.where(mask > 0, 70.0, 20.0).astype(np.float32)
    tf.random.set_seed(3)
    for _ in range(10):
        moved_hu, moved_mask = geometric(tf.constant(hu[..., None]), tf.constant(mask[..., None]), Augmentation())
        assert dice_score(moved_hu.numpy()[..., 0] > 45.0, moved_mask.numpy()[..., 0] > 0) > 0.95


def test_new_border_pixels_are_the_images_own_air():
    hu = np.full((64, 64, 1), 30.0, np.float32)
    hu[0, 0, 0] = -1000.0  # the image's darkest value
    shifted = dataclasses.replace(STILL, max_shift_fraction=0.5)
    tf.random.set_seed(0)
    moved, _ = geometric(tf.constant(hu), tf.zeros((64, 64, 1)), shifted)
    values = np.unique(np.round(moved.numpy()))
    assert -1000.0 in values and values.max() <= 30.0


def test_intensity_keeps_a_brain_window_source_inside_0_to_80_hu_and_its_black_black(phantom):
    exported = as_brain_window_export(phantom.hu)[..., None]
    strong = dataclasses.replace(Augmentation(), max_noise_sigma=20.0, max_hu_offset=10.0)
    changed = intensity(tf.constant(exported), tf.constant(True), strong).numpy()
    assert changed.min() >= BRAIN.low and changed.max() <= BRAIN.high
    black = exported <= BRAIN.low
    assert (changed[black] == BRAIN.low).all() and not np.allclose(changed[~black], exported[~black])


def test_intensity_leaves_hu_sources_unclipped(phantom):
    changed = intensity(tf.constant(phantom.hu[..., None]), tf.constant(False), Augmentation()).numpy()
    assert changed.min() < -500 and changed.max() > 500


def test_window_jitter_stays_within_its_bounds():
    tf.random.set_seed(1)
    augmentation = Augmentation()
    for _ in range(20):
        for jittered, window in zip(jittered_windows(augmentation), WINDOWS):
            assert abs(float(jittered.center) - window.center) <= augmentation.window_center_jitter + 1e-4
            assert abs(float(jittered.width) / window.width - 1.0) <= augmentation.window_width_jitter + 1e-6
