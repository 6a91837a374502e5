"""The scan-level answer from per-slice answers: a rule with parameters instead of "the maximum over slices".

A scan is positive when at least `min_run` neighbouring assessed slices reach `run_threshold` (P(any); by default the
slice-level operating threshold), OR the predicted bleed volume over its flagged slices reaches `min_volume_ml`
(the service gives a mask only where it flags a slice, so the volume a rule is chosen on is the volume it answers).
A run threshold above the slice threshold gives the scan its own operating point: a slice is still flagged at the
slice threshold (chosen for slice sensitivity), while the scan answer is chosen on whole volumes. Slices not assessed
(core.slice_assessment) neither flag nor add volume, and are skipped when counting neighbours. Serving and training
(which chooses the parameters on validation volumes) both call `decide`.

A card may hold one rule per input form (`scan_rule_by_input`, keyed like core.raster's forms): an 8-bit export
clips everything outside 0..80 HU, so the same classifier scores a normal head differently as exports than as HU,
and a rule chosen on HU volumes does not hold for them. A form without its own rule gets the card's `scan_rule`.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# One flagged slice alone is how the shipped phantom-trained models fail on real anatomy (a bone edge, a
# partial volume); a bleed the models can see spans at least two neighbouring slices at 5 mm or thinner.
DEFAULT_MIN_RUN = 2
# Off until chosen on validation volumes: a volume threshold depends on how much the segmenter paints on
# normal scans, which only labelled volumes measure.
DEFAULT_MIN_VOLUME_ML: float | None = None
DEFAULT_CHOSEN_ON = "service default (no scan_rule on the classifier card)"
BY_INPUT_KEY = "scan_rule_by_input"


@dataclass(frozen=True)
class ScanRule:
    min_run: int = DEFAULT_MIN_RUN
    min_volume_ml: float | None = DEFAULT_MIN_VOLUME_ML  # None: the volume arm is off
    chosen_on: str = DEFAULT_CHOSEN_ON
    run_threshold: float | None = None  # P(any) a slice needs to count towards the run; None: the slice threshold
    # Scan-level figures on the volumes it was chosen on, when the card records them: what to expect of it, not how
    # it decides, so they take no part in comparing rules.
    sensitivity: float | None = field(default=None, compare=False)
    specificity: float | None = field(default=None, compare=False)

    def __post_init__(self):
        if self.min_run < 1:
            raise ValueError(f"min_run must be at least 1, not {self.min_run}")
        if self.min_volume_ml is not None and not self.min_volume_ml > 0:
            raise ValueError(f"min_volume_ml must be positive or None, not {self.min_volume_ml}")
        if self.run_threshold is not None and not 0.0 < self.run_threshold <= 1.0:
            raise ValueError(f"run_threshold must be in (0, 1] or None, not {self.run_threshold}")

    @classmethod
    def from_card(cls, card: dict, form: str | None = None) -> "ScanRule":
        """The card's rule for input `form` (its "scan_rule_by_input" entry), else its "scan_rule" object
        (min_run, min_volume_ml with null = off, chosen_on, run_threshold with null = the slice threshold), else
        the defaults."""
        spec = (card.get(BY_INPUT_KEY) or {}).get(form) if form is not None else None
        spec = spec if spec is not None else card.get("scan_rule")
        if not isinstance(spec, dict):
            return cls()
        volume = spec.get("min_volume_ml")
        volume = None if volume is None or math.isinf(float(volume)) else float(volume)
        run_threshold = spec.get("run_threshold")
        return cls(
            int(spec.get("min_run", DEFAULT_MIN_RUN)),
            volume,
            str(spec.get("chosen_on", "the model card")),
            None if run_threshold is None else float(run_threshold),
            *(None if spec.get(key) is None else float(spec[key]) for key in ("sensitivity", "specificity")),
        )

    def counting_threshold(self, threshold: float) -> float:
        """The P(any) a slice needs to count towards the run, given the slice-level threshold."""
        return threshold if self.run_threshold is None else max(threshold, self.run_threshold)

    def describe(self) -> str:
        at = "threshold" if self.run_threshold is None else f"{self.run_threshold:g} (and the threshold)"
        run = f"at least {self.min_run} neighbouring assessed slice{'s' * (self.min_run > 1)} with P(any) >= {at}"
        if self.min_volume_ml is None:
            return run
        return f"{run}, or a predicted bleed volume over flagged slices >= {self.min_volume_ml:g} mL"


@dataclass(frozen=True)
class ScanDecision:
    positive: bool
    by_run: bool  # the run arm fired
    by_volume: bool  # the volume arm fired
    longest_run: int  # neighbouring assessed slices at the rule's run threshold
    volume_ml: float | None  # over flagged slices; None when slice volumes are unknown
    probability: float  # max P(any) over assessed slices; 0 when none is assessed
    most_suspicious_slice: int | None  # index of that slice
    flagged_slices: list[int]  # assessed slices with P(any) >= threshold
    assessed_slices: int


def longest_run(flags: np.ndarray) -> int:
    """Length of the longest stretch of consecutive True values."""
    padded = np.concatenate(([0], np.asarray(flags, np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[0::2]).max()) if len(edges) else 0


def decide(
    slice_probabilities: Sequence[float],
    assessed: Sequence[bool],
    slice_volumes_ml: Sequence[float] | None,
    threshold: float,
    rule: ScanRule,
) -> ScanDecision:
    """Per-slice P(any) in slice order, whether each slice was assessed, each slice's predicted bleed volume
    (None without spacing; counted only where the slice is flagged) -> the scan's answer. A scan with fewer assessed slices than `min_run` needs
    all of them counting towards the run, so a one-slice series can still be positive."""
    p = np.asarray(slice_probabilities, np.float64)
    ok = np.asarray(assessed, bool)
    if p.shape != ok.shape:
        raise ValueError(f"{p.size} probabilities but {ok.size} assessed flags")
    flags = ok & (p >= threshold)
    run = longest_run((ok & (p >= rule.counting_threshold(threshold)))[ok])
    count = int(ok.sum())
    by_run = count > 0 and run >= min(rule.min_run, count)
    volume = None
    if slice_volumes_ml is not None:
        volume = float(np.asarray(slice_volumes_ml, np.float64)[flags].sum())
    by_volume = rule.min_volume_ml is not None and volume is not None and volume >= rule.min_volume_ml
    top = int(np.argmax(np.where(ok, p, -np.inf))) if count else None
    return ScanDecision(
        positive=bool(by_run or by_volume),
        by_run=bool(by_run),
        by_volume=bool(by_volume),
        longest_run=run,
        volume_ml=volume,
        probability=float(p[top]) if top is not None else 0.0,
        most_suspicious_slice=top,
        flagged_slices=[int(i) for i in np.flatnonzero(flags)],
        assessed_slices=count,
    )
