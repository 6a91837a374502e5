"""Serving a stored pair with another input confinement: same weights, new versions, figures measured again."""

import json

import numpy as np
import pytest

from core.model_input import to_model_input
from core.model_store import CARD_FILE, paired_input, resolve
from tests.training.fixtures.tiny_store import store_fixture, tiny_store_fixture  # noqa: F401 (fixtures)
from tests.training.test_calibrate import checksums
from training.evaluate_store import load_saved_model
from training.metrics import sensitivity_specificity
from training.phantom_data import BRAIN_WINDOW_FRACTION, VALIDATION_SEED, build_arrays
from training.reconfine import main

COUNTS = ["--val-count", "12", "--test-count", "8"]


def card(store, name, version) -> dict:
    return json.loads((store / name / str(version) / CARD_FILE).read_text())


def test_both_models_get_a_cranium_version_with_the_same_weights(store):
    main(["--confine", "cranium", "--store", str(store), "--version", "9", *COUNTS])

    for name in ("ich_classifier", "ich_segmenter"):
        new, old = store / name / "9", store / name / "1"
        assert checksums(new) == checksums(old) and len(checksums(new)) >= 3
        written = card(store, name, 9)
        assert written["version"] == 9 and written["input"]["confinement"] == "cranium"
        assert written["derived_from"]["version"] == 1 and "--confine cranium" in written["reproduce"]
        assert set(written["metrics"]["held_out"]) == {"hu", "brain_window_8bit", "exported_8bit"}
        assert written["training"] == card(store, name, 1)["training"]
    classifier, segmenter = (resolve(store, name) for name in ("ich_classifier", "ich_segmenter"))
    assert (classifier.version, segmenter.version) == (9, 9)
    assert paired_input(classifier.card, segmenter.card).confinement == "cranium"
    assert segmenter.card.mask_threshold == card(store, "ich_segmenter", 1)["output"]["mask_threshold"]


def test_the_threshold_is_chosen_on_confined_validation_phantoms(store):
    main(["--confine", "cranium", "--store", str(store), "--version", "4", *COUNTS])

    written = card(store, "ich_classifier", 4)
    validation = build_arrays(VALIDATION_SEED, 12, brain_window_fraction=BRAIN_WINDOW_FRACTION, confinement="cranium")
    scores = load_saved_model(store / "ich_classifier" / "4")(validation.images.astype(np.float32))[:, 0]
    sensitivity, _ = sensitivity_specificity(validation.labels[:, 0] > 0.5, scores, written["threshold"])
    assert sensitivity >= 0.95 and written["operating_point"]["threshold"] == written["threshold"]
    assert written["operating_point"]["validation_sensitivity"] == pytest.approx(sensitivity)
    # The images it was chosen on are the service's own input for this confinement, not the whole slice.
    assert not np.array_equal(validation.images[0], to_model_input(np.zeros((8, 8))))


def test_an_existing_version_is_never_overwritten(store):
    with pytest.raises(SystemExit, match="exists"):
        main(["--confine", "cranium", "--store", str(store), "--version", "1", *COUNTS])
