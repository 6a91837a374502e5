"""A site's figures for the served classifier: the probabilities on the served (calibrated) scale, the threshold for
a target sensitivity, AUC, sensitivity and specificity there, optionally a refitted temperature, and the scan
rule chosen on the site's volumes where it has several-slice volumes of both kinds.
"""

import json
import math
from pathlib import Path

import numpy as np

from training.calibration import (
    apply_temperature,
    calibration_entry,
    ece,
    fit_temperature,
    nll,
    plot_reliability,
    reliability_data,
)
from training.evaluate import choose_threshold
from training.metrics import roc_auc
from training.reporting.evaluation import Scored, by_patient
from training.scan_rule_choice import VOLUMES_ML, VolumeScores, choose_scan_rule
from training.splits import patient_positives

ML_PER_MM3 = 1e-3
MEASURED_ON = "the same slices the threshold was chosen on"


def slice_volume_ml(result) -> float | None:
    """Predicted bleed volume of one slice; None without a segmenter mask or spacing."""
    if result.predicted_pixels is None or not result.pixel_mm2 or not result.thickness_mm:
        return None
    return result.predicted_pixels * result.pixel_mm2 * result.thickness_mm * ML_PER_MM3


def scan_volumes(scored: Scored, served: dict[tuple[str, int], float]) -> tuple[list[VolumeScores], bool]:
    """Each patient's slices as one volume, in slice order, and whether every slice's bleed volume is known.
    Every slice counts as assessed: the service's assessment of coverage is not part of training."""
    volumes, volume_known = [], True
    for group in by_patient(scored.slices):
        group = sorted((r for r in group if r.scores is not None), key=lambda r: r.slice_index)
        millilitres = [slice_volume_ml(r) for r in group]
        volume_known &= all(ml is not None for ml in millilitres)
        volumes.append(
            VolumeScores(
                np.array([served[(r.patient_id, r.slice_index)] for r in group]),
                np.ones(len(group), bool),
                np.array([ml or 0.0 for ml in millilitres]),
                any(r.positive for r in group),
            )
        )
    return volumes, volume_known


def scan_rule(scored: Scored, served: dict, threshold: float, target: float, chosen_on: str) -> tuple[dict | None, str]:
    volumes, volume_known = scan_volumes(scored, served)
    positives = sum(v.label for v in volumes)
    if max((len(v.probabilities) for v in volumes), default=0) < 2 or positives in (0, len(volumes)):
        reason = f"not chosen: {positives} positive and {len(volumes) - positives} negative volumes"
        return None, reason + ", and a rule needs several-slice volumes of both kinds"
    grid = VOLUMES_ML if volume_known else (math.inf,)
    rule = choose_scan_rule(volumes, threshold, target, volumes_ml=grid, chosen_on=chosen_on)
    return (
        rule,
        "chosen" if volume_known else "chosen without the volume arm: the data do not give every slice's volume",
    )


def site_figures(
    scored: Scored, card: dict, target: float, refit: bool, fitted_on: str, report: Path | None = None
) -> dict:
    rows = [r for r in scored.slices if r.scores is not None and "any" in r.labels]
    labels = np.array([r.positive for r in rows], bool)
    raw = np.array([float(r.scores[0]) for r in rows], np.float64)
    if labels.all() or not labels.any():
        raise ValueError(f"the site's data need positive and negative slices; got {labels.sum()} of {len(labels)}")
    temperature = card.get("calibration", {}).get("temperature", 1.0)
    calibration = None
    if refit:
        temperature = fit_temperature(labels, raw)
        calibration = calibration_entry(labels, raw, temperature, fitted_on)
    served = apply_temperature(raw, temperature)
    operating_point = choose_threshold(labels, served, target)
    threshold = operating_point["threshold"]
    by_slice = {(r.patient_id, r.slice_index): p for r, p in zip(rows, served)}
    rule, rule_status = scan_rule(scored, by_slice, threshold, target, fitted_on)
    site = {
        "slices": len(rows),
        "positive_slices": int(labels.sum()),
        "patients": len({r.patient_id for r in rows}),
        "positive_patients": sum(patient_positives(rows).values()),
        "measured_on": MEASURED_ON,
        "threshold": threshold,
        "auc": roc_auc(labels, served),
        "sensitivity": operating_point["validation_sensitivity"],
        "specificity": operating_point["validation_specificity"],
        "temperature": float(temperature),
        "nll": nll(labels, served),
        "ece": ece(labels, served),
        "scan_rule": rule_status,
    }
    if report is not None:
        report.mkdir(parents=True, exist_ok=True)
        bins = reliability_data(labels, raw, temperature)
        plot_reliability(bins, report / "reliability.png", f"Reliability on {fitted_on}")
        uncalibrated = {"auc": roc_auc(labels, raw), "nll": nll(labels, raw), "ece": ece(labels, raw)}
        body = {"site": site, "uncalibrated": uncalibrated, "calibration": calibration, "scan_rule": rule}
        body["reliability"] = bins
        (report / "figures.json").write_text(json.dumps(body, indent=1) + "\n")
    return {"operating_point": operating_point, "calibration": calibration, "scan_rule": rule, "site": site}
