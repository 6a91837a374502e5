"""What a whole scan adds to its slices' answers: each slice's bleed volume (mL) and the scan-level decision by
the card's rule (core.scan_decision)."""

from dataclasses import dataclass

import numpy as np

from core.scan_decision import ScanDecision, ScanRule, decide

MM3_PER_ML = 1000.0


@dataclass(frozen=True)
class ScanMeasures:
    decision: ScanDecision
    rule: ScanRule  # the rule that gave the decision: the card's rule for the input's form
    volume_ml: float | None  # over flagged slices (masks are blank elsewhere); None without pixel or slice spacing


def slice_volumes_ml(masks: np.ndarray, spacing_mm: tuple[float, float] | None, slab_mm: np.ndarray | None):
    """Each slice's mask area x slab thickness in mL; None when the input does not say its spacing."""
    if spacing_mm is None or slab_mm is None:
        return None
    areas_mm2 = masks.reshape(len(masks), -1).sum(axis=1) * float(spacing_mm[0]) * float(spacing_mm[1])
    return areas_mm2 * np.asarray(slab_mm, dtype=np.float64) / MM3_PER_ML


def measure_scan(
    masks: np.ndarray,
    slice_probabilities: np.ndarray,
    assessed: np.ndarray,
    spacing_mm: tuple[float, float] | None,
    slab_mm: np.ndarray | None,
    threshold: float,
    rule: ScanRule,
) -> ScanMeasures:
    """Masks bool (slices, rows, columns), postprocessed; P(any) and the assessed flags per slice, in slice order."""
    volumes = slice_volumes_ml(masks, spacing_mm, slab_mm)
    decision = decide(slice_probabilities, list(assessed), volumes, threshold, rule)
    return ScanMeasures(decision, rule, None if volumes is None else float(volumes.sum()))
