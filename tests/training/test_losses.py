"""Training losses: labels a dataset does not record add nothing to the classifier's loss."""

import numpy as np
import pytest

from training.losses import AnyHemorrhageAUC, masked_binary_crossentropy


def _bce(y, p):
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_unknown_labels_are_left_out_of_the_mean():
    y_true = np.array([[1.0, -1.0, -1.0, 0.0, -1.0, 1.0]], np.float32)
    y_pred = np.array([[0.8, 0.01, 0.99, 0.3, 0.5, 0.6]], np.float32)
    known = [0, 3, 5]
    expected = np.mean(_bce(y_true[0, known], y_pred[0, known]))
    assert float(np.asarray(masked_binary_crossentropy(y_true, y_pred))[0]) == pytest.approx(expected, rel=1e-5)


def test_fully_known_labels_give_the_plain_mean_bce():
    y_true = np.array([[1, 0, 1, 0, 0, 1]], np.float32)
    y_pred = np.full((1, 6), 0.7, np.float32)
    assert float(np.asarray(masked_binary_crossentropy(y_true, y_pred))[0]) == pytest.approx(
        np.mean(_bce(y_true, y_pred)), rel=1e-5
    )


def test_training_auc_scores_the_any_column_only():
    metric = AnyHemorrhageAUC()
    y_true = np.array([[1, -1, 0, 0, 0, 0], [0, -1, 0, 0, 0, 0]], np.float32)
    metric.update_state(y_true, np.array([[0.9, 0.0, 0, 0, 0, 0], [0.1, 1.0, 0, 0, 0, 0]], np.float32))
    assert float(metric.result()) == pytest.approx(1.0)


def test_tversky_is_dice_at_equal_weights_and_costs_a_false_positive_more_than_a_miss(monkeypatch):
    from training import losses

    truth = np.zeros((2, 8, 8, 1), np.float32)
    truth[0, 2:6, 2:6] = 1.0  # 16 bleeding pixels on one slice; the other slice is normal
    extra = truth.copy()
    extra[1, 0:4, 0:2] = 1.0  # the same outline and 8 false pixels on the normal slice
    short = truth.copy()
    short[0, 2:4, 2:6] = 0.0  # 8 of the bleed's pixels missed
    tversky = float(losses.tversky_loss(truth, extra))
    assert tversky > float(losses.tversky_loss(truth, short))
    assert tversky == pytest.approx(1 - (16 + 1) / (16 + 0.7 * 8 + 1), rel=1e-5)
    monkeypatch.setattr(losses, "TVERSKY_FALSE_POSITIVE_WEIGHT", 0.5)
    monkeypatch.setattr(losses, "SMOOTH", 0.0)  # each adds its smoothing term its own way
    for prediction in (extra, short):
        assert float(losses.tversky_loss(truth, prediction)) == pytest.approx(
            float(losses.dice_loss(truth, prediction)), rel=1e-5
        )
