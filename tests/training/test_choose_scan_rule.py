"""python -m training.choose_scan_rule end to end: a tiny exported store, small atlas head volumes, the rule written
into the classifier card and read back by serving's ScanRule.from_card."""

import json

import pytest

from core.scan_decision import ScanRule
from tests.training.fixtures.tiny_store import store_fixture, tiny_store_fixture  # noqa: F401 (fixtures)
from tests.model_cards import make_version
from training.choose_scan_rule import main, paired_segmenter

# Small and thick, so the test stays well under a minute: 64 pixels across, 5 mm slices (about 32 a head).
SMALL = ["--matrix", "64", "--slice-mm", "5"]


@pytest.fixture
def card(store):
    return store / "ich_classifier" / "1" / "model_card.json"


def test_the_chosen_rule_is_written_into_the_card_and_serving_reads_it(card, capsys):
    before = json.loads(card.read_text())

    main(["--store", str(card.parents[2]), "--version", "1", "--volumes", "4", "--seed", "77", *SMALL])

    after = json.loads(card.read_text())
    spec = after.pop("scan_rule")
    assert after == before
    rule = ScanRule.from_card({"scan_rule": spec})
    assert (rule.min_run, rule.min_volume_ml) == (spec["min_run"], spec["min_volume_ml"])
    assert rule.chosen_on == spec["chosen_on"]
    assert "python -m training.choose_scan_rule --seed 77 --volumes 4" in spec["chosen_on"]
    assert "(these 5.00-5.00 mm)" in spec["chosen_on"] and "segmenter ich_segmenter v1" in spec["chosen_on"]
    assert spec["volumes"] == {"positive": 2, "negative": 2}
    assert spec["threshold"] == before["threshold"] and spec["target_sensitivity"] == 0.95
    for figures in (spec, spec["max_over_slices"]):
        assert 0.0 <= figures["sensitivity"] <= 1.0 and 0.0 <= figures["specificity"] <= 1.0
    summary = json.loads(capsys.readouterr().out.split("\nwarning:")[0])
    assert summary["written"] is True and summary["scan_rule"] == spec


def test_a_dry_run_leaves_the_card_as_it_was_and_reports_each_volume(card, tmp_path, capsys):
    before = card.read_bytes()
    report = tmp_path / "volumes.json"
    main(
        [
            "--store",
            str(card.parents[2]),
            "--version",
            "1",
            "--volumes",
            "2",
            "--dry-run",
            "--report",
            str(report),
            *SMALL,
        ]
    )
    assert card.read_bytes() == before
    summary = json.loads(capsys.readouterr().out.split("\nwarning:")[0])
    assert summary["written"] is False and summary["scan_rule"]["volumes"] == {"positive": 1, "negative": 1}
    rows = json.loads(report.read_text())["volumes"]
    assert [row["bleed"] for row in rows] == [True, False]
    for row in rows:
        assert row["slice_mm"] == 5.0 and row["flagged"] <= row["assessed"] <= row["slices"]
        assert row["longest_run"] <= row["flagged"] and row["volume_ml"] >= 0.0


def test_slices_are_assessed_by_the_cards_limits_as_serving_assesses_them(card, tmp_path):
    # Limits no slice can meet: were the defaults used instead, the atlas heads' middle slices would be assessed.
    card.write_text(json.dumps({**json.loads(card.read_text()), "assessment": {"min_brain_share": 1.0}}))
    report = tmp_path / "volumes.json"
    args = ["--store", str(card.parents[2]), "--version", "1", "--volumes", "2", "--dry-run", "--report", str(report)]
    main([*args, *SMALL])
    rows = json.loads(report.read_text())["volumes"]
    assert [row["assessed"] for row in rows] == [0, 0] and all(row["slices"] > 0 for row in rows)


@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_training_seeds_are_refused(seed, capsys):
    with pytest.raises(SystemExit):
        main(["--version", "1", "--seed", seed])
    assert f"--seed {seed} is a training phantom set's base seed; choose another" in capsys.readouterr().err


def test_a_missing_version_fails_before_any_model_loads(tmp_path):
    (tmp_path / "ich_classifier").mkdir()
    with pytest.raises(SystemExit, match=r"error: no SavedModel versions of .ich_classifier. in "):
        main(["--store", str(tmp_path), "--version", "7"])


def test_the_segmenter_is_the_same_version_when_present_else_the_newest(tmp_path):
    for version in (1, 2, 5):
        make_version(tmp_path, "ich_segmenter", version)
    assert paired_segmenter(tmp_path, "ich_segmenter", 2).version == 2
    assert paired_segmenter(tmp_path, "ich_segmenter", 4).version == 5
    assert paired_segmenter(tmp_path, "ich_segmenter", None).version == 5
