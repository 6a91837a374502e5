"""A model pair whose cards say input.confinement = intracranial is fed only the inside of the skull."""

from pathlib import Path

import numpy as np
import pytest

from app.pipeline.infer.step import infer
from app.serving.runtime import LoadedModels
from core.model_input import to_model_input
from core.model_store import ModelVersion, StoreError
from tests.core.head_phantom import head_slice
from tests.model_cards import model_card


def recording_models(confinement: str, segmenter_confinement: str | None = None) -> tuple[LoadedModels, list]:
    seen = []

    def classifier(batch):
        seen.append(np.array(batch))
        return np.zeros((len(batch), 6), np.float32)

    def segmenter(batch):
        return np.zeros((*batch.shape[:3], 1), np.float32)

    cards = (
        model_card("c", 1, confinement=confinement),
        model_card("s", 1, segmenter=True, confinement=segmenter_confinement or confinement),
    )
    models = LoadedModels(
        classifier, segmenter, ModelVersion("c", 1, Path("."), cards[0]), ModelVersion("s", 1, Path("."), cards[1])
    )
    return models, seen


def _scan() -> np.ndarray:
    hu = head_slice(512, brain_axes=(160, 200), bone_mm=12)
    hu[10:30, 200:300] = 70.0  # blood-dense tissue outside the skull
    return np.stack([hu, hu])


@pytest.mark.parametrize("confinement", ["none", "intracranial"])
def test_the_models_get_the_input_their_cards_describe(confinement):
    models, seen = recording_models(confinement)
    hu = _scan()
    infer(models, hu, (0.45, 0.45), threshold=0.5)
    expected = np.stack([to_model_input(h, confinement=confinement) for h in hu])
    np.testing.assert_array_equal(np.concatenate(seen), expected)
    outside_the_head = np.concatenate(seen)[:, 5:15, 100:150, 0]  # the dense tissue, in the brain window
    assert (outside_the_head == 0.0).all() == (confinement == "intracranial")


def test_a_pair_that_disagrees_on_confinement_is_refused():
    with pytest.raises(StoreError, match="confinement"):
        recording_models("intracranial", segmenter_confinement="none")
