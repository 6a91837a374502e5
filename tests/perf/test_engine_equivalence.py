"""The served answers must not depend on how the models are run. Against TensorFlow fp32 on held-out phantoms:
- OpenVINO fp32 (the CPU default) must match to rounding: every probability within 1e-4, mask Dice >= 0.999;
- bf16 on AMX may be the default only where it is equivalent: mask Dice >= 0.99 (pooled, and per slice for masks of
  at least MIN_MASK_PIXELS) and every probability within 0.01.
The shipped models run through the service's own loader, one process per engine and precision.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

from app.config import Settings
from app.serving.tf_setup import has_amx_bf16
from core.dice import dice_score
from tests.live_server import ROOT
from training.phantom_data import TEST_SEED, build_arrays

SHIPPED_STORE = ROOT / "model_store"
HELD_OUT_SLICES = 64
MIN_DICE = 0.99
MAX_PROBABILITY_GAP = 0.01
MASK_THRESHOLD = 0.5
MIN_MASK_PIXELS = 100  # below this one or two pixels swing a slice's Dice by several points
ENGINE_DICE, ENGINE_PROBABILITY_GAP = 0.999, 1e-4  # two fp32 engines differ only in summation order
needs_amx = pytest.mark.skipif(
    not has_amx_bf16(), reason="this CPU has no amx_bf16, so the service serves fp32 and there is nothing to compare"
)


def outputs(inputs, tmp_path, engine: str, bf16: bool = False) -> tuple[dict, dict]:
    out = tmp_path / f"{engine}_{'bf16' if bf16 else 'fp32'}.npz"
    command = [sys.executable, "-m", "tests.perf.precision_run", str(SHIPPED_STORE), str(inputs), str(out)]
    command += ["--engine", engine] + (["--bf16"] if bf16 else [])
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(np.load(out)), json.loads(done.stdout.strip().splitlines()[-1])


def equivalence(reference: dict, other: dict) -> dict:
    reference_masks = reference["mask_probabilities"] >= MASK_THRESHOLD
    other_masks = other["mask_probabilities"] >= MASK_THRESHOLD
    sized = [dice_score(o, r) for o, r in zip(other_masks, reference_masks) if r.sum() >= MIN_MASK_PIXELS]
    return {
        "pooled_dice": dice_score(other_masks, reference_masks),
        "worst_slice_dice": min(sized),
        "probability_gap": float(np.abs(other["probabilities"] - reference["probabilities"]).max()),
    }


def is_equivalent(figures: dict) -> bool:
    dice_ok = min(figures["pooled_dice"], figures["worst_slice_dice"]) >= MIN_DICE
    return dice_ok and figures["probability_gap"] <= MAX_PROBABILITY_GAP


@pytest.fixture(scope="module")
def held_out_inputs(tmp_path_factory):
    assert (SHIPPED_STORE / "ich_segmenter").is_dir(), "the shipped models are missing from model_store/"
    tmp_path = tmp_path_factory.mktemp("precision")
    held_out = build_arrays(TEST_SEED, HELD_OUT_SLICES, workers=1)  # both input forms, as training evaluated them
    inputs = tmp_path / "inputs.npz"
    np.savez(inputs, images=held_out.images.astype(np.float32))
    return inputs


@pytest.fixture(scope="module")
def tensorflow_fp32(held_out_inputs):
    return outputs(held_out_inputs, held_out_inputs.parent, "tensorflow")


def test_openvino_answers_as_tensorflow_does(held_out_inputs, tensorflow_fp32):
    (reference, _), (served, setup) = tensorflow_fp32, outputs(held_out_inputs, held_out_inputs.parent, "openvino")
    assert setup["engine"] == "openvino" and not setup["cpu_bf16"]
    assert (reference["mask_probabilities"] >= MASK_THRESHOLD).sum() >= MIN_MASK_PIXELS, "no masks to compare"
    figures = equivalence(reference, served)
    assert figures["probability_gap"] <= ENGINE_PROBABILITY_GAP, figures
    assert min(figures["pooled_dice"], figures["worst_slice_dice"]) >= ENGINE_DICE, figures


@pytest.fixture(scope="module")
def bf16_outputs(held_out_inputs):
    """bf16 through the engine the service picks on this CPU."""
    return outputs(held_out_inputs, held_out_inputs.parent, "openvino", bf16=True)


@needs_amx
def test_the_bf16_run_really_ran_in_bf16(tensorflow_fp32, bf16_outputs):
    (fp32, fp32_setup), (bf16, bf16_setup) = tensorflow_fp32, bf16_outputs
    assert (fp32_setup["cpu_bf16"], bf16_setup["cpu_bf16"]) == (False, True)
    assert (
        np.abs(bf16["mask_probabilities"] - fp32["mask_probabilities"]).max() > 1e-3
    )  # bf16 rounding changed the math
    assert (fp32["mask_probabilities"] >= MASK_THRESHOLD).sum() >= MIN_MASK_PIXELS, "no masks to compare"


@needs_amx
def test_bf16_is_served_by_default_exactly_when_it_is_equivalent(tensorflow_fp32, bf16_outputs):
    figures = equivalence(tensorflow_fp32[0], bf16_outputs[0])
    default = Settings.model_fields["cpu_bf16"].default
    assert default == is_equivalent(figures), f"cpu_bf16 default {default}, but the check gives {figures}"
