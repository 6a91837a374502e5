"""The scan-rule search on synthetic volumes whose best rule is known by construction."""

import numpy as np
import pytest

from core.scan_decision import ScanRule
from training.scan_rule_choice import MAX_OVER_SLICES, VolumeScores, choose_scan_rule, scan_positive

THRESHOLD = 0.5
SLICES = 12


def volume(flagged: list[int], ml_per_flag: float, label: bool, unassessed: tuple[int, ...] = ()) -> VolumeScores:
    """Slices in `flagged` score 0.9 and carry `ml_per_flag` of predicted bleed; the rest score 0.1."""
    p = np.full(SLICES, 0.1)
    ml = np.zeros(SLICES)
    p[flagged], ml[flagged] = 0.9, ml_per_flag
    assessed = np.ones(SLICES, bool)
    assessed[list(unassessed)] = False
    return VolumeScores(p, assessed, ml, label)


def designed_set() -> list[VolumeScores]:
    """Positives: runs of 3 (1.5 mL) and one 3 mL bleed on a single slice. Negatives: lone spurious slices, two
    apart, a run of 2 (0.1 mL), and a run of 4 on slices the service did not assess.
    So: min_run must be 3 (2 flags a negative, 4 misses the runs unless volume rescues them) and the volume arm
    must catch 3 mL; the largest grid volume doing that without flagging a negative is 2 mL."""
    positives = [volume([k, k + 1, k + 2], 0.5, True) for k in range(1, 9)] + [volume([5], 3.0, True)]
    negatives = [volume([k], 0.05, False) for k in range(0, 12, 2)]
    negatives += [volume([2, 4], 0.05, False), volume([6, 7], 0.05, False)]
    negatives += [volume([3, 4, 5, 6], 1.0, False, unassessed=(3, 4, 5, 6))]
    return positives + negatives


def test_unassessed_slices_neither_flag_nor_add_volume():
    hidden = volume([3, 4, 5, 6], 1.0, False, unassessed=(3, 4, 5, 6))
    assert not scan_positive(hidden, THRESHOLD, ScanRule(1, 0.5))
    seen = volume([3, 4, 5, 6], 1.0, False)
    assert scan_positive(seen, THRESHOLD, ScanRule(4, None))
    assert scan_positive(seen, THRESHOLD, ScanRule(5, 4.0))
    assert not scan_positive(seen, THRESHOLD, ScanRule(5, 4.5))


def test_the_designed_rule_is_found_with_its_figures():
    chosen = choose_scan_rule(designed_set(), THRESHOLD, target_sensitivity=0.95, chosen_on="synthetic")
    assert (chosen["min_run"], chosen["min_volume_ml"]) == (3, 2.0)
    assert chosen["met_target"] is True
    assert chosen["sensitivity"] == 1.0 and chosen["specificity"] == 1.0
    assert chosen["volumes"] == {"positive": 9, "negative": 9}
    assert chosen["chosen_on"] == "synthetic"
    # The maximum over slices flags every negative with a spurious slice: all but the unassessed one.
    assert chosen["max_over_slices"] == {"sensitivity": 1.0, "specificity": pytest.approx(1 / 9)}


def test_the_target_sets_what_specificity_the_volume_arm_may_cost():
    # A negative with 2.5 mL of false predicted bleed on one slice: catching the 3 mL single-slice positive
    # (needed for sensitivity 0.95) now flags it too; at 0.85 the rule drops the volume arm instead.
    volumes = designed_set() + [volume([8], 2.5, False)]
    strict = choose_scan_rule(volumes, THRESHOLD, target_sensitivity=0.95)
    assert (strict["min_run"], strict["min_volume_ml"]) == (3, 2.0)
    assert strict["sensitivity"] == 1.0 and strict["specificity"] == pytest.approx(9 / 10)
    relaxed = choose_scan_rule(volumes, THRESHOLD, target_sensitivity=0.85)
    assert (relaxed["min_run"], relaxed["min_volume_ml"]) == (3, None)
    assert relaxed["sensitivity"] == pytest.approx(8 / 9) and relaxed["specificity"] == 1.0


def test_when_no_rule_reaches_the_target_the_most_sensitive_is_returned():
    # A positive that flags nothing and has no volume cannot be caught by any rule.
    volumes = designed_set() + [volume([], 0.0, True)]
    chosen = choose_scan_rule(volumes, THRESHOLD, target_sensitivity=0.95)
    assert chosen["met_target"] is False
    assert chosen["sensitivity"] == pytest.approx(9 / 10)
    assert (chosen["min_run"], chosen["min_volume_ml"]) == (3, 2.0)


def test_max_over_slices_is_one_flag_and_no_volume_arm():
    assert (MAX_OVER_SLICES.min_run, MAX_OVER_SLICES.min_volume_ml) == (1, None)
    assert scan_positive(volume([7], 0.0, True), THRESHOLD, MAX_OVER_SLICES)
    assert not scan_positive(volume([], 0.0, True), THRESHOLD, MAX_OVER_SLICES)


def test_volumes_of_unknown_bleed_volume_are_judged_by_runs_alone():
    unknown = VolumeScores(np.r_[0.9, np.full(11, 0.1)], np.ones(12, bool), None, True)
    assert not scan_positive(unknown, THRESHOLD, ScanRule(2, 0.1))
    assert scan_positive(unknown, THRESHOLD, ScanRule(1, 0.1))


def test_one_class_volumes_are_rejected():
    with pytest.raises(ValueError, match="^choosing a scan rule needs both positive and negative volumes$"):
        choose_scan_rule([volume([1], 1.0, True)], THRESHOLD)


def test_a_run_threshold_is_chosen_when_false_runs_score_lower_than_bleeds():
    """Negatives hold runs of 3 slices just over the slice threshold (0.15); positives runs scoring 0.6. Only a run
    threshold between the two keeps sensitivity and clears the negatives; the lowest such grid value is chosen."""

    def scored(p_run: float, label: bool, start: int) -> VolumeScores:
        p = np.full(SLICES, 0.01)
        p[start : start + 3] = p_run
        return VolumeScores(p, np.ones(SLICES, bool), None, label)

    volumes = [scored(0.6, True, k) for k in range(8)] + [scored(0.15, False, k) for k in range(8)]
    chosen = choose_scan_rule(volumes, 0.1, target_sensitivity=0.95, volumes_ml=(None,))
    assert (chosen["min_run"], chosen["run_threshold"]) == (1, 0.2)
    assert chosen["sensitivity"] == 1.0 and chosen["specificity"] == 1.0
    without = choose_scan_rule(volumes, 0.1, target_sensitivity=0.95, volumes_ml=(None,), run_thresholds=(None,))
    assert without["run_threshold"] is None and without["specificity"] == 0.0
