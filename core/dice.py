"""The Dice coefficient, the one definition used for training reports and for the API."""

import numpy as np


def dice_score(prediction: np.ndarray, reference: np.ndarray) -> float:
    """Dice of two binary masks of the same shape.

    Two empty masks agree perfectly, so their Dice is 1.0 rather than undefined.
    """
    pred = np.asarray(prediction, dtype=bool)
    ref = np.asarray(reference, dtype=bool)
    if pred.shape != ref.shape:
        raise ValueError(f"mask shapes differ: {pred.shape} vs {ref.shape}")
    total = int(pred.sum()) + int(ref.sum())
    if total == 0:
        return 1.0
    return 2.0 * int(np.logical_and(pred, ref).sum()) / total
