"""Summaries with patient-level bootstrap intervals: slices of one patient are not independent."""

from collections.abc import Callable, Sequence

import numpy as np

BOOTSTRAP_RESAMPLES = 1000
CONFIDENCE = 0.95


def patient_bootstrap_ci(
    statistic: Callable[[np.ndarray], float],
    patients: Sequence[str],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> list[float] | None:
    """95% percentile interval of statistic(indices) when whole patients are resampled.

    Resamples where the statistic is undefined (it raises ValueError, e.g. an AUC with one
    class) are dropped; None when fewer than two patients or too few resamples survive.
    """
    patients = np.asarray(patients)
    unique = np.unique(patients)
    if len(unique) < 2:
        return None
    rows_of = {p: np.flatnonzero(patients == p) for p in unique}
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        drawn = rng.choice(unique, size=len(unique), replace=True)
        try:
            values.append(statistic(np.concatenate([rows_of[p] for p in drawn])))
        except ValueError:
            continue
    if len(values) < resamples // 2:
        return None
    tail = (1.0 - CONFIDENCE) / 2.0 * 100.0
    return [float(np.percentile(values, tail)), float(np.percentile(values, 100.0 - tail))]


def summary(values: Sequence[float], patients: Sequence[str] | None = None) -> dict:
    """n, mean, median, quartiles and, given each value's patient, a bootstrap CI of the mean."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return {"n": 0}
    result = {
        "n": len(values),
        "mean": float(values.mean()),
        "median": float(np.median(values)),
        "q1": float(np.percentile(values, 25)),
        "q3": float(np.percentile(values, 75)),
    }
    if patients is not None:
        result["mean_ci95_by_patient"] = patient_bootstrap_ci(lambda rows: float(values[rows].mean()), patients)
    return result
