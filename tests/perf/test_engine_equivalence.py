"""The served answers must not depend on how the models are run. Against TensorFlow fp32 on held-out phantoms and
on the real head CT's slices:
- OpenVINO fp32 must match to rounding: every probability within 1e-4, mask Dice >= 0.999;
- bf16 may be the default only where it is equivalent: mask Dice >= 0.99 (pooled, and per slice for masks of at least
  100 pixels) and every probability within 0.01; the ResUNet alone in bf16 (the AMX default) must pass this.
The shipped models run through the service's own loader, one process per engine and precision (bench.equivalence).
On a CPU with avx512_bf16 but no AMX the bf16 runs use OpenVINO's avx512_bf16 kernels: the same bf16 rounding.
"""

import numpy as np
import pytest

from app.config import Settings
from bench.equivalence import (
    ENGINE_DICE,
    ENGINE_PROBABILITY_GAP,
    MAX_PROBABILITY_GAP,
    MIN_DICE,
    MIN_MASK_PIXELS,
    REAL_SCAN,
    bf16_kernels,
    equivalence,
    held_out_inputs,
    is_equivalent,
    outputs,
    real_scan_inputs,
    served_input,
)
from tests.live_server import ROOT

SHIPPED_STORE = ROOT / "model_store"
MASK_THRESHOLD = served_input(SHIPPED_STORE)[1]  # the served segmenter card's
FP32 = {"classifier": "fp32", "segmenter": "fp32"}
needs_bf16 = pytest.mark.skipif(
    bf16_kernels() is None, reason="this CPU has neither amx_bf16 nor avx512_bf16: no bf16 to compare"
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
    assert setup["engine"] == "openvino" and setup["precisions"] == FP32
    assert (reference["mask_probabilities"] >= MASK_THRESHOLD).sum() >= MIN_MASK_PIXELS, "no masks to compare"
    figures = equivalence(reference, served, MASK_THRESHOLD)
    assert is_equivalent(figures, ENGINE_DICE, ENGINE_PROBABILITY_GAP), figures


@pytest.fixture(scope="module")
def bf16_outputs(inputs):
    """bf16 through the engine the service picks on this CPU."""
    return outputs(SHIPPED_STORE, inputs, "openvino", "bf16")


@needs_bf16
def test_the_bf16_run_really_ran_in_bf16(tensorflow_fp32, bf16_outputs):
    (fp32, fp32_setup), (bf16, bf16_setup) = tensorflow_fp32, bf16_outputs
    assert (fp32_setup["precisions"], bf16_setup["precisions"]) == (FP32, {"classifier": "bf16", "segmenter": "bf16"})
    assert (
        np.abs(bf16["mask_probabilities"] - fp32["mask_probabilities"]).max() > 1e-3
    )  # bf16 rounding changed the math


@needs_bf16
def test_bf16_is_served_by_default_exactly_when_it_is_equivalent(tensorflow_fp32, bf16_outputs):
    figures = equivalence(tensorflow_fp32[0], bf16_outputs[0], MASK_THRESHOLD)
    default = Settings.model_fields["cpu_bf16"].default
    assert default == is_equivalent(figures), f"cpu_bf16 default {default}, but the check gives {figures}"


@needs_bf16
def test_the_resunet_alone_in_bf16_is_the_default_exactly_when_it_is_equivalent(inputs, tensorflow_fp32):
    """ICH_CPU_BF16_SEGMENTER on AMX CPUs: on by default only while the equivalence rule allows it on the shipped
    models (it did for ResUNet v9; v79's worst phantom slice falls under the per-slice Dice limit)."""
    (reference, _), (mixed, setup) = tensorflow_fp32, outputs(SHIPPED_STORE, inputs, "openvino", "bf16-segmenter")
    assert setup["precisions"] == {"classifier": "fp32", "segmenter": "bf16"}
    figures = equivalence(reference, mixed, MASK_THRESHOLD)
    default = Settings.model_fields["cpu_bf16_segmenter"].default
    assert default == is_equivalent(figures), f"cpu_bf16_segmenter default {default}, but the check gives {figures}"
    assert figures["probability_gap"] <= ENGINE_PROBABILITY_GAP  # the classifier ran fp32: rounding only
    assert np.abs(mixed["mask_probabilities"] - reference["mask_probabilities"]).max() > 1e-3  # the ResUNet ran bf16


@pytest.fixture(scope="module")
def real_scan(tmp_path_factory):
    """The real normal head CT's slices (evaluation only), with TensorFlow fp32's answers on them."""
    assert REAL_SCAN.is_dir(), f"the real head CT is missing at {REAL_SCAN} (../shared from the repository)"
    inputs = real_scan_inputs(tmp_path_factory.mktemp("real_scan"))
    return inputs, outputs(SHIPPED_STORE, inputs, "tensorflow")[0]


def test_openvino_answers_the_real_scan_as_tensorflow_does(real_scan):
    inputs, reference = real_scan
    served, setup = outputs(SHIPPED_STORE, inputs, "openvino")
    assert len(reference["probabilities"]) >= 100, "the real scan should give one input per slice"
    assert setup["precisions"] == FP32
    figures = equivalence(reference, served, MASK_THRESHOLD)
    assert is_equivalent(figures, ENGINE_DICE, ENGINE_PROBABILITY_GAP), figures


@pytest.fixture(scope="module")
def real_scan_bf16_segmenter(real_scan):
    mixed, setup = outputs(SHIPPED_STORE, real_scan[0], "openvino", "bf16-segmenter")
    assert setup["precisions"] == {"classifier": "fp32", "segmenter": "bf16"}
    assert np.abs(mixed["mask_probabilities"] - real_scan[1]["mask_probabilities"]).max() > 1e-4  # the ResUNet ran bf16
    return mixed


@needs_bf16
def test_the_resunet_alone_in_bf16_answers_the_real_scan_within_the_issues_rule(real_scan, real_scan_bf16_segmenter):
    """The issue's rule on the real scan's slices: pooled mask Dice >= 0.99, every probability within 0.01."""
    figures = equivalence(real_scan[1], real_scan_bf16_segmenter, MASK_THRESHOLD)
    assert figures["pooled_dice"] >= MIN_DICE and figures["probability_gap"] <= MAX_PROBABILITY_GAP, figures


@needs_bf16
@pytest.mark.xfail(
    strict=True,
    reason="known: on the real scan small false-positive blobs move by a few pixels in bf16 (ResUNet v2: three slices,"
    " worst-slice Dice 0.980 < 0.99, docs/performance.md; v9 too; the served v79 0.985); bf16 is off by default since"
    " v79, which fails the per-slice rule on phantoms as well",
)
def test_the_resunet_alone_in_bf16_passes_the_per_slice_rule_on_the_real_scan(real_scan, real_scan_bf16_segmenter):
    assert is_equivalent(equivalence(real_scan[1], real_scan_bf16_segmenter, MASK_THRESHOLD))
