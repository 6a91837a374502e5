"""The one inference step, called directly: chunking, slices not assessed, Dice, and a lone slice as a stack of one."""

import numpy as np
import pytest

from app.pipeline.flows.slice_flow import predict_slice
from app.pipeline.infer.step import infer
from core.dice import dice_score
from tests.app.conftest import fake_models
from tests.app.dicom_files import ct_bytes
from tests.core.head_phantom import AIR_HU, BRAIN_HU, head_slice

THRESHOLD = 0.05
STEP_STAGES = {"preprocess", "classify", "segment", "postprocess"}


def head_with_bleed(bleed_hu: float = 70.0) -> np.ndarray:
    hu = head_slice(128, brain_axes=(40, 50))
    hu[60:68, 56:72] = bleed_hu
    return hu


def verdicts(checks) -> list[tuple]:
    return [(c.assessment.reason, c.window_problem, c.contrast, c.models_agree) for c in checks]


def stack() -> np.ndarray:
    brain_only = np.full((128, 128), AIR_HU, np.float32)
    brain_only[30:98, 30:98] = BRAIN_HU  # no skull ring: not a level the models are asked to judge
    return np.stack([head_slice(128, brain_axes=(40, 50)), head_with_bleed(), head_with_bleed(), brain_only])


def test_chunks_change_nothing_but_the_number_of_model_calls():
    one, all_at_once = (infer(fake_models(), stack(), (0.9, 0.9), THRESHOLD, chunk=chunk) for chunk in (1, 16))
    np.testing.assert_array_equal(one.probabilities, all_at_once.probabilities)
    np.testing.assert_array_equal(one.masks, all_at_once.masks)
    assert verdicts(one.checks) == verdicts(all_at_once.checks)
    assert set(one.timings_ms) == set(all_at_once.timings_ms) == STEP_STAGES


def test_a_slice_not_assessed_has_a_blank_mask_and_the_bleed_is_kept():
    result = infer(fake_models(), stack(), (0.9, 0.9), THRESHOLD)
    assert result.assessed.tolist() == [True, True, True, False]
    assert result.checks[3].assessment.reason == "no_skull"
    assert not result.masks[3].any()
    assert result.masks[1].sum() > result.masks[0].sum()
    assert result.slice_probabilities[1] > result.slice_probabilities[0]


def test_a_mask_is_given_only_where_the_classifier_flags_the_slice():
    result = infer(fake_models(), stack(), (0.9, 0.9), THRESHOLD)
    quiet, bleed = result.checks[0], result.checks[1]
    assert result.slice_probabilities[0] < THRESHOLD <= result.slice_probabilities[1]
    assert not result.masks[0].any() and quiet.withheld_pixels > 0 and not quiet.models_agree
    assert result.masks[1].any() and bleed.withheld_pixels == 0
    raised = infer(fake_models(), stack(), (0.9, 0.9), 0.0)  # a caller's threshold of 0 flags every assessed slice
    assert raised.masks[0].sum() == quiet.withheld_pixels and raised.checks[0].withheld_pixels == 0


def test_dice_over_the_stack_and_per_slice():
    hu = stack()
    reference = np.zeros(hu.shape, bool)
    reference[1:3, 60:68, 56:72] = True
    result = infer(fake_models(), hu, (0.9, 0.9), THRESHOLD, reference)
    assert result.slice_dice[3] == 1.0  # not assessed, so blank, as is the reference: perfect agreement
    assert result.slice_dice[0] == 1.0  # the segmenter paints its skull's edge, but unflagged slices get no mask
    assert result.slice_dice[1] > 0.5
    assert result.dice == pytest.approx(dice_score(result.masks, reference))
    assert infer(fake_models(), hu, (0.9, 0.9), THRESHOLD).dice is None


def test_the_slice_flow_is_the_step_on_a_stack_of_one():
    hu = head_with_bleed()
    flow = predict_slice(fake_models(), ct_bytes(hu), threshold=THRESHOLD)
    step = infer(fake_models(), flow.decoded.hu[None], flow.decoded.spacing_mm, THRESHOLD)
    np.testing.assert_array_equal(flow.probabilities, step.probabilities[0])
    np.testing.assert_array_equal(flow.mask, step.masks[0])
    assert verdicts([flow.checks]) == verdicts(step.checks[:1])
    assert list(flow.timings_ms) == ["decode", "preprocess", "classify", "segment", "postprocess", "encode"]
