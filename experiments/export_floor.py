"""The served classifier clears the real normal scan as HU and flags many of its slices as 8-bit exports. Is it the
value an export's left-out pixels get (0 HU, the export's own floor, core.model_input.confine) rather than air, as in
HU? Scores the served classifier, as a test-time edit, on the real normal scan and the bench's 40 semi-real positives,
each sent as HU and through four 8-bit windows, with the pixels the cranium leaves out set to 0 HU (served) or to air.

python -m experiments.export_floor [--store model_store] [--json experiments/results/export_floor_v36.json]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it. About 2 minutes.
"""

import json

import numpy as np

from bench.realct.forms import FORMS
from bench.realct.scan_input import read_scan
from bench.realct.semi_real_eval import against_whole_scan
from core.model_input import MODEL_SIZE, confinement_mask, to_model_input
from core.resize import resize_image
from core.slice_assessment import assess_slice
from core.windowing import AIR_HU, Window, brain_window_to_hu, window_stack
from experiments.input_variants import SCAN, semi_real_sets
from experiments.served_pair import served_pair, study_arguments
from training.scanner.export_render import window_pixels

# None: sent as HU; else the window of one of the bench's 8-bit PNG forms.
EXPORTS = (None, *(form.window for form in FORMS if form.is_8bit and not form.jpeg))


def sent_as(hu: np.ndarray, export: Window | None) -> np.ndarray:
    """HU at model size -> what the service reads from it sent as HU, or as an 8-bit export through `export`."""
    if export is None:
        return hu
    return brain_window_to_hu(window_pixels(hu, export.center, export.width, gamma=1.0))


def model_input(hu: np.ndarray, export: Window | None, floor: str, confinement: str) -> np.ndarray:
    seen = sent_as(resize_image(hu, MODEL_SIZE).astype(np.float32), export)
    if floor == "served":
        return to_model_input(seen, confinement=confinement)
    return window_stack(np.where(confinement_mask(seen, confinement), seen, np.float32(AIR_HU)))


def form_name(export: Window | None) -> str:
    return "hu" if export is None else f"png8_{export.name}"


def p_any(classify, slices, export: Window | None, confinement: str, floor: str = "served") -> np.ndarray:
    """The classifier's P(any) for HU slices, each as the service reads it sent as `export`."""
    return np.asarray(classify(np.stack([model_input(h, export, floor, confinement) for h in slices])))[:, 0]


def real_sets() -> tuple[list, list[np.ndarray]]:
    """The bench's semi-real positives (PastedBleed) and the real normal scan's assessed slices (HU)."""
    scan = read_scan(SCAN)
    return semi_real_sets(scan)[0], [h for h in scan.hu if assess_slice(h, scan.spacing_mm).assessed]


def figures(positive: np.ndarray, normal: np.ndarray, threshold: float) -> dict:
    ranked = against_whole_scan(positive.tolist(), normal.tolist())
    return {
        "normal_flagged": int((normal >= threshold).sum()),
        "normal_assessed": len(normal),
        "semi_real_sensitivity": round(float(np.mean(positive >= threshold)), 3),
        "auc_against_whole_scan": round(ranked["auc"], 3),
        "specificity_at_90_sensitivity": round(ranked["specificity_at_90_sensitivity"], 3),
    }


def main() -> None:
    args = study_arguments(__doc__).parse_args()
    pair = served_pair(args.store)
    confinement = pair.spec.confinement
    positives, assessed = real_sets()
    positives = [p.hu for p in positives]
    report = {**pair.describe(), "confinement": confinement}
    for export in EXPORTS:
        form = form_name(export)
        for floor in ("served",) if export is None else ("served", "air"):
            scores = [p_any(pair.classify, slices, export, confinement, floor) for slices in (positives, assessed)]
            report[f"{form}, floor {floor}"] = figures(*scores, pair.threshold)
            print(form, floor, json.dumps(report[f"{form}, floor {floor}"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
