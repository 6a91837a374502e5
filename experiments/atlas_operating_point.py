"""Would a slice threshold chosen on whole atlas head volumes (real anatomy, every level) flag fewer real normal slices
than the card's, chosen on validation phantoms of the training mix?

python -m experiments.atlas_operating_point [--store S] [--volumes 24] [--slice-mm 5] [--json FILE]
The store's newest classifier scores atlas head volumes (training.choose_scan_rule's, seed 77: never trained on), as
HU and as 8-bit export series, on assessed slices only. Per form: slice AUC, the threshold reaching 95 % and 90 %
slice sensitivity with the specificity there, and the card threshold's own figures on the same slices. The real scan
is not read: the bench says what a chosen threshold does there. About 2 minutes per 24 volumes per form on 2 cores.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from core.calibration import calibrate
from core.model_input import stack_inputs
from core.raster import BRAIN_WINDOW_FORM, HU_FORM
from experiments.served_pair import served_pair
from training.choose_scan_rule import DEFAULT_SEED, EXPORT_STREAM, MATRIX, as_8bit_export, atlas_volumes
from training.evaluate import predict_in_batches
from training.metrics import roc_auc, sensitivity_specificity, threshold_for_sensitivity
from training.site_scoring import assess_records

SENSITIVITIES = (0.95, 0.90)


def assessed_scores(pair, records) -> tuple[np.ndarray, np.ndarray]:
    """(labels, served P(any)) of the volume's assessed slices, scored as the service scores them."""
    card, spec = pair.classifier.card, pair.spec
    inputs = stack_inputs([r.hu for r in records], spec.context, spec.size, spec.confinement)
    served = calibrate(predict_in_batches(pair.classify, inputs)[:, 0], card.calibration_map)
    assessed = np.array([a.assessed for a in assess_records(records, card.assessment_limits)], bool)
    labels = np.array([r.positive for r in records], bool)
    return labels[assessed], served[assessed]


def figures(labels: np.ndarray, p: np.ndarray, threshold: float) -> dict:
    sensitivity, specificity = sensitivity_specificity(labels, p, threshold)
    return {
        "threshold": round(threshold, 4),
        "sensitivity": round(sensitivity, 3),
        "specificity": round(specificity, 3),
    }


def form_report(labels: np.ndarray, p: np.ndarray, card_threshold: float) -> dict:
    report = {"slices": int(labels.size), "positive": int(labels.sum()), "auc": round(roc_auc(labels, p), 4)}
    report["card_threshold"] = figures(labels, p, card_threshold)
    for target in SENSITIVITIES:
        report[f"at_sensitivity_{target:g}"] = figures(labels, p, threshold_for_sensitivity(labels, p, target))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--volumes", type=int, default=24, help="atlas head volumes, half with a bleed")
    parser.add_argument("--slice-mm", type=float, default=5.0, help="one thickness for all (real series: 0.6-5 mm)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    pair = served_pair(args.store)
    scores = {HU_FORM: ([], []), BRAIN_WINDOW_FORM: ([], [])}
    for index, records in enumerate(atlas_volumes(DEFAULT_SEED, args.volumes, MATRIX, args.slice_mm)):
        exported = as_8bit_export(records, np.random.default_rng([DEFAULT_SEED, index, EXPORT_STREAM]))
        for form, series in ((HU_FORM, records), (BRAIN_WINDOW_FORM, exported)):
            labels, p = assessed_scores(pair, series)
            scores[form][0].append(labels)
            scores[form][1].append(p)
    report = pair.describe() | {"volumes": args.volumes, "slice_mm": args.slice_mm, "seed": DEFAULT_SEED}
    for form, (labels, p) in scores.items():
        report[form] = form_report(np.concatenate(labels), np.concatenate(p), pair.threshold)
        print(form, json.dumps(report[form]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
