"""2.5D input: neighbouring slices stacked as channels by the same windowing that 2-D input uses."""

import numpy as np
import pytest
import tensorflow.experimental.numpy as tnp

from core.model_input import (
    context_window_stack,
    slice_with_context,
    stack_inputs,
    stack_slice_input,
    to_model_input,
)
from core.windowing import WINDOWS, window_stack


def _volume(slices=4, size=40, seed=0):
    return np.random.default_rng(seed).uniform(-1000, 1500, (slices, size, size)).astype(np.float32)


def test_slice_with_context_takes_neighbours_and_repeats_the_edges():
    volume = np.arange(4, dtype=np.float32)[:, None, None] * np.ones((4, 2, 2), np.float32)
    assert slice_with_context(volume, 1, 1)[0, 0].tolist() == [0, 1, 2]
    assert slice_with_context(volume, 0, 1)[0, 0].tolist() == [0, 0, 1]
    assert slice_with_context(volume, 3, 2)[0, 0].tolist() == [1, 2, 3, 3, 3]


def test_context_channels_are_each_slices_own_window_stack_in_order():
    volume = _volume()
    stacked = stack_slice_input(volume, 2, 1, (32, 32))
    assert stacked.shape == (32, 32, 9)
    for k, index in enumerate((1, 2, 3)):
        np.testing.assert_allclose(stacked[..., 3 * k : 3 * k + 3], to_model_input(volume[index], (32, 32)), atol=1e-6)


def test_stack_inputs_is_each_slice_input_in_stack_order():
    volume = _volume()
    inputs = stack_inputs(list(volume), 1, (32, 32))
    assert inputs.shape == (4, 32, 32, 9) and inputs.dtype == np.float32
    for index in range(4):
        np.testing.assert_array_equal(inputs[index], stack_slice_input(volume, index, 1, (32, 32)))


def test_stack_inputs_without_context_takes_slices_of_any_matrix():
    slices = [_volume(1, 40)[0], _volume(1, 24, seed=1)[0]]
    inputs = stack_inputs(slices, 0, (32, 32))
    assert inputs.shape == (2, 32, 32, 3)
    np.testing.assert_array_equal(inputs[1], to_model_input(slices[1], (32, 32)))


def test_zero_context_is_the_plain_2d_input():
    volume = _volume()
    np.testing.assert_array_equal(stack_slice_input(volume, 1, 0, (32, 32)), to_model_input(volume[1], (32, 32)))


def test_a_single_channel_stack_keeps_its_channel_axis():
    volume = _volume(slices=1)
    assert to_model_input(np.moveaxis(volume, 0, -1), (20, 20)).shape == (20, 20, 3)


@pytest.mark.parametrize("shape", [(16, 16), (16, 16, 3)])
def test_tensorflow_numpy_runs_the_same_windowing_formula(shape):
    hu = np.random.default_rng(1).uniform(-1200, 3000, shape).astype(np.float32)
    ours = window_stack(hu) if len(shape) == 2 else context_window_stack(hu)
    theirs = window_stack(hu, WINDOWS, xp=tnp) if len(shape) == 2 else context_window_stack(hu, WINDOWS, xp=tnp)
    np.testing.assert_allclose(np.asarray(theirs), ours, atol=1e-6)
