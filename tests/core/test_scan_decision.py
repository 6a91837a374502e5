"""The scan-level rule: neighbouring flagged assessed slices, or predicted volume; parameters from the card."""

import math

import pytest

from core.scan_decision import DEFAULT_MIN_RUN, ScanRule, decide, longest_run

T = 0.5


def test_longest_run():
    assert longest_run([0, 1, 1, 0, 1, 1, 1, 0]) == 3
    assert longest_run([]) == 0 and longest_run([0, 0]) == 0


def test_one_flagged_slice_is_not_enough_but_two_neighbours_are():
    rule = ScanRule(min_run=2)
    lone = decide([0.1, 0.9, 0.1, 0.2], [True] * 4, None, T, rule)
    assert not lone.positive and lone.flagged_slices == [1] and lone.probability == 0.9
    pair = decide([0.1, 0.9, 0.8, 0.2], [True] * 4, None, T, rule)
    assert pair.positive and pair.by_run and pair.longest_run == 2 and pair.most_suspicious_slice == 1


def test_not_assessed_slices_neither_flag_nor_add_volume_and_are_skipped_between_neighbours():
    rule = ScanRule(min_run=2, min_volume_ml=1.0)
    answer = decide([0.9, 0.99, 0.8, 0.1], [True, False, True, True], [0.3, 50.0, 0.3, 0.0], T, rule)
    assert answer.flagged_slices == [0, 2] and answer.longest_run == 2  # 0 and 2 are neighbours once 1 is skipped
    assert answer.volume_ml == pytest.approx(0.6) and not answer.by_volume
    assert answer.probability == 0.9 and answer.most_suspicious_slice == 0 and answer.assessed_slices == 3


def test_the_volume_arm_fires_alone():
    answer = decide([0.6, 0.1, 0.7, 0.1], [True] * 4, [0.7, 0.0, 0.6, 0.0], T, ScanRule(min_run=2, min_volume_ml=1.0))
    assert answer.positive and answer.by_volume and not answer.by_run


def test_only_flagged_slices_add_volume():
    # The service gives a mask only where it flags a slice: a mask under the threshold is withheld.
    answer = decide([0.1, 0.6, 0.2], [True, True, True], [5.0, 0.4, 5.0], T, ScanRule(min_run=3, min_volume_ml=1.0))
    assert answer.volume_ml == pytest.approx(0.4) and not answer.by_volume and not answer.positive


def test_nothing_assessed_is_negative():
    answer = decide([0.99, 0.99], [False, False], [5.0, 5.0], T, ScanRule(min_run=1, min_volume_ml=0.1))
    assert not answer.positive and answer.most_suspicious_slice is None and answer.probability == 0.0


def test_a_series_shorter_than_the_run_needs_all_its_slices():
    assert decide([0.9], [True], None, T, ScanRule(min_run=3)).positive
    assert not decide([0.9, 0.1], [True, True], None, T, ScanRule(min_run=3)).positive


def test_rule_from_card_and_defaults():
    card = {"scan_rule": {"min_run": 3, "min_volume_ml": 2.5, "chosen_on": "val", "sensitivity": 0.96}}
    assert ScanRule.from_card(card) == ScanRule(3, 2.5, "val")  # its figures say what to expect, not how it decides
    assert (ScanRule.from_card(card).sensitivity, ScanRule.from_card(card).specificity) == (0.96, None)
    assert ScanRule.from_card({"scan_rule": {"min_run": 1, "min_volume_ml": None}}).min_volume_ml is None
    assert ScanRule.from_card({}).min_run == DEFAULT_MIN_RUN
    assert "2.5 mL" in ScanRule(3, 2.5).describe() and "mL" not in ScanRule(2, None).describe()
    assert ScanRule.from_card({"scan_rule": {"min_run": 1, "min_volume_ml": math.inf}}).min_volume_ml is None
    with pytest.raises(ValueError, match="min_run must be at least 1"):
        ScanRule(min_run=0)


def test_a_run_threshold_gives_the_scan_its_own_operating_point():
    # Two neighbours just over the slice threshold: both flagged, but they count towards the run only at 0.2.
    p, assessed = [0.06, 0.1, 0.08, 0.01], [True] * 4
    slice_rule = decide(p, assessed, None, 0.05, ScanRule(min_run=2))
    assert slice_rule.positive and slice_rule.flagged_slices == [0, 1, 2]
    scan_rule = decide(p, assessed, None, 0.05, ScanRule(min_run=2, run_threshold=0.2))
    assert not scan_rule.positive and scan_rule.flagged_slices == [0, 1, 2] and scan_rule.longest_run == 0
    assert decide([0.3, 0.25, 0.01], [True] * 3, None, 0.05, ScanRule(2, None, "", 0.2)).positive
    # Under the slice threshold a run threshold means nothing: a slice must be flagged to count.
    assert ScanRule(run_threshold=0.1).counting_threshold(0.5) == 0.5


def test_a_form_reads_its_own_rule_from_the_card_when_it_has_one():
    card = {"scan_rule": {"min_run": 2}, "scan_rule_by_input": {"brain_window_8bit": {"min_run": 4, "chosen_on": "x"}}}
    assert ScanRule.from_card(card, "brain_window_8bit") == ScanRule(4, None, "x")
    assert ScanRule.from_card(card, "hu").min_run == ScanRule.from_card(card).min_run == 2
    assert ScanRule.from_card({"scan_rule": {"min_run": 3}}, "brain_window_8bit").min_run == 3


def test_the_run_threshold_is_read_from_the_card_and_said():
    card = {"scan_rule": {"min_run": 2, "min_volume_ml": None, "chosen_on": "val", "run_threshold": 0.3}}
    rule = ScanRule.from_card(card)
    assert rule == ScanRule(2, None, "val", 0.3)
    assert "P(any) >= 0.3" in rule.describe() and "P(any) >= threshold" in ScanRule(2).describe()
    assert ScanRule.from_card({"scan_rule": {"min_run": 2, "run_threshold": None}}).run_threshold is None
    with pytest.raises(ValueError, match="run_threshold must be in"):
        ScanRule(run_threshold=1.5)
