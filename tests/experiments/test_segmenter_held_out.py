"""experiments.segmenter_held_out: masks scored as the answer gives them, only on the slices the classifier flags."""

import numpy as np
import pytest

from experiments.segmenter_held_out import gated_metrics
from training.phantom_data import ArraySet

SIZE = 8


def _slices():
    """Four slices: two bleeding (a 2 x 2 square), two normal; `segment` paints the square on every slice but the
    second normal one, where it paints a 3 x 3 square, so each normal slice carries a false mask."""
    masks = np.zeros((4, SIZE, SIZE, 1), np.uint8)
    masks[:2, 2:4, 2:4] = 1
    labels = np.zeros((4, 6), np.float32)
    labels[:2, 0] = 1
    images = np.arange(4, dtype=np.float16)[:, None, None, None] * np.ones((4, SIZE, SIZE, 3), np.float16)
    return ArraySet(images, masks, labels, np.zeros(4, bool))


def segment(images):
    out = np.zeros((len(images), SIZE, SIZE, 1), np.float32)
    for i, which in enumerate(images[:, 0, 0, 0]):
        if which == 3:
            out[i, 0:3, 0:3] = 0.9
        else:
            out[i, 2:4, 2:4] = 0.9
    return out


def test_without_a_gate_only_the_false_area_is_reported():
    assert gated_metrics(segment(_slices().images)[..., 0], _slices(), None) == {
        "mean_false_pixels_per_negative_slice": (4 + 9) / 2
    }


def test_an_unflagged_bleed_scores_zero_and_an_unflagged_normal_slice_carries_no_mask():
    flagged = np.array([True, False, False, True])
    gated = gated_metrics(segment(_slices().images)[..., 0], _slices(), flagged)["gated"]
    assert gated["mean_dice_positive_slices_model_resolution"] == pytest.approx(0.5)  # 1.0 and 0.0
    assert gated["negative_slices_with_mask"] == pytest.approx(0.5)
    assert gated["mean_false_pixels_per_negative_slice"] == pytest.approx(9 / 2)
    assert gated["flagged_positive"] == pytest.approx(0.5) and gated["flagged_negative"] == pytest.approx(0.5)


def test_flagging_everything_leaves_the_masks_as_painted():
    gated = gated_metrics(segment(_slices().images)[..., 0], _slices(), np.ones(4, bool))
    assert gated["gated"]["mean_dice_positive_slices_model_resolution"] == pytest.approx(1.0)
    assert gated["gated"]["mean_false_pixels_per_negative_slice"] == gated["mean_false_pixels_per_negative_slice"]
