"""Temperature scaling of P(any): fit T on labelled validation slices, measure NLL and ECE before and after,
and draw the reliability diagram.

Serving maps every output p to sigmoid(logit(p) / T) (core.calibration, used here too); the card's threshold is
then on that calibrated scale. A monotone map changes no ranking, so AUC and every decision at the converted
threshold stay the same.
"""

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from scipy.optimize import minimize_scalar

from core.calibration import apply_temperature, logit
from training.reporting.detection import calibration as reliability

METHOD = "temperature"
# 1/T is searched on this bracket: T from 0.02 (sharpen a lot) to 50 (flatten a lot).
INVERSE_T_RANGE = (0.02, 50.0)
GRID_POINTS = 41
SEARCH = {"xatol": 1e-12}  # on 1/T


def calibrated_threshold(threshold: float, temperature: float) -> float:
    """The same operating point on the calibrated scale: p >= thr exactly when p' >= thr'."""
    return float(apply_temperature(np.float64(threshold), temperature))


def nll(labels: np.ndarray, p: np.ndarray) -> float:
    """Mean binary cross-entropy, with p clipped as serving clips it."""
    z = logit(p)
    y = np.asarray(labels, np.float64)
    # log(1 + e^-z) for positives, log(1 + e^z) for negatives, without overflow.
    return float(np.mean(np.logaddexp(0.0, -z) * y + np.logaddexp(0.0, z) * (1.0 - y)))


def ece(labels: np.ndarray, p: np.ndarray) -> float:
    return reliability(np.asarray(labels, bool), np.asarray(p, np.float64))["expected_calibration_error"]


def _scaled_nll(labels: np.ndarray, z: np.ndarray, inverse_t: float) -> float:
    """NLL of sigmoid(z / T) without clipping the result: clipping would cap the loss of confident mistakes and
    leave plateaus where a search wanders off to extreme temperatures. Unclipped, it is convex in 1/T."""
    scaled = z * inverse_t
    return float(np.mean(np.where(labels, np.logaddexp(0.0, -scaled), np.logaddexp(0.0, scaled))))


def fit_temperature(labels: np.ndarray, p: np.ndarray) -> float:
    """T minimising validation NLL: a log-spaced grid over 1/T brackets the minimum, then Brent's bounded search
    between the best grid point's neighbours."""
    labels = np.asarray(labels, bool)
    if labels.all() or not labels.any():
        raise ValueError("fitting a temperature needs both positive and negative slices")
    z = logit(p)
    grid = np.geomspace(*INVERSE_T_RANGE, GRID_POINTS)
    best = int(np.argmin([_scaled_nll(labels, z, b) for b in grid]))
    bounds = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    found = minimize_scalar(lambda b: _scaled_nll(labels, z, b), bounds=bounds, method="bounded", options=SEARCH)
    return float(1.0 / found.x)


def calibration_entry(labels: np.ndarray, p: np.ndarray, temperature: float, fitted_on: str) -> dict:
    """The card's "calibration" block, with the figures before and after on the data T was fitted on."""
    after = apply_temperature(p, temperature)
    return {
        "method": METHOD,
        "temperature": float(temperature),
        "fitted_on": fitted_on,
        "slices": len(labels),
        "nll_before": nll(labels, p),
        "nll_after": nll(labels, after),
        "ece_before": ece(labels, p),
        "ece_after": ece(labels, after),
    }


def reliability_data(labels: np.ndarray, p: np.ndarray, temperature: float) -> dict:
    """Reliability bins before and after calibration, for the JSON beside the diagram."""
    labels = np.asarray(labels, bool)
    return {
        "temperature": float(temperature),
        "before": reliability(labels, np.asarray(p, np.float64)),
        "after": reliability(labels, apply_temperature(p, temperature)),
    }


def plot_reliability(data: dict, path: Path, title: str = "Reliability, P(any hemorrhage)") -> Path:
    """Observed fraction positive against mean predicted probability per bin, before and after, with counts."""
    fig = Figure(figsize=(5.0, 6.0), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=(3, 1), sharex=True)
    top.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfect")
    for key, label, marker in (("before", "raw", "o"), ("after", f"T = {data['temperature']:.2f}", "s")):
        bins = data[key]
        top.plot(
            bins["mean_predicted"],
            bins["observed_fraction"],
            marker=marker,
            label=f"{label} (ECE {bins['expected_calibration_error']:.3f})",
        )
        bottom.bar(bins["mean_predicted"], bins["count"], width=0.04, alpha=0.6, label=label)
    top.set(ylabel="observed fraction positive", xlim=(0, 1), ylim=(0, 1.02))
    top.set_title(title, fontsize=9)
    top.legend(loc="upper left", fontsize=8)
    bottom.set(xlabel="mean predicted probability in bin", ylabel="slices", yscale="log")
    fig.savefig(path, dpi=110)
    return path
