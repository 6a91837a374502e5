"""A site's figures for the served classifier: P(any) on the served (calibrated) scale, the threshold for a target
sensitivity, AUC, sensitivity and specificity there, optionally a refitted temperature, and the scan rule chosen on
the site's volumes where it has several-slice volumes of both kinds.

Slice figures count assessed slices only: the service never calls a slice it did not assess positive, so those
slices neither choose the threshold nor dilute its figures; how many there were is reported beside them.
"""

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.calibration import apply_temperature
from training.calibration import calibration_entry, ece, fit_temperature, nll, plot_reliability, reliability_data
from training.evaluate import choose_threshold
from training.metrics import roc_auc
from training.scan_rule_choice import VOLUMES_ML, VolumeScores, choose_scan_rule
from training.site_scoring import ScoredVolume

MEASURED_ON = "the same assessed slices the threshold was chosen on"


def scan_rule(
    volumes: Sequence[ScoredVolume], temperature: float, threshold: float, target: float, chosen_on: str
) -> tuple[dict | None, str]:
    positives = sum(v.label for v in volumes)
    if max((len(v.raw) for v in volumes), default=0) < 2 or positives in (0, len(volumes)):
        reason = f"not chosen: {positives} positive and {len(volumes) - positives} negative volumes"
        return None, reason + ", and a rule needs several-slice volumes of both kinds"
    scans = [VolumeScores(apply_temperature(v.raw, temperature), v.assessed, v.volume_ml, v.label) for v in volumes]
    volume_known = all(v.volume_ml is not None for v in volumes)
    grid = VOLUMES_ML if volume_known else (None,)
    rule = choose_scan_rule(scans, threshold, target, volumes_ml=grid, chosen_on=chosen_on)
    return rule, "chosen" if volume_known else "chosen without the volume arm: the data do not give the pixel spacing"


def _write_report(report: Path, site: dict, labels, raw, temperature: float, calibration, rule, title: str) -> None:
    report.mkdir(parents=True, exist_ok=True)
    bins = reliability_data(labels, raw, temperature)
    plot_reliability(bins, report / "reliability.png", title)
    uncalibrated = {"auc": roc_auc(labels, raw), "nll": nll(labels, raw), "ece": ece(labels, raw)}
    body = {"site": site, "uncalibrated": uncalibrated, "calibration": calibration, "scan_rule": rule}
    (report / "figures.json").write_text(json.dumps({**body, "reliability": bins}, indent=1) + "\n")


def site_figures(
    volumes: Sequence[ScoredVolume],
    card: dict,
    target: float,
    refit: bool,
    fitted_on: str,
    report: Path | None = None,
) -> dict:
    assessed = np.concatenate([v.assessed for v in volumes])
    all_labels = np.concatenate([v.labels for v in volumes])
    labels, raw = all_labels[assessed], np.concatenate([v.raw for v in volumes])[assessed]
    if labels.all() or not labels.any():
        raise ValueError(
            f"the site's data need positive and negative assessed slices; got {labels.sum()} of {len(labels)}"
        )
    temperature = card.get("calibration", {}).get("temperature", 1.0)
    calibration = None
    if refit:
        temperature = fit_temperature(labels, raw)
        calibration = calibration_entry(labels, raw, temperature, fitted_on)
    served = apply_temperature(raw, temperature)
    operating_point = choose_threshold(labels, served, target)
    threshold = operating_point["threshold"]
    rule, rule_status = scan_rule(volumes, temperature, threshold, target, fitted_on)
    site = {
        "slices": len(all_labels),
        "positive_slices": int(all_labels.sum()),
        "slices_not_assessed": int((~assessed).sum()),
        "positive_slices_not_assessed": int((all_labels & ~assessed).sum()),
        "patients": len(volumes),
        "positive_patients": sum(v.label for v in volumes),
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
        _write_report(
            report,
            site,
            labels,
            raw,
            temperature,
            calibration,
            rule,
            f"Reliability of P(any hemorrhage)\non {fitted_on}",
        )
    return {"operating_point": operating_point, "calibration": calibration, "scan_rule": rule, "site": site}
