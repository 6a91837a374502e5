"""bf16 on AMX may be served only where it is equivalent to fp32 on held-out phantoms: mask Dice >= 0.99 (pooled, and
per slice for masks of at least MIN_MASK_PIXELS) and every probability within 0.01. The shipped models run through
the service's own loader, one process per precision; the service's default must follow the verdict.
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


def equivalence(fp32: dict, bf16: dict) -> dict:
    fp32_masks = fp32["mask_probabilities"] >= MASK_THRESHOLD
    bf16_masks = bf16["mask_probabilities"] >= MASK_THRESHOLD
    sized = [dice_score(b, f) for b, f in zip(bf16_masks, fp32_masks) if f.sum() >= MIN_MASK_PIXELS]
    return {
        "pooled_dice": dice_score(bf16_masks, fp32_masks),
        "worst_slice_dice": min(sized),
        "probability_gap": float(np.abs(bf16["probabilities"] - fp32["probabilities"]).max()),
    }


def is_equivalent(figures: dict) -> bool:
    dice_ok = min(figures["pooled_dice"], figures["worst_slice_dice"]) >= MIN_DICE
    return dice_ok and figures["probability_gap"] <= MAX_PROBABILITY_GAP


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
    assert (fp32["mask_probabilities"] >= MASK_THRESHOLD).sum() >= MIN_MASK_PIXELS, "no masks to compare"


def test_bf16_is_served_by_default_exactly_when_it_is_equivalent(both_precisions):
    (fp32, _), (bf16, _) = both_precisions
    figures = equivalence(fp32, bf16)
    default = Settings.model_fields["cpu_bf16"].default
    assert default == is_equivalent(figures), f"cpu_bf16 default {default}, but the check gives {figures}"


@pytest.mark.parametrize(
    ("figures", "verdict"),
    [
        ({"pooled_dice": 0.999, "worst_slice_dice": 0.995, "probability_gap": 0.004}, True),
        ({"pooled_dice": 0.998, "worst_slice_dice": 0.988, "probability_gap": 0.004}, False),
        ({"pooled_dice": 0.998, "worst_slice_dice": 0.995, "probability_gap": 0.050}, False),
    ],
)
def test_the_verdict_needs_every_criterion(figures, verdict):
    assert is_equivalent(figures) is verdict
