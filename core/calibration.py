"""Calibrated probabilities: the map a classifier card's "calibration" object asks for, applied at serving.

With {"method": "temperature", "temperature": T}, every output p becomes sigmoid(logit(p) / T), p clipped to
[EPSILON, 1 - EPSILON]; the card's threshold is then on that calibrated scale. Without the key, identity.
Training fits T; this module only applies it, so both use the same formula.
"""

from dataclasses import dataclass

import numpy as np

EPSILON = 1e-7
TEMPERATURE = "temperature"


def logit(p) -> np.ndarray:
    p = np.clip(np.asarray(p, np.float64), EPSILON, 1.0 - EPSILON)
    return np.log(p) - np.log1p(-p)


def sigmoid(z) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, np.float64)))  # the tanh form never overflows


def apply_temperature(p, temperature: float) -> np.ndarray:
    return sigmoid(logit(p) / temperature)


@dataclass(frozen=True)
class Calibration:
    temperature: float

    @classmethod
    def from_card(cls, card: dict) -> "Calibration | None":
        """The card's calibration, None when it has none; a malformed one is a broken card, not identity."""
        spec = card.get("calibration")
        if spec is None:
            return None
        method = spec.get("method") if isinstance(spec, dict) else None
        if method != TEMPERATURE:
            raise ValueError(f"calibration method {method!r} is not supported; expected {TEMPERATURE!r}")
        temperature = float(spec.get("temperature", "nan"))
        if not np.isfinite(temperature) or temperature <= 0:
            raise ValueError(f"calibration temperature must be a positive number, not {spec.get('temperature')!r}")
        return cls(temperature)

    def apply(self, probabilities) -> np.ndarray:
        """Any array of probabilities -> float32 calibrated, same shape."""
        return apply_temperature(probabilities, self.temperature).astype(np.float32)


def calibrate(probabilities, calibration: Calibration | None) -> np.ndarray:
    """Identity without a calibration."""
    if calibration is None:
        return np.asarray(probabilities, np.float32)
    return calibration.apply(probabilities)
