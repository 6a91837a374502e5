"""How much bone should the cranium input keep in an 8-bit export? An export clips blood above 80 HU with the bone, so
an epidural or subdural bleed reads as a thicker skull, and the intracranial space ends at its inner edge: the served
6 mm band then keeps the bleed and cuts the skull behind it. This scores the served pair with wider bands, on held-out
8-bit phantoms and on the real normal scan's 8-bit exports (normal slices flagged at the served threshold; semi-real
AUC of the bench's 40 pasted bleeds against 40 untouched slices).

python -m experiments.export_band [--json experiments/results/export_band_v9.json]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it. About 10 minutes.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from app.config import Settings
from bench.realct.forms import FORMS_BY_NAME, decode_stack, encode_slices
from bench.realct.scan_input import read_scan
from bench.realct.serving import load_served_models
from core.dice import dice_score
from core.model_input import confine
from core.resize import resize_image, resize_mask
from core.slice_assessment import assess_slice
from core.windowing import as_brain_window_export, window_stack
from experiments.input_variants import SCAN, SIZE, semi_real_sets
from training.metrics import roc_auc
from training.phantom_data import TEST_SEED
from training.phantoms.generator import generate_phantom, phantom_seeds

BANDS_MM = (6.0, 12.0, 26.0)  # the served band; the skull and a 6 mm subdural; the skull and a 20 mm epidural
REAL_FORMS = ("png8_40_80", "png8_50_150")
PHANTOMS = 400


def model_inputs(slices, band_mm: float) -> np.ndarray:
    return np.stack(
        [window_stack(confine(resize_image(h, SIZE).astype(np.float32), "cranium", band_mm)) for h in slices]
    )


def phantom_figures(models, band_mm: float) -> dict:
    phantoms = [generate_phantom(seed) for seed in phantom_seeds(TEST_SEED, PHANTOMS)]
    inputs = model_inputs([as_brain_window_export(p.hu) for p in phantoms], band_mm)
    labels = np.array([p.positive for p in phantoms])
    scores = np.asarray(models.classifier(inputs))[:, 0]
    masks = np.asarray(models.segmenter(inputs))[..., 0] >= models.mask_threshold
    dice = [dice_score(m, resize_mask(p.mask, SIZE)) for m, p in zip(masks, phantoms) if p.positive]
    return {
        "auc": round(roc_auc(labels, scores), 4),
        "dice": round(float(np.mean(dice)), 3),
        "negatives_with_mask": round(float(np.mean(masks[~labels].any(axis=(1, 2)))), 3),
    }


def real_figures(models, scan, positives, negatives, threshold: float, band_mm: float) -> dict:
    figures = {}
    for name in REAL_FORMS:
        form = FORMS_BY_NAME[name]
        normal = decode_stack(encode_slices(scan.hu, form), scan).hu
        pasted = decode_stack(encode_slices(np.stack([p.hu for p in positives]), form), scan).hu
        assessed = np.array([assess_slice(h, None).assessed for h in normal])
        p_normal = np.where(assessed, np.asarray(models.classifier(model_inputs(normal, band_mm)))[:, 0], 0.0)
        p_pasted = np.asarray(models.classifier(model_inputs(pasted, band_mm)))[:, 0]
        labels = np.array([1] * len(p_pasted) + [0] * len(negatives))
        figures[name] = {
            "normal_flagged": int((p_normal >= threshold).sum()),
            "semi_real_auc": round(roc_auc(labels, np.concatenate([p_pasted, p_normal[negatives]])), 3),
            "semi_real_sensitivity": round(float(np.mean(p_pasted >= threshold)), 3),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    settings = Settings()
    models = load_served_models(settings)
    threshold = settings.operating_threshold(models.classifier_version.card)
    scan = read_scan(SCAN)
    positives, negatives = semi_real_sets(scan)
    report = {}
    for band in BANDS_MM:
        report[f"{band:g}mm"] = {
            "phantoms_8bit": phantom_figures(models, band),
            "real_scan": real_figures(models, scan, positives, negatives, threshold, band),
        }
        print(f"{band:g} mm", json.dumps(report[f"{band:g}mm"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"threshold": threshold, "bands": report}, indent=1) + "\n")


if __name__ == "__main__":
    main()
