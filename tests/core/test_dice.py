import numpy as np
import pytest

from core.dice import dice_score


def test_identical_masks_score_one():
    mask = np.zeros((8, 8), bool)
    mask[2:5, 2:5] = True
    assert dice_score(mask, mask) == 1.0


def test_disjoint_masks_score_zero():
    a, b = np.zeros((8, 8), bool), np.zeros((8, 8), bool)
    a[0, 0], b[7, 7] = True, True
    assert dice_score(a, b) == 0.0


def test_known_overlap():
    a, b = np.zeros((4, 4), bool), np.zeros((4, 4), bool)
    a[0, :4] = True  # 4 pixels
    b[0, :2] = True  # 2 pixels, both inside a
    assert dice_score(a, b) == pytest.approx(2 * 2 / (4 + 2))


def test_both_empty_is_one():
    empty = np.zeros((5, 5), bool)
    assert dice_score(empty, empty) == 1.0


def test_one_empty_is_zero():
    a = np.zeros((5, 5), bool)
    b = a.copy()
    b[1, 1] = True
    assert dice_score(a, b) == 0.0


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match=r"mask shapes differ: \(2, 2\) vs \(3, 3\)"):
        dice_score(np.zeros((2, 2)), np.zeros((3, 3)))
