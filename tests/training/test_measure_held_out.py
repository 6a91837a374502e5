"""Adding a held-out form to stored cards: measured on the forms asked for, old figures and weights untouched."""

import json

import numpy as np
import pytest

from core.model_store import CARD_FILE, write_card
from tests.model_cards import model_card
from tests.training.fixtures.tiny_store import store_fixture, tiny_store_fixture  # noqa: F401 (fixtures)
from tests.training.test_calibrate import checksums
from training.held_out_forms import FORM_NOTES
from training.measure_held_out import main, phantom_mix
from training.phantom_data import TEST_SEED, build_arrays

OLD = {"hu": {"auc": 0.5}, "brain_window_8bit": {"auc": 0.25}}


def card(store, name) -> dict:
    return json.loads((store / name / "1" / CARD_FILE).read_text())


def with_old_figures(store, metrics=None):
    for name in ("ich_classifier", "ich_segmenter"):
        written = card(store, name) | {"metrics": metrics or {"held_out": dict(OLD)}}
        write_card(store / name / "1", written)
    return store


def test_the_exported_form_is_added_beside_the_old_figures_and_the_weights_stay(store):
    with_old_figures(store)
    before = {name: checksums(store / name / "1") for name in ("ich_classifier", "ich_segmenter")}
    main(["--store", str(store), "--classifier", "1", "--segmenter", "1", "--test-count", "8", "--workers", "1"])

    classifier, segmenter = card(store, "ich_classifier"), card(store, "ich_segmenter")
    for written in (classifier, segmenter):
        held_out = written["metrics"]["held_out"]
        assert set(held_out) == {"hu", "brain_window_8bit", "exported_8bit"}
        assert {form: held_out[form] for form in OLD} == OLD
        assert written["metrics"]["held_out_forms"]["exported_8bit"] == FORM_NOTES["exported_8bit"]
        assert "--test-count 8" in written["metrics"]["held_out_added"]["exported_8bit"]
    assert classifier["metrics"]["held_out"]["exported_8bit"]["slices"] == 8
    assert 0 <= classifier["metrics"]["held_out"]["exported_8bit"]["specificity"] <= 1
    assert "mean_dice_positive_slices" in segmenter["metrics"]["held_out"]["exported_8bit"]
    assert {name: checksums(store / name / "1") for name in before} == before


def test_nothing_is_measured_when_the_card_has_every_form(store, capsys):
    complete = {form: {"auc": 0.5} for form in FORM_NOTES}
    with_old_figures(store, {"held_out": complete})
    main(["--store", str(store), "--classifier", "1", "--test-count", "8", "--workers", "1"])

    assert json.loads(capsys.readouterr().out) == {"ich_classifier": {}}
    assert card(store, "ich_classifier")["metrics"] == {"held_out": complete}


def test_a_card_measured_on_a_dataset_is_refused(store):
    with_old_figures(store, {"held_out": {"test_patients": {"auc": 0.9}}})
    with pytest.raises(SystemExit, match="measured on a dataset"):
        main(["--store", str(store), "--classifier", "1", "--test-count", "8"])


def test_exported_phantoms_are_the_same_cases_not_the_lossless_brain_window():
    lossless = build_arrays(TEST_SEED, 6, brain_window_fraction=1.0, workers=1, keep_native=True)
    exported = build_arrays(
        TEST_SEED, 6, brain_window_fraction=1.0, workers=1, keep_native=True, eight_bit_exports=True
    )

    np.testing.assert_array_equal(exported.labels, lossless.labels)
    assert exported.brain_window.all()
    assert not np.array_equal(exported.images, lossless.images)
    # Exports are rescaled, cropped or padded now and then; the reference masks follow them.
    assert any(a.shape != b.shape for a, b in zip(exported.native_masks, lossless.native_masks, strict=True))


def test_the_mix_is_the_one_the_cards_old_figures_were_drawn_from():
    derived = {"version": 2, "held_out_phantoms": {"mix": {"procedural_ct": 1.0}, "per_form": 600}}
    trained = {"source": "tests", "source_mix": {"atlas": 0.5, "procedural": 0.5}}
    assert phantom_mix(model_card("ich_classifier", 9, training_data=trained, derived_from=derived)) == {
        "procedural_ct": 1.0
    }
    assert phantom_mix(model_card("ich_classifier", 9, training_data=trained)) == trained["source_mix"]
    assert phantom_mix(model_card("ich_classifier", 9)) == {"procedural": 1.0}
