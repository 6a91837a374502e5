"""Choose the scan-level rule on validation volumes: the highest specificity at a target sensitivity.

A scan is positive when at least `min_run` neighbouring assessed slices are flagged (P(any) >= the card's
threshold) OR the predicted bleed volume over its assessed slices reaches `min_volume_ml`. Slices the service did
not assess (e.g. outside the brain) neither flag nor add volume, and are skipped when counting neighbours.
The old rule, the maximum over slices, is min_run = 1 with the volume arm off.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

RUNS = (1, 2, 3, 4)
# mL; inf switches the volume arm off. Small volumes matter: a 1 mL bleed is already clinically real.
VOLUMES_ML = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, math.inf)
TARGET_SENSITIVITY = 0.95


@dataclass
class VolumeScores:
    """One validation volume, its slices in acquisition order."""

    probabilities: np.ndarray  # (slices,) P(any) on the scale the threshold is on
    assessed: np.ndarray  # bool (slices,)
    volume_ml: np.ndarray  # (slices,) predicted bleed volume of each slice
    label: bool  # the volume holds a hemorrhage


@dataclass(frozen=True)
class ScanRule:
    min_run: int
    min_volume_ml: float


MAX_OVER_SLICES = ScanRule(1, math.inf)


def longest_run(flags: np.ndarray) -> int:
    """Length of the longest stretch of consecutive True values."""
    padded = np.concatenate(([0], np.asarray(flags, np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[0::2]).max()) if len(edges) else 0


def scan_positive(volume: VolumeScores, threshold: float, rule: ScanRule) -> bool:
    assessed = np.asarray(volume.assessed, bool)
    flagged = np.asarray(volume.probabilities)[assessed] >= threshold
    total_ml = float(np.asarray(volume.volume_ml, np.float64)[assessed].sum())
    return longest_run(flagged) >= rule.min_run or total_ml >= rule.min_volume_ml


def rule_figures(volumes: Sequence[VolumeScores], threshold: float, rule: ScanRule) -> dict:
    labels = np.array([v.label for v in volumes], bool)
    calls = np.array([scan_positive(v, threshold, rule) for v in volumes], bool)
    return {
        "sensitivity": float(calls[labels].mean()) if labels.any() else math.nan,
        "specificity": float((~calls[~labels]).mean()) if (~labels).any() else math.nan,
    }


def _preference(item: tuple[ScanRule, dict]) -> tuple:
    """Highest specificity, then sensitivity; among equals the rule leaning least on volume, then the shortest run."""
    rule, figures = item
    return (-figures["specificity"], -figures["sensitivity"], -rule.min_volume_ml, rule.min_run)


def choose_scan_rule(
    volumes: Sequence[VolumeScores],
    threshold: float,
    target_sensitivity: float = TARGET_SENSITIVITY,
    runs: Sequence[int] = RUNS,
    volumes_ml: Sequence[float] = VOLUMES_ML,
    chosen_on: str = "validation volumes",
) -> dict:
    """Grid search. When no rule reaches the target, the most sensitive one is returned and says so."""
    labels = [v.label for v in volumes]
    if all(labels) or not any(labels):
        raise ValueError("choosing a scan rule needs both positive and negative volumes")
    grid = [
        (rule, rule_figures(volumes, threshold, rule)) for rule in (ScanRule(r, m) for r in runs for m in volumes_ml)
    ]
    meeting = [item for item in grid if item[1]["sensitivity"] >= target_sensitivity]
    if meeting:
        rule, figures = min(meeting, key=_preference)
    else:
        rule, figures = min(grid, key=lambda item: (-item[1]["sensitivity"], *_preference(item)))
    return {
        "min_run": rule.min_run,
        # JSON has no infinity: null says the volume arm is off.
        "min_volume_ml": None if math.isinf(rule.min_volume_ml) else rule.min_volume_ml,
        "chosen_on": chosen_on,
        "threshold": float(threshold),
        "target_sensitivity": target_sensitivity,
        "met_target": bool(meeting),
        "sensitivity": figures["sensitivity"],
        "specificity": figures["specificity"],
        "volumes": {"positive": int(sum(labels)), "negative": int(len(labels) - sum(labels))},
        "max_over_slices": rule_figures(volumes, threshold, MAX_OVER_SLICES),
    }
