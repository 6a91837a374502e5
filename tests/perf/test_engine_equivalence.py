"""The served answers must not depend on how the models are run. Against TensorFlow fp32 on held-out phantoms:
- OpenVINO fp32 (the CPU default) must match to rounding: every probability within 1e-4, mask Dice >= 0.999;
- bf16 on AMX may be the default only where it is equivalent: mask Dice >= 0.99 (pooled, and per slice for masks of
  at least 100 pixels) and every probability within 0.01; the ResUNet alone in bf16 (an opt-in) must pass this.
The shipped models run through the service's own loader, one process per engine and precision (bench.equivalence).
"""

import numpy as np
import pytest

from app.config import Settings
from app.serving.tf_setup import has_amx_bf16
from bench.equivalence import (
    ENGINE_DICE,
    ENGINE_PROBABILITY_GAP,
    MASK_THRESHOLD,
    MIN_MASK_PIXELS,
    equivalence,
    held_out_inputs,
    is_equivalent,
    outputs,
)
from tests.live_server import ROOT

SHIPPED_STORE = ROOT / "model_store"
needs_amx = pytest.mark.skipif(
    not has_amx_bf16(), reason="this CPU has no amx_bf16, so the service serves fp32 and there is nothing to compare"
)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    assert (SHIPPED_STORE / "ich_segmenter").is_dir(), "the shipped models are missing from model_store/"
    return held_out_inputs(tmp_path_factory.mktemp("precision"))


@pytest.fixture(scope="module")
def tensorflow_fp32(inputs):
    return outputs(SHIPPED_STORE, inputs, "tensorflow")


def test_openvino_answers_as_tensorflow_does(inputs, tensorflow_fp32):
    (reference, _), (served, setup) = tensorflow_fp32, outputs(SHIPPED_STORE, inputs, "openvino")
    assert setup["engine"] == "openvino" and not setup["cpu_bf16"]
    assert (reference["mask_probabilities"] >= MASK_THRESHOLD).sum() >= MIN_MASK_PIXELS, "no masks to compare"
    figures = equivalence(reference, served)
    assert is_equivalent(figures, ENGINE_DICE, ENGINE_PROBABILITY_GAP), figures


@pytest.fixture(scope="module")
def bf16_outputs(inputs):
    """bf16 through the engine the service picks on this CPU."""
    return outputs(SHIPPED_STORE, inputs, "openvino", "bf16")


@needs_amx
def test_the_bf16_run_really_ran_in_bf16(tensorflow_fp32, bf16_outputs):
    (fp32, fp32_setup), (bf16, bf16_setup) = tensorflow_fp32, bf16_outputs
    assert (fp32_setup["cpu_bf16"], bf16_setup["cpu_bf16"]) == (False, True)
    assert (
        np.abs(bf16["mask_probabilities"] - fp32["mask_probabilities"]).max() > 1e-3
    )  # bf16 rounding changed the math


@needs_amx
def test_bf16_is_served_by_default_exactly_when_it_is_equivalent(tensorflow_fp32, bf16_outputs):
    figures = equivalence(tensorflow_fp32[0], bf16_outputs[0])
    default = Settings.model_fields["cpu_bf16"].default
    assert default == is_equivalent(figures), f"cpu_bf16 default {default}, but the check gives {figures}"


@needs_amx
def test_the_resunet_alone_in_bf16_is_equivalent_and_the_classifier_stays_fp32(inputs, tensorflow_fp32):
    """ICH_CPU_BF16_SEGMENTER: the opt-in that the equivalence rule allows on the shipped models."""
    (reference, _), (mixed, setup) = tensorflow_fp32, outputs(SHIPPED_STORE, inputs, "openvino", "bf16-segmenter")
    assert setup["precisions"] == {"classifier": "fp32", "segmenter": "bf16"}
    figures = equivalence(reference, mixed)
    assert is_equivalent(figures), figures
    assert figures["probability_gap"] <= ENGINE_PROBABILITY_GAP  # the classifier ran fp32: rounding only
    assert np.abs(mixed["mask_probabilities"] - reference["mask_probabilities"]).max() > 1e-3  # the ResUNet ran bf16
