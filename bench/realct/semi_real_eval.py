"""Semi-real positives and untouched real slices of the same levels through the service, in one form: AUC,
sensitivity and specificity at the served threshold, Dice at the input's own size; overall and per bleed type.

Dice is the answer's, whose mask is empty where the classifier does not flag the slice, and the segmenter's alone
(the answer's mask with the outline it withheld, which the same request returns), so a ResUNet can be compared apart
from the classifier in front of it."""

import dataclasses

import numpy as np
from sklearn.metrics import roc_auc_score

from bench.realct.forms import ExportForm, encode_slices
from bench.realct.scan_input import RealScan
from bench.realct.semi_real import PastedBleed
from bench.realct.serving import answered, run_exports
from core.dice import dice_score
from training.phantoms.lesions import SUBTYPES


def _auc(positive: list[float], negative: list[float]) -> float | None:
    if not positive or not negative:
        return None
    return float(roc_auc_score([1] * len(positive) + [0] * len(negative), positive + negative))


def _mean(values) -> float | None:
    values = list(values)
    return float(np.mean(values)) if values else None


def positive_answers(models, config, scan: RealScan, positives: list[PastedBleed], form: ExportForm) -> list[dict]:
    """Each pasted slice as the file `form` makes of it, decoded and scored by the service."""
    files = encode_slices(np.stack([p.hu for p in positives]), form)
    config = dataclasses.replace(config, withheld_masks=True)
    outcome = run_exports(models, config, files, scan.spacing_mm, scan.slice_spacing_mm)
    answer, masks = answered(models, config, outcome)
    withheld = [c.withheld_mask for c in outcome.result.checks]
    painted = [mask if outline is None else mask | outline for mask, outline in zip(masks, withheld)]
    return [
        {
            "slice_index": bleed.slice_index,
            "subtype": bleed.subtype,
            "size": round(bleed.size, 3),
            "blood_hu": round(bleed.blood_hu, 1),
            "true_mm2": bleed.area_mm2(scan.spacing_mm) if scan.spacing_mm else None,
            # A slice the answer did not assess gets no probability: it counts as a miss, ranked lowest.
            "probability": got.probability if got.probability is not None else 0.0,
            "assessed": getattr(got, "assessed", None),
            "flagged": got.flagged,
            "dice": dice_score(mask, bleed.mask),
            "segmenter_dice": dice_score(alone, bleed.mask),
        }
        for bleed, got, mask, alone in zip(positives, answer.slices, masks, painted)
    ]


def semi_real_figures(positive_rows: list[dict], negative_rows: list[dict], threshold: float) -> dict:
    """negative_rows: the normal run's rows for the untouched slices (probability, flagged)."""
    negative_p = [r["probability"] if r["probability"] is not None else 0.0 for r in negative_rows]

    def block(rows: list[dict]) -> dict:
        return {
            "positives": len(rows),
            "auc": _auc([r["probability"] for r in rows], negative_p),
            "sensitivity": _mean(r["flagged"] for r in rows),
            "dice": _mean(r["dice"] for r in rows),
            "segmenter_dice": _mean(r["segmenter_dice"] for r in rows),
        }

    figures = block(positive_rows)
    figures |= {
        "negatives": len(negative_rows),
        "specificity": _mean(not r["flagged"] for r in negative_rows),
        "threshold": threshold,
        "by_type": {t: block([r for r in positive_rows if r["subtype"] == t]) for t in SUBTYPES},
    }
    return figures
