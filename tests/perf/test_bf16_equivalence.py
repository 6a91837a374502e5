"""bf16 on AMX is served only because it is equivalent: against fp32 on held-out phantoms, mask Dice >= 0.99 and
every probability within 0.01. Runs the shipped models through the service's own loader, one process per precision.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

from app.serving.tf_setup import has_amx_bf16
from core.dice import dice_score
from tests.live_server import ROOT
from training.phantom_data import TEST_SEED, build_arrays

SHIPPED_STORE = ROOT / "model_store"
HELD_OUT_SLICES = 64
MIN_DICE = 0.99
MAX_PROBABILITY_GAP = 0.01
MASK_THRESHOLD = 0.5

pytestmark = pytest.mark.skipif(
    not has_amx_bf16(), reason="this CPU has no amx_bf16, so the service serves fp32 and there is nothing to compare"
)


def outputs(inputs, tmp_path, bf16: bool) -> tuple[dict, dict]:
    out = tmp_path / f"{'bf16' if bf16 else 'fp32'}.npz"
    command = [sys.executable, "-m", "tests.perf.precision_run", str(SHIPPED_STORE), str(inputs), str(out)]
    done = subprocess.run(
        command + (["--bf16"] if bf16 else []), cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(np.load(out)), json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def both_precisions(tmp_path_factory):
    assert (SHIPPED_STORE / "ich_segmenter").is_dir(), "the shipped models are missing from model_store/"
    tmp_path = tmp_path_factory.mktemp("precision")
    held_out = build_arrays(TEST_SEED, HELD_OUT_SLICES, workers=1)  # both input forms, as training evaluated them
    inputs = tmp_path / "inputs.npz"
    np.savez(inputs, images=held_out.images.astype(np.float32))
    return outputs(inputs, tmp_path, bf16=False), outputs(inputs, tmp_path, bf16=True)


def test_the_bf16_run_really_ran_in_bf16(both_precisions):
    (fp32, fp32_setup), (bf16, bf16_setup) = both_precisions
    assert (fp32_setup["cpu_bf16"], bf16_setup["cpu_bf16"]) == (False, True)
    assert np.abs(bf16["mask_probabilities"] - fp32["mask_probabilities"]).max() > 0  # the rewrite changed the math


def test_masks_agree_with_fp32(both_precisions):
    (fp32, _), (bf16, _) = both_precisions
    fp32_masks = fp32["mask_probabilities"] >= MASK_THRESHOLD
    bf16_masks = bf16["mask_probabilities"] >= MASK_THRESHOLD
    assert fp32_masks.any(), "no hemorrhage predicted at all: the comparison would be empty"
    assert dice_score(bf16_masks, fp32_masks) >= MIN_DICE
    per_slice = [dice_score(b, f) for b, f in zip(bf16_masks, fp32_masks)]
    assert min(per_slice) >= MIN_DICE, f"worst slice Dice {min(per_slice):.4f}"


def test_probabilities_agree_with_fp32(both_precisions):
    (fp32, _), (bf16, _) = both_precisions
    gap = np.abs(bf16["probabilities"] - fp32["probabilities"])
    assert gap.max() <= MAX_PROBABILITY_GAP, f"largest gap {gap.max():.4f}"
