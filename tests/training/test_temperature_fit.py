"""Temperature scaling on synthetic scores whose true temperature is known by construction."""

import json

import cv2
import numpy as np
import pytest

from core.calibration import apply_temperature, logit, sigmoid
from training.calibration import (
    calibrated_threshold,
    calibration_entry,
    ece,
    fit_temperature,
    nll,
    plot_reliability,
    reliability_data,
)

TRUE_T = 3.0


def overconfident(n: int = 20000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from sigmoid(z), scores reported as sigmoid(T z): a model T times too sure."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 1.5, n)
    labels = rng.random(n) < sigmoid(z)
    return labels, sigmoid(TRUE_T * z)


def test_the_fitted_temperature_recovers_the_true_one():
    labels, p = overconfident()
    assert fit_temperature(labels, p) == pytest.approx(TRUE_T, rel=0.06)


def test_an_underconfident_model_gets_a_temperature_below_one():
    labels, p = overconfident()
    flat = apply_temperature(p, TRUE_T * 2)  # now twice too unsure
    assert fit_temperature(labels, flat) == pytest.approx(0.5, rel=0.06)


def test_calibration_lowers_nll_and_ece_and_keeps_the_ranking():
    labels, p = overconfident()
    entry = calibration_entry(labels, p, fit_temperature(labels, p), "synthetic")
    assert entry["method"] == "temperature" and entry["fitted_on"] == "synthetic"
    assert entry["nll_after"] < entry["nll_before"] - 0.05
    assert entry["ece_after"] < 0.02 < entry["ece_before"]
    inside = (p > 1e-6) & (p < 1 - 1e-6)  # clipping at 1e-7 ties the extremes, as it does when served
    after = apply_temperature(p[inside], entry["temperature"])
    assert np.array_equal(np.argsort(p[inside], kind="stable"), np.argsort(after, kind="stable"))


def test_the_converted_threshold_makes_the_same_decisions():
    _labels, p = overconfident(2000)
    for threshold in (0.2, 0.5, 0.659, 0.9):
        converted = calibrated_threshold(threshold, TRUE_T)
        assert np.array_equal(p >= threshold, apply_temperature(p, TRUE_T) >= converted)
    assert calibrated_threshold(0.9, TRUE_T) < 0.9  # a flatter scale pulls a high threshold toward 0.5


def test_the_served_map_clips_as_serving_does():
    assert apply_temperature(np.array([0.0, 1.0]), 1.0) == pytest.approx([1e-7, 1 - 1e-7])
    assert np.isfinite(logit(np.array([0.0, 1.0]))).all()
    assert nll(np.array([True, False]), np.array([1.0, 0.0])) == pytest.approx(1e-7, rel=0.01)


def test_ece_is_zero_for_scores_matching_their_bins():
    labels = np.array([True] * 3 + [False] * 7 + [True] * 7 + [False] * 3)
    p = np.array([0.3] * 10 + [0.7] * 10)
    assert ece(labels, p) == pytest.approx(0.0, abs=1e-12)
    assert ece(labels, np.full(20, 0.9)) == pytest.approx(0.4)


def test_one_class_labels_are_rejected():
    with pytest.raises(ValueError, match="^fitting a temperature needs both positive and negative slices$"):
        fit_temperature(np.ones(5, bool), np.full(5, 0.8))


def test_the_reliability_diagram_and_its_bins(tmp_path):
    labels, p = overconfident(3000)
    data = reliability_data(labels, p, TRUE_T)
    assert sum(data["before"]["count"]) == sum(data["after"]["count"]) == 3000
    assert data["after"]["expected_calibration_error"] < data["before"]["expected_calibration_error"]
    json.dumps(data)  # the JSON beside the diagram
    image = cv2.imread(str(plot_reliability(data, tmp_path / "reliability.png")))
    assert image is not None and image.shape[0] > 300 and image.std() > 0


def test_confident_mistakes_pull_the_temperature_up_not_to_an_extreme():
    # A well-separated model with a few confident misses (p ~ 1e-4 for positives): the fit must not run off to a
    # tiny T, where clipped scores would hide the misses' cost; NLL after may never exceed NLL before.
    rng = np.random.default_rng(1)
    labels = np.r_[np.ones(200, bool), np.zeros(200, bool)]
    p = np.r_[rng.uniform(0.98, 1.0, 193), np.full(7, 1e-4), rng.uniform(0.0, 0.02, 200)]
    temperature = fit_temperature(labels, p)
    assert 1.0 < temperature < 5.0
    after = apply_temperature(p, temperature)
    assert nll(labels, after) < nll(labels, p)
