"""The real normal head CT in ../shared/realct through the shipped models, answered four ways: as before (masks
anywhere, every slice scored, max over slices), with masks confined, with levels assessed, and with both and the
scan rule (the service now). Evaluation only: nothing here is fitted to the scan.

.venv/bin/python -m experiments.measure_real_scan
"""

import json
import time
from pathlib import Path

import numpy as np
import pydicom

from app.config import Settings
from app.pipeline.infer.step import chunk_inputs, run_chunk
from app.pipeline.postprocess.scan_measures import slice_volumes_ml
from app.serving.loading import store_loader
from core.calibration import calibrate
from core.scan_decision import ScanRule, decide
from core.slice_assessment import assess_slice
from tests.core.head_phantom import REAL_SCAN

MAX_OVER_SLICES = ScanRule(min_run=1, min_volume_ml=None, chosen_on="the old rule")


def read_scan() -> tuple[np.ndarray, tuple[float, float], np.ndarray]:
    datasets = [pydicom.dcmread(path) for path in REAL_SCAN.glob("*.dcm")]
    datasets.sort(key=lambda ds: float(ds.ImagePositionPatient[2]))
    hu = np.stack([ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept) for ds in datasets])
    z = np.array([float(ds.ImagePositionPatient[2]) for ds in datasets])
    gaps = np.diff(z)
    slabs = (np.concatenate([gaps[:1], gaps]) + np.concatenate([gaps, gaps[-1:]])) / 2
    return hu.astype(np.float32), tuple(float(v) for v in datasets[0].PixelSpacing), slabs


def figures(p, masks, assessed, spacing, slabs, threshold, rule) -> dict:
    volumes = slice_volumes_ml(masks, spacing, slabs)
    decision = decide(p, assessed, volumes, threshold, rule)
    return {
        "flagged_slices": len(decision.flagged_slices),
        "slices_with_masks": int((masks.reshape(len(masks), -1).any(axis=1) & assessed).sum()),
        "bleed_ml": round(decision.volume_ml, 2),
        "scan_probability": round(decision.probability, 3),
        "hemorrhage": decision.positive,
        "longest_run": decision.longest_run,
    }


def infer_chunks(models, hu: np.ndarray, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """The models alone over the stack, in the service's chunks: raw probabilities, masks at the input's size."""
    parts = [run_chunk(models, chunk_inputs(models, hu, i, min(i + chunk, len(hu)))) for i in range(0, len(hu), chunk)]
    return np.concatenate([raw for raw, _ in parts]), np.stack([m for _, masks in parts for m in masks])


def main() -> None:
    hu, spacing, slabs = read_scan()
    models = store_loader(Settings(model_store=Path("model_store")))()
    card = models.classifier_version.card
    threshold = card.threshold
    start = time.perf_counter()
    raw, masks = infer_chunks(models, hu, 16)
    inferred = time.perf_counter()
    p = calibrate(raw, card.calibration_map)[:, 0]
    assessments = [assess_slice(s, spacing) for s in hu]
    assessed_at = time.perf_counter()
    assessed = np.array([a.assessed for a in assessments])
    confined = np.stack([a.confine(m) for a, m in zip(assessments, masks)])
    every = np.ones(len(hu), bool)
    rows = {
        "before: masks anywhere, every slice, max over slices": figures(
            p, masks, every, spacing, slabs, threshold, MAX_OVER_SLICES
        ),
        "masks confined, every slice, max over slices": figures(
            p, confined, every, spacing, slabs, threshold, MAX_OVER_SLICES
        ),
        "levels assessed, masks anywhere, max over slices": figures(
            p, masks, assessed, spacing, slabs, threshold, MAX_OVER_SLICES
        ),
        "now: confined + assessed, max over slices": figures(
            p, confined, assessed, spacing, slabs, threshold, MAX_OVER_SLICES
        ),
        f"now: confined + assessed + {card.scan_rule_policy.describe()}": figures(
            p, confined, assessed, spacing, slabs, threshold, card.scan_rule_policy
        ),
    }
    reasons = {}
    for index, a in enumerate(assessments):
        reasons.setdefault(a.reason or "assessed", []).append(index)
    flagged_assessed = [int(i) for i in np.flatnonzero(assessed & (p >= threshold))]
    print(json.dumps({"threshold": threshold, "rows": rows}, indent=1))
    print("levels:", {k: f"{v[0]}-{v[-1]} ({len(v)})" for k, v in reasons.items()})
    print("flagged assessed slices:", flagged_assessed)
    print(f"inference {inferred - start:.1f} s, assessment {1000 * (assessed_at - inferred) / len(hu):.1f} ms/slice")


if __name__ == "__main__":
    main()
