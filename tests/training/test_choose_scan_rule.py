"""python -m training.choose_scan_rule end to end: a tiny exported store, small atlas head volumes, the rule written
into the classifier card and read back by serving's ScanRule.from_card."""

import json

import numpy as np
import pytest

from core.model_card import ModelCard
from core.scan_decision import ScanRule
from tests.model_cards import make_version
from tests.training.fixtures.tiny_store import store_fixture, tiny_store_fixture  # noqa: F401 (fixtures)
from training import choose_scan_rule
from training.choose_scan_rule import as_8bit_export, atlas_volumes, main, paired_segmenter

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


def test_a_rule_for_8bit_exports_goes_into_the_cards_entry_for_them_and_leaves_scan_rule(card, capsys):
    store = str(card.parents[2])
    main(["--store", store, "--version", "1", "--volumes", "4", "--seed", "77", *SMALL])
    hu_rule = json.loads(card.read_text())["scan_rule"]

    main(["--store", store, "--version", "1", "--volumes", "4", "--seed", "77", "--input", "brain_window_8bit", *SMALL])

    after = ModelCard.model_validate(json.loads(card.read_text()))
    spec = after.scan_rule_by_input["brain_window_8bit"]
    assert after.scan_rule == hu_rule and list(after.scan_rule_by_input) == ["brain_window_8bit"]
    assert "--input brain_window_8bit" in spec["chosen_on"] and "8-bit series at one brain window" in spec["chosen_on"]
    assert spec["min_volume_ml"] is None  # exports carry no spacing, so no bleed volume to weigh
    assert after.scan_rule_for("brain_window_8bit") == ScanRule.from_card({"scan_rule": spec})
    assert after.scan_rule_for("hu") == ScanRule.from_card({"scan_rule": hu_rule})
    assert "--input hu" in hu_rule["chosen_on"]


def test_the_two_inputs_can_be_chosen_side_by_side_without_losing_either_rule(card, monkeypatch, capsys):
    store = str(card.parents[2])
    main(["--store", store, "--version", "1", "--volumes", "2", "--seed", "77", *SMALL])
    hu_rule = json.loads(card.read_text())["scan_rule"]
    card.write_text(json.dumps(json.loads(card.read_text()) | {"scan_rule": None}))
    scored = choose_scan_rule.score_volumes

    def while_the_hu_choice_finishes(*args):
        result = scored(*args)
        card.write_text(json.dumps(json.loads(card.read_text()) | {"scan_rule": hu_rule}))
        return result

    monkeypatch.setattr(choose_scan_rule, "score_volumes", while_the_hu_choice_finishes)
    main(["--store", store, "--version", "1", "--volumes", "2", "--seed", "77", "--input", "brain_window_8bit", *SMALL])

    after = json.loads(card.read_text())
    assert after["scan_rule"] == hu_rule and "brain_window_8bit" in after["scan_rule_by_input"]


def test_an_exported_head_is_the_same_head_seen_through_a_brain_window_without_its_spacing():
    (scanned,) = atlas_volumes(77, 1, 64, 5.0)
    exported = as_8bit_export(scanned, np.random.default_rng(0))
    hu, read = np.stack([r.hu for r in scanned]), np.stack([r.hu for r in exported])
    assert hu.min() < -500 and hu.max() > 500 and 0.0 <= read.min() and read.max() <= 80.0
    assert [r.labels for r in exported] == [r.labels for r in scanned]
    assert scanned[0].spacing_mm is not None and all(r.spacing_mm is None for r in exported)
    inside = (hu > 25) & (hu < 35)  # brain, inside every brain window drawn
    assert np.corrcoef(hu[inside], read[inside])[0, 1] > 0.9


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
