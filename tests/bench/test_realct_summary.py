"""The bench summary's header: the scan rule for each input form, and reports recorded before rules per form."""

from bench.realct.summary import scan_rule_lines


def test_one_line_per_input_forms_rule():
    rules = {"hu": "at least 2 neighbouring", "brain_window_8bit": "at least 4 neighbouring"}
    assert scan_rule_lines(rules) == [
        "Scan rule for hu input: at least 2 neighbouring.",
        "Scan rule for brain_window_8bit input: at least 4 neighbouring.",
    ]


def test_a_report_from_before_rules_per_form_still_renders():
    assert scan_rule_lines("at least 2 neighbouring") == ["Scan rule: at least 2 neighbouring."]
    assert scan_rule_lines(None) == []
