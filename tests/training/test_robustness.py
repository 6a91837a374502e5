"""training.robustness measures whichever models a version holds, so a classifier-only version can be compared."""

import shutil

import numpy as np

from tests.training.fixtures.tiny_store import export_tiny_store
from training.robustness import measure, perturbed_test_set


def test_a_version_with_only_a_classifier_gets_detection_figures_only(tmp_path):
    store = export_tiny_store(tmp_path / "store")
    shutil.copytree(store / "ich_classifier" / "1", store / "ich_classifier" / "2")
    data = perturbed_test_set(8)
    inputs, _masks, labels, forms = data
    assert inputs.shape == (8, 256, 256, 3) and forms.any() and (~forms).any() and labels.any() and (~labels).any()
    both, classifier_only = measure(store, "1", data), measure(store, "2", data)
    for form in ("hu", "brain_window_8bit"):
        assert set(both[form]) == {"auc", "mean_dice_positive_slices", "negative_slices_with_false_positive_pixels"}
        assert set(classifier_only[form]) == {"auc"}
        assert classifier_only[form]["auc"] == both[form]["auc"]
        assert 0.0 <= both[form]["mean_dice_positive_slices"] <= 1.0
    assert not np.array_equal(inputs[0], inputs[2])  # every phantom got its own draw
