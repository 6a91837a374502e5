"""Temperature calibration as serving applies it from the classifier card."""

import numpy as np
import pytest

from core.calibration import Calibration, calibrate


def test_temperature_map_and_identity():
    calibration = Calibration.from_card({"calibration": {"method": "temperature", "temperature": 2.0, "nll": 0.3}})
    p = np.array([0.5, 0.9, 1.0, 0.0])
    expected = 1 / (1 + np.exp(-np.log(np.clip(p, 1e-7, 1 - 1e-7) / (1 - np.clip(p, 1e-7, 1 - 1e-7))) / 2.0))
    np.testing.assert_allclose(calibrate(p, calibration), expected, rtol=1e-6)
    assert calibrate(p, calibration)[1] == pytest.approx(0.75)  # logit 0.9 = ln 9; /2 -> ln 3 -> 0.75
    assert Calibration.from_card({}) is None
    np.testing.assert_array_equal(calibrate(p, None), p.astype(np.float32))


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"method": "platt"}, "calibration method 'platt' is not supported; expected 'temperature'"),
        ({"method": "temperature", "temperature": 0}, "calibration temperature must be a positive number, not 0"),
    ],
)
def test_a_malformed_calibration_is_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        Calibration.from_card({"calibration": spec})
