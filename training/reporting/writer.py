"""Write a report folder: report.json with every figure, slices.csv with every slice's result, PNG plots."""

import csv
import json
from pathlib import Path

import numpy as np

from training.reporting import plots
from training.reporting.evaluation import Scored

REPORT_JSON, SLICES_CSV = "report.json", "slices.csv"


def _plain(value):
    """JSON has no numpy types; convert them, and NaN to null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def write_slices_csv(scored: Scored, path: Path) -> None:
    columns = [
        "patient_id",
        "slice_index",
        "form",
        "label_any",
        "score_any",
        "reference_pixels",
        "predicted_pixels",
        "dice",
    ]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for r in scored.slices:
            score = None if r.scores is None else round(float(r.scores[0]), 6)
            dice = None if r.dice is None else round(r.dice, 6)
            writer.writerow(
                [
                    r.patient_id,
                    r.slice_index,
                    r.form,
                    r.labels.get("any"),
                    score,
                    r.reference_pixels,
                    r.predicted_pixels,
                    dice,
                ]
            )


def write_plots(out: Path, report: dict, curves: dict, scored: Scored, histories: dict[str, dict]) -> dict[str, str]:
    written: dict[str, Path] = {}
    detection, segmentation = report["detection"], report["segmentation"]
    if detection.get("available"):
        written["roc"] = plots.plot_roc(curves, detection["auc"], out / "roc.png")
        prevalence = detection["positive_slices"] / detection["slices"]
        written["precision_recall"] = plots.plot_precision_recall(
            curves, detection["average_precision"], prevalence, out / "pr.png"
        )
        written["calibration"] = plots.plot_calibration(detection["calibration"], out / "calibration.png")
    if segmentation.get("available"):
        slice_dice = [r.dice for r in scored.slices if r.mask_positive]
        patient_dice = [p.dice_3d for p in scored.patients if p.dice_3d is not None]
        written["dice_histogram"] = plots.plot_dice_histogram(slice_dice, patient_dice, out / "dice_histogram.png")
        written["gallery"] = plots.plot_gallery(scored.gallery.best(), scored.gallery.worst(), out / "gallery.png")
    for name, history in histories.items():
        if history:
            written[f"training_{name}"] = plots.plot_training_history(history, name, out / f"training_{name}.png")
    return {name: path.name for name, path in written.items()}


def write_report(out: Path, report: dict, curves: dict, scored: Scored, histories: dict[str, dict]) -> dict:
    """Everything into `out` (created); returns the report as written to report.json."""
    out.mkdir(parents=True, exist_ok=True)
    report = {**report, "plots": write_plots(out, report, curves, scored, histories), "curves": curves}
    write_slices_csv(scored, out / SLICES_CSV)
    report["files"] = {"slices": SLICES_CSV}
    report = _plain(report)
    (out / REPORT_JSON).write_text(json.dumps(report, indent=1) + "\n")
    return report
