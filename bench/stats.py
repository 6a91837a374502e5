"""Run-to-run summaries: every figure is the median of several runs, shown with the smallest and largest."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    runs: int

    def format(self, digits: int = 1, unit: str = "") -> str:
        return f"{self.median:.{digits}f}{unit} ({self.low:.{digits}f}–{self.high:.{digits}f})"


def spread(values: list[float]) -> Spread:
    if not values:
        raise ValueError("no runs to summarise")
    array = np.asarray(values, np.float64)
    return Spread(float(np.median(array)), float(array.min()), float(array.max()), len(array))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, so p99 of a short run is an observed latency, never an interpolation."""
    if not values:
        raise ValueError("no samples")
    return float(np.percentile(np.asarray(values, np.float64), q, method="inverted_cdf"))
