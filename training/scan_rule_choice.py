"""Choose the scan-level rule on validation volumes: the highest specificity at a target sensitivity.

The rule and its decision are serving's own (core.scan_decision): a scan is positive when at least `min_run`
neighbouring assessed slices are flagged OR the predicted bleed volume over its assessed slices reaches
`min_volume_ml` (None: that arm off); slices count towards the run at `run_threshold` (None: the slice threshold).
The old rule, the maximum over slices, is min_run = 1 with no volume arm.

The slice threshold is chosen on slices for slice sensitivity; whole volumes say which slices a scan answer should
count, so the run threshold is searched here too (a bleed shows on several slices, a false alarm on real anatomy
seldom on two neighbours above a higher P).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.scan_decision import ScanRule, decide

RUNS = (1, 2, 3, 4)
# mL; None switches the volume arm off. Small volumes matter: a 1 mL bleed is already clinically real.
VOLUMES_ML = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, None)
# P(any) on the served scale; None is the slice threshold itself, and a value under it means the same, so is skipped.
RUN_THRESHOLDS = (None, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
TARGET_SENSITIVITY = 0.95
MAX_OVER_SLICES = ScanRule(1, None, "the maximum over slices")


@dataclass
class VolumeScores:
    """One validation volume, its slices in acquisition order."""

    probabilities: np.ndarray  # (slices,) P(any) on the scale the threshold is on
    assessed: np.ndarray  # bool (slices,)
    volume_ml: np.ndarray | None  # (slices,) predicted bleed volume of each slice; None when unknown
    label: bool  # the volume holds a hemorrhage


def scan_positive(volume: VolumeScores, threshold: float, rule: ScanRule) -> bool:
    return decide(volume.probabilities, volume.assessed, volume.volume_ml, threshold, rule).positive


def rule_figures(volumes: Sequence[VolumeScores], threshold: float, rule: ScanRule) -> dict:
    labels = np.array([v.label for v in volumes], bool)
    calls = np.array([scan_positive(v, threshold, rule) for v in volumes], bool)
    return {
        "sensitivity": float(calls[labels].mean()) if labels.any() else math.nan,
        "specificity": float((~calls[~labels]).mean()) if (~labels).any() else math.nan,
    }


def _preference(item: tuple[ScanRule, dict]) -> tuple:
    """Highest specificity, then sensitivity; among equals the rule leaning least on volume, then the shortest run,
    then the run threshold nearest the slice threshold."""
    rule, figures = item
    volume = math.inf if rule.min_volume_ml is None else rule.min_volume_ml
    return (-figures["specificity"], -figures["sensitivity"], -volume, rule.min_run, rule.run_threshold or 0.0)


def choose_scan_rule(
    volumes: Sequence[VolumeScores],
    threshold: float,
    target_sensitivity: float = TARGET_SENSITIVITY,
    runs: Sequence[int] = RUNS,
    volumes_ml: Sequence[float | None] = VOLUMES_ML,
    chosen_on: str = "validation volumes",
    run_thresholds: Sequence[float | None] = RUN_THRESHOLDS,
) -> dict:
    """Grid search; the card's "scan_rule" object. When no rule reaches the target, the most sensitive one is
    returned and says so."""
    labels = [v.label for v in volumes]
    if all(labels) or not any(labels):
        raise ValueError("choosing a scan rule needs both positive and negative volumes")
    counting = [t for t in run_thresholds if t is None or t > threshold]
    rules = (ScanRule(r, m, chosen_on, t) for r in runs for m in volumes_ml for t in counting)
    grid = [(rule, rule_figures(volumes, threshold, rule)) for rule in rules]
    meeting = [item for item in grid if item[1]["sensitivity"] >= target_sensitivity]
    if meeting:
        rule, figures = min(meeting, key=_preference)
    else:
        rule, figures = min(grid, key=lambda item: (-item[1]["sensitivity"], *_preference(item)))
    return {
        "min_run": rule.min_run,
        "min_volume_ml": rule.min_volume_ml,
        "run_threshold": rule.run_threshold,
        "chosen_on": chosen_on,
        "threshold": float(threshold),
        "target_sensitivity": target_sensitivity,
        "met_target": bool(meeting),
        "sensitivity": figures["sensitivity"],
        "specificity": figures["specificity"],
        "volumes": {"positive": int(sum(labels)), "negative": int(len(labels) - sum(labels))},
        "max_over_slices": rule_figures(volumes, threshold, MAX_OVER_SLICES),
    }
