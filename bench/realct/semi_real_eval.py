"""Semi-real positives and untouched real slices of the same levels through the service, in one form: AUC,
sensitivity and specificity at the served threshold, Dice at the input's own size; overall and per bleed type.
Against every assessed slice of the normal scan, skull base and vertex included: AUC, and the specificity at 90 %
sensitivity, the operating point the private real set is judged at, whatever threshold a model is served with.

Dice is the answer's, whose mask is empty where the classifier does not flag the slice, and the segmenter's alone
(the answer's mask with the outline it withheld, which the same request returns), so a ResUNet can be compared apart
from the classifier in front of it."""

import dataclasses
import math

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


PRIVATE_SET_SENSITIVITY = 0.90


def cut_at(positive: list[float], sensitivity: float) -> float:
    """The highest threshold that still flags `sensitivity` of the positives (a slice is flagged at P >= it)."""
    needed = math.ceil(sensitivity * len(positive) - 1e-9)
    return sorted(positive, reverse=True)[needed - 1]


def assessed_rows(scan_rows: list[dict]) -> list[dict]:
    """The normal scan's rows that the answer scored: the negatives of `against_whole_scan`."""
    return [r for r in scan_rows if r["assessed"] is not False and r["probability"] is not None]


def specificity_at(positive: list[float], negative: list[float], sensitivity: float) -> float | None:
    """The share of negatives under `cut_at(positive, sensitivity)`."""
    if not positive or not negative:
        return None
    return float(np.mean(np.asarray(negative) < cut_at(positive, sensitivity)))


def against_whole_scan(positive: list[float], negative: list[float]) -> dict:
    """How the private real set is judged: the positives ranked against every assessed slice of a normal scan."""
    return {
        "auc": _auc(positive, negative),
        "specificity_at_90_sensitivity": specificity_at(positive, negative, PRIVATE_SET_SENSITIVITY),
    }


def _mean(values) -> float | None:
    values = list(values)
    return float(np.mean(values)) if values else None


# A pasted slice is sent with this many real slices on each side: the series rules (core.stack_assessment) judge a
# slice's intracranial space by the two sections nearer the widest one and the two further out.
CONTEXT_SLICES = 2


def _in_context(models, config, scan: RealScan, bleed: PastedBleed, form: ExportForm):
    """The pasted slice among its real neighbours, as the file `form` makes of each, through the series flow ->
    (its answer, its answer mask, its withheld outline or None)."""
    first = max(0, bleed.slice_index - CONTEXT_SLICES)
    stack = scan.hu[first : bleed.slice_index + CONTEXT_SLICES + 1].copy()
    at = bleed.slice_index - first
    stack[at] = bleed.hu
    outcome = run_exports(models, config, encode_slices(stack, form), scan.spacing_mm, scan.slice_spacing_mm)
    answer, masks = answered(models, config, outcome)
    return answer.slices[at], masks[at], outcome.result.checks[at].withheld_mask


def positive_answers(models, config, scan: RealScan, positives: list[PastedBleed], form: ExportForm) -> list[dict]:
    """Each pasted slice as the file `form` makes of it, decoded and scored by the service in its real series."""
    config = dataclasses.replace(config, withheld_masks=True)
    rows = []
    for bleed in positives:
        got, mask, outline = _in_context(models, config, scan, bleed, form)
        alone = mask if outline is None else mask | outline
        rows.append(
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
        )
    return rows


def semi_real_figures(
    positive_rows: list[dict], negative_rows: list[dict], scan_rows: list[dict], threshold: float
) -> dict:
    """negative_rows: the normal run's rows for the untouched slices (probability, flagged); scan_rows: all of its
    rows, whose assessed slices are the negatives of `against_whole_scan`."""
    negative_p = [r["probability"] if r["probability"] is not None else 0.0 for r in negative_rows]
    scan_p = [r["probability"] for r in assessed_rows(scan_rows)]
    positive_p = [r["probability"] for r in positive_rows]

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
        "against_whole_scan": {"negatives": len(scan_p), **against_whole_scan(positive_p, scan_p)},
    }
    return figures
