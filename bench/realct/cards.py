"""The bench's figures written into the served models' cards, under "real_ct": the classifier's card gets what the
classifier decides (probabilities, flags, AUC), the segmenter's what the masks measure (volumes, areas, Dice)."""

import json
from pathlib import Path

from core.model_store import CARD_FILE, read_card, write_card

CLASSIFIER_NORMAL = ("scan_positive", "scan_probability", "flagged_slices", "slices")
SEGMENTER_NORMAL = (
    "bleed_volume_ml",
    "all_masks_ml",
    "slices_with_mask",
    "slices_with_component_over_10mm2",
    "share_with_component_over_10mm2",
    "component_mm2_by_location",
)
CLASSIFIER_SEMI = ("auc", "sensitivity", "specificity", "positives", "negatives", "against_whole_scan")
SEGMENTER_SEMI = ("dice", "segmenter_dice", "positives")


def _round(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def card_figures(report: dict, model: str) -> dict:
    """Per form: real_normal_* and semi_real_* figures for the classifier or the segmenter."""
    normal_keys = CLASSIFIER_NORMAL if model == "classifier" else SEGMENTER_NORMAL
    semi_keys = CLASSIFIER_SEMI if model == "classifier" else SEGMENTER_SEMI
    forms = {}
    for name, figures in report["normal"].items():
        forms[name] = {f"real_normal_{key}": _round(figures[key]) for key in normal_keys}
    for name, figures in report["semi_real"].items():
        forms[name] |= {f"semi_real_{key}": _round(figures[key]) for key in semi_keys}
        by_type = {
            t: _round(block["dice" if model == "segmenter" else "sensitivity"])
            for t, block in figures["by_type"].items()
        }
        forms[name][f"semi_real_{'dice' if model == 'segmenter' else 'sensitivity'}_by_type"] = by_type
    return forms


def record(card_dir: Path, model: str, provenance: dict, full: dict, subset: dict, subset_spec: dict) -> None:
    """Re-read the card just before writing, and replace only its real_ct key (others edit other keys)."""
    real_ct = provenance | {
        "forms": card_figures(full, model),
        "ci_subset": subset_spec | {"forms": card_figures(subset, model)},
    }
    write_card(card_dir, read_card(card_dir).as_dict() | {"real_ct": real_ct})


def recorded_subset(card_dir: Path) -> dict | None:
    return json.loads((card_dir / CARD_FILE).read_text()).get("real_ct", {}).get("ci_subset")
