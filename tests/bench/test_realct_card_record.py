"""Recording figures in a card (bench.realct.cards): only the real_ct key changes, each model gets its own figures,
and the CI subset reads back as written."""

import json

from bench.realct import cards
from tests.model_cards import card_data

REPORT = {
    "normal": {
        "hu": {
            "scan_positive": True,
            "scan_probability": 0.91234567,
            "flagged_slices": 3,
            "slices": 18,
            "bleed_volume_ml": 2.5,
            "all_masks_ml": 2.75,
            "slices_with_mask": 6,
            "slices_with_component_over_10mm2": 5,
            "share_with_component_over_10mm2": 5 / 18,
            "component_mm2_by_location": {"brain": 0.0, "inner_table": 255.0},
        }
    },
    "semi_real": {
        "hu": {
            "auc": 0.96,
            "sensitivity": 0.8,
            "specificity": 0.8,
            "dice": 0.9,
            "segmenter_dice": 0.93,
            "positives": 5,
            "negatives": 5,
            "by_type": {"subdural": {"sensitivity": 1.0, "dice": 0.95}},
            "against_whole_scan": {"negatives": 12, "auc": 0.912345, "specificity_at_90_sensitivity": 0.5},
        }
    },
}


def test_each_card_gets_its_models_figures_and_keeps_the_rest(tmp_path):
    for model in ("classifier", "segmenter"):
        folder = tmp_path / model
        folder.mkdir()
        (folder / "model_card.json").write_text(json.dumps(card_data(model, 1, segmenter=model == "segmenter")))
        cards.record(folder, model, {"scan": "s", "date": "d"}, REPORT, REPORT, {"slices": "every 6th"})
    classifier = json.loads((tmp_path / "classifier" / "model_card.json").read_text())
    segmenter = json.loads((tmp_path / "segmenter" / "model_card.json").read_text())
    assert classifier["threshold"] == 0.5 and classifier["real_ct"]["scan"] == "s"
    assert classifier["real_ct"]["forms"]["hu"] == {
        "real_normal_scan_positive": True,
        "real_normal_scan_probability": 0.9123,
        "real_normal_flagged_slices": 3,
        "real_normal_slices": 18,
        "semi_real_auc": 0.96,
        "semi_real_sensitivity": 0.8,
        "semi_real_specificity": 0.8,
        "semi_real_positives": 5,
        "semi_real_negatives": 5,
        "semi_real_sensitivity_by_type": {"subdural": 1.0},
        "semi_real_against_whole_scan": {"negatives": 12, "auc": 0.9123, "specificity_at_90_sensitivity": 0.5},
    }
    assert segmenter["real_ct"]["forms"]["hu"]["real_normal_bleed_volume_ml"] == 2.5
    assert segmenter["real_ct"]["forms"]["hu"]["semi_real_dice_by_type"] == {"subdural": 0.95}
    assert segmenter["real_ct"]["forms"]["hu"]["semi_real_segmenter_dice"] == 0.93
    assert "real_normal_flagged_slices" not in segmenter["real_ct"]["forms"]["hu"]
    subset = cards.recorded_subset(tmp_path / "segmenter")
    assert subset["slices"] == "every 6th" and subset["forms"]["hu"]["semi_real_dice"] == 0.9


def test_a_card_without_figures_has_no_subset(tmp_path):
    (tmp_path / "model_card.json").write_text("{}")
    assert cards.recorded_subset(tmp_path) is None
