import numpy as np

from core.model_input import MODEL_SIZE, to_model_input
from core.resize import resize_image, resize_mask
from core.windowing import (
    BONE,
    BRAIN,
    SUBDURAL,
    apply_window,
    as_brain_window_export,
    brain_window_to_hu,
    hu_to_brain_window_pixels,
    window_stack,
)


def test_brain_window_maps_0_to_80_hu_onto_unit_range():
    hu = np.array([-100.0, 0.0, 40.0, 80.0, 1000.0])
    np.testing.assert_allclose(apply_window(hu, BRAIN), [0.0, 0.0, 0.5, 1.0, 1.0])


def test_window_stack_channels_are_brain_subdural_bone():
    hu = np.full((2, 2), 80.0)
    stack = window_stack(hu)
    assert stack.shape == (2, 2, 3) and stack.dtype == np.float32
    np.testing.assert_allclose(stack[0, 0], [1.0, (80 - SUBDURAL.low) / 200, (80 - BONE.low) / 2800], rtol=1e-6)


def test_brain_window_round_trip_keeps_0_to_80_hu_within_quantisation():
    hu = np.linspace(0, 80, 50, dtype=np.float32)
    assert np.abs(as_brain_window_export(hu) - hu).max() <= 80 / 255 / 2 + 1e-4


def test_brain_window_export_clips_blood_and_bone_to_80_hu():
    assert as_brain_window_export(np.array([1500.0]))[0] == 80.0
    assert as_brain_window_export(np.array([-1000.0]))[0] == 0.0


def test_pixels_map_back_to_hu():
    np.testing.assert_allclose(brain_window_to_hu(np.array([0, 255])), [0.0, 80.0])
    assert hu_to_brain_window_pixels(np.array([40.0]))[0] in (127, 128)


def test_resize_keeps_constant_images_constant():
    image = np.full((512, 512), 37.0, np.float32)
    out = resize_image(image, (256, 256))
    assert out.shape == (256, 256)
    np.testing.assert_allclose(out, 37.0)


def test_resize_mask_round_trip_preserves_a_block():
    mask = np.zeros((512, 512), bool)
    mask[100:200, 300:400] = True
    back = resize_mask(resize_mask(mask, (256, 256)), (512, 512))
    assert back.shape == (512, 512)
    assert (back ^ mask).sum() < 0.05 * mask.sum()


def test_model_input_has_model_size_and_unit_range():
    hu = np.random.default_rng(0).uniform(-1000, 2000, (300, 200)).astype(np.float32)
    x = to_model_input(hu)
    assert x.shape == (*MODEL_SIZE, 3)
    assert x.min() >= 0.0 and x.max() <= 1.0
