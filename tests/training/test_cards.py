"""The card sections training writes (training.cards) make a card that core.model_card accepts."""

import sys
from importlib.machinery import ModuleSpec
from types import ModuleType, SimpleNamespace

from core.model_card import ModelCard
from training.cards import MASK_THRESHOLD, classifier_sections, credits, data_sections, segmenter_sections
from training.config import ModelConfig

ATLAS_DESCRIPTION = {
    "source": "synthetic head-CT phantoms (training.phantoms, training.atlas); no patient data",
    "source_mix": {"atlas": 0.8, "procedural": 0.2},
    "atlas": {"source": "3-D atlas head phantoms", "credit": "Rorden C et al., NeuroImage 2012; BSD 2-Clause"},
}
FIXED = {"name": "m", "version": 1, "created": "2026-12-01T00:00:00+00:00", "notice": "n", "framework": {"keras": "3"}}
TRAINING = {"training": {"epochs": 1}}


def test_the_atlas_credit_reaches_the_card_and_procedural_data_credits_nothing():
    assert credits(ATLAS_DESCRIPTION) == ["Rorden C et al., NeuroImage 2012; BSD 2-Clause"]
    assert credits({"source": "synthetic head-CT phantoms (training.phantoms)"}) == []


def test_a_classifier_and_a_segmenter_card_built_from_the_sections_validate():
    common = data_sections(ATLAS_DESCRIPTION, None, (256, 256), 1)
    operating_point = {"threshold": 0.3, "rule": "r"}
    classifier = ModelCard.model_validate(FIXED | common | classifier_sections({}, operating_point) | TRAINING)
    models = SimpleNamespace(attention=False, base_width=16, loss="dice")
    segmenter = ModelCard.model_validate(FIXED | common | segmenter_sections({}, models) | TRAINING)
    assert classifier.is_classifier and classifier.threshold == 0.3 and classifier.input.context_slices == 1
    assert segmenter.mask_threshold == MASK_THRESHOLD and segmenter.credits == classifier.credits != []


def test_segmenter_sections_take_the_model_config():
    models = ModelConfig(
        models=("segmenter",),
        classifier_epochs=1,
        segmenter_epochs=1,
        base_width=8,
        attention=True,
        loss="dice_bce",
        init_classifier=None,
        init_segmenter=None,
        target_sensitivity=0.95,
    )
    assert segmenter_sections({}, models)["architecture"]["name"] == "Attention ResUNet"


def test_the_card_names_the_module_the_run_was_started_as(monkeypatch):
    study = ModuleType("__main__")
    study.__spec__ = ModuleSpec("experiments.train_variant", None)
    monkeypatch.setitem(sys.modules, "__main__", study)
    monkeypatch.setattr(sys, "argv", ["train_variant.py", "--classifier-widths", "24,48", "--", "--version", "43"])
    reproduce = data_sections(ATLAS_DESCRIPTION, None, (256, 256), 0)["reproduce"]
    assert reproduce == "python -m experiments.train_variant --classifier-widths 24,48 -- --version 43"
    study.__spec__ = ModuleSpec("training.__main__", None)
    assert data_sections(ATLAS_DESCRIPTION, None, (256, 256), 0)["reproduce"].startswith("python -m training --")
