"""What would the served weights answer on the real normal scan if they saw less of each slice? Scores the store's
classifier v3 and ResUNet v2 (fed the whole slice in training) on the scan as HU and on the bench's 40 semi-real
positives with the input edited at test time: the whole slice; the intracranial space only; that space with a band of
everything around it (3 or 6 mm); with a synthetic 1000 HU skull band (5 mm); with the real bone within 6 mm (what
`--confine cranium`, core.model_input.confine, computes). Everything left out is set to air.

python -m experiments.input_variants [--json experiments/results/input_variants_v3_v2.json]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it. About 2 minutes.
"""

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from app.config import Settings
from bench.realct.anatomy import IN_BRAIN_LEVELS, scan_anatomy, slice_levels
from bench.realct.evaluate import POSITIVES, SEED
from bench.realct.scan_input import read_scan
from bench.realct.semi_real import make_positives
from bench.realct.serving import load_served_models
from core.dice import dice_score
from core.intracranial import intracranial_mask
from core.model_input import CONFINEMENTS, confine
from core.resize import resize_image
from core.slice_assessment import assess_slice
from core.windowing import AIR_HU, window_stack
from training.metrics import roc_auc

SCAN = Path(__file__).resolve().parents[1] / ".." / "shared" / "realct" / "invesalius_0051"
SIZE = (256, 256)
THRESHOLDS = (0.659, 0.3, 0.1)  # v3's own, and two lower
# "intracranial" and "cranium" are the service's own confinements (core.model_input.confine); the rest are studies.
VARIANTS = ("whole", "intracranial", "band_3mm", "band_6mm", "synthetic_skull_5mm", "cranium")


def _band(inside: np.ndarray, mm: float, pixel_mm: float) -> np.ndarray:
    size = 2 * round(mm / pixel_mm) + 1
    grown = cv2.dilate(inside.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    return grown.astype(bool) & ~inside


def edit(hu: np.ndarray, variant: str, pixel_mm: float) -> np.ndarray:
    """HU at model size -> the input `variant` leaves of it, the rest air."""
    if variant == "whole":
        return hu
    if variant in CONFINEMENTS:
        return confine(hu, variant)
    inside = intracranial_mask(hu, (pixel_mm, pixel_mm))
    out = np.where(inside, hu, np.float32(AIR_HU))
    if variant.startswith("band_"):
        band = _band(inside, float(variant[5:-2]), pixel_mm)
        out[band] = hu[band]
    elif variant == "synthetic_skull_5mm":
        out[_band(inside, 5.0, pixel_mm)] = 1000.0
    return out


def model_inputs(slices, variant: str, pixel_mm: float) -> np.ndarray:
    return np.stack([window_stack(edit(resize_image(h, SIZE).astype(np.float32), variant, pixel_mm)) for h in slices])


def semi_real_sets(scan) -> tuple[list, list[int]]:
    """The bench's semi-real positives (bleeds pasted into assessed in-brain slices) and the untouched slices of the
    same levels it scores them against, as indices into the scan."""
    levels = slice_levels(np.array([a.intracranial_mm2 for a in scan_anatomy(scan.hu, scan.spacing_mm)]))
    assessed = [assess_slice(h, scan.spacing_mm).assessed for h in scan.hu]
    candidates = [i for i, level in enumerate(levels) if level in IN_BRAIN_LEVELS and assessed[i]]
    positives = make_positives(scan.hu, scan.spacing_mm, candidates, POSITIVES, SEED)
    return positives, sorted(np.random.default_rng(SEED).choice(candidates, POSITIVES, replace=False).tolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    settings = Settings(classifier_version=3, segmenter_version=2)
    models = load_served_models(settings)
    scan = read_scan(SCAN)
    pixel_mm = float(np.mean(scan.spacing_mm)) * scan.hu.shape[1] / SIZE[0]
    assessed = np.array([assess_slice(h, scan.spacing_mm).assessed for h in scan.hu])
    positives, negatives = semi_real_sets(scan)
    report = {}
    for variant in VARIANTS:
        normal = np.where(assessed, np.asarray(models.classifier(model_inputs(scan.hu, variant, pixel_mm)))[:, 0], 0.0)
        pasted = model_inputs([p.hu for p in positives], variant, pixel_mm)
        scores = np.asarray(models.classifier(pasted))[:, 0]
        masks = np.asarray(models.segmenter(pasted))[..., 0] >= models.mask_threshold
        dice = [
            dice_score(resize_image(m.astype(np.float32), p.mask.shape) >= 0.5, p.mask)
            for m, p in zip(masks, positives)
        ]
        labels = np.array([1] * len(scores) + [0] * len(negatives))
        report[variant] = {
            "semi_real_auc": round(roc_auc(labels, np.concatenate([scores, normal[negatives]])), 3),
            "semi_real_dice_model_size": round(float(np.mean(dice)), 3),
            "by_threshold": {
                str(t): {
                    "normal_flagged": int((normal >= t).sum()),
                    "semi_real_sensitivity": round(float(np.mean(scores >= t)), 3),
                    "semi_real_specificity": round(float(np.mean(normal[negatives] < t)), 3),
                }
                for t in THRESHOLDS
            },
        }
        print(variant, json.dumps(report[variant]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
