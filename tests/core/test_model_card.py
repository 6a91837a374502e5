import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.model_card import ModelCard, input_spec
from core.scan_decision import ScanRule
from tests.model_cards import card_data

STORE = Path(__file__).resolve().parents[2] / "model_store"
SHIPPED = sorted(STORE.glob("*/*/model_card.json"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}-{p.parent.name}")
def test_every_shipped_card_validates_and_round_trips_unchanged(path):
    data = json.loads(path.read_text())
    card = ModelCard.model_validate(data)
    assert card.as_dict() == data
    assert (card.name, card.version) == (path.parent.parent.name, int(path.parent.name))


def test_shipped_cards_exist():
    assert {p.parent.parent.name for p in SHIPPED} == {"ich_classifier", "ich_segmenter"}


def test_input_spec_describes_every_channel_of_a_2_5d_input():
    spec = input_spec((128, 96), context_slices=1)
    assert spec.shape == (None, 128, 96, 9)
    assert [c.slice_offset for c in spec.channels] == [-1] * 3 + [0] * 3 + [1] * 3
    assert spec.size == (128, 96) and spec.channel_count == 9


def test_confinement_is_stated_only_when_a_model_is_confined():
    assert "confinement" not in input_spec((64, 64)).model_dump(exclude_unset=True)
    confined = input_spec((64, 64), confinement="intracranial")
    assert confined.confinement == "intracranial" and "intracranial space" in confined.preprocessing
    data = card_data("m", 1)
    data["input"]["confinement"] = "brain"
    with pytest.raises(ValidationError, match="confinement"):
        ModelCard.model_validate(data)


def test_a_shape_that_disagrees_with_its_channels_is_refused():
    data = card_data("m", 1)
    data["input"]["shape"] = [None, 256, 256, 4]
    with pytest.raises(ValidationError, match="4 channels but 3 are described"):
        ModelCard.model_validate(data)


def test_a_segmenter_must_state_its_mask_threshold():
    data = card_data("m", 1, segmenter=True)
    del data["output"]["mask_threshold"]
    with pytest.raises(ValidationError, match="mask_threshold"):
        ModelCard.model_validate(data)
    assert ModelCard.model_validate(card_data("m", 1, segmenter=True)).mask_threshold == 0.5


def test_a_classifier_has_no_mask_threshold():
    with pytest.raises(ValueError, match="not a segmenter"):
        ModelCard.model_validate(card_data("m", 1)).mask_threshold


@pytest.mark.parametrize(
    "policy, message",
    [
        ({"calibration": {"method": "platt"}}, "not supported"),
        ({"scan_rule": {"min_run": 0}}, "min_run must be at least 1"),
        ({"assessment": {"min_brain_share": 2}}, "min_brain_share must be within 0..1"),
        ({"scan_rule_by_input": {"brain_window_8bit": {"min_run": 0}}}, "min_run must be at least 1"),
        ({"scan_rule_by_input": {"jpeg": {"min_run": 2}}}, "'hu' or 'brain_window_8bit'"),
    ],
)
def test_a_malformed_policy_is_refused_when_the_card_is_read(policy, message):
    with pytest.raises(ValidationError, match=message):
        ModelCard.model_validate(card_data("m", 1, **policy))


def test_policies_are_parsed_once_and_typed():
    card = ModelCard.model_validate(card_data("m", 1, scan_rule={"min_run": 4, "min_volume_ml": 1.0, "chosen_on": "x"}))
    assert card.scan_rule_policy == ScanRule(4, 1.0, "x")
    assert card.calibration_map is None


def test_an_input_form_with_its_own_rule_gets_it_and_the_others_get_scan_rule():
    exports = {"min_run": 3, "min_volume_ml": None, "run_threshold": 0.9, "chosen_on": "exports"}
    card = ModelCard.model_validate(
        card_data(
            "m", 1, scan_rule={"min_run": 2, "chosen_on": "hu"}, scan_rule_by_input={"brain_window_8bit": exports}
        )
    )
    assert card.scan_rule_for("brain_window_8bit") == ScanRule(3, None, "exports", 0.9)
    assert card.scan_rule_for("hu") == card.scan_rule_policy == ScanRule(2, None, "hu")


def test_records_the_contract_does_not_know_survive_a_round_trip():
    data = card_data("m", 1, site_calibration={"site": "A"}, real_ct={"forms": {}})
    assert ModelCard.model_validate(data).as_dict() == data


@pytest.mark.parametrize("key", ["name", "input", "output", "threshold", "notice"])
def test_a_card_without_a_required_section_is_refused(key):
    data = card_data("m", 1)
    del data[key]
    with pytest.raises(ValidationError, match=key):
        ModelCard.model_validate(data)


def test_a_threshold_outside_0_1_is_refused():
    with pytest.raises(ValidationError, match="threshold"):
        ModelCard.model_validate(card_data("m", 1, threshold=1.5))
