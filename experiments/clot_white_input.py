"""Should the models' input keep an 8-bit export's clipped white that the intracranial space encloses (a clot denser
than the window's top, core.intracranial.enclosed_white), as the answer's mask confinement does? Served, the cranium
input sets such white to the window's floor where it lies over 6 mm from the space (the core of a large clot), as the
served models were trained. Scores the served classifier with that input and with the white kept:

- held-out phantoms (seed TEST_SEED, the card's mix), as a lossless 40/80 export and as drawn 8-bit exports, the
  forms of the cards' `held_out`: AUC, and sensitivity and specificity at the card's threshold;
- the bench's semi-real positives against the real normal scan's assessed slices, in the four 8-bit PNG windows:
  AUC and specificity at 90 % sensitivity.

And the answer's side, which is served: the served ResUNet's mean Dice on the same held-out phantoms' bleeding
slices and the share of their normal slices with any mask (model resolution, input as trained, no classifier gate),
its mask confined to the intracranial space alone (before 5 Dec 2026) and as SliceAssessment.confine confines it
now, with the enclosed white.

python -m experiments.clot_white_input [--store model_store] [--count 600] [--json FILE]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it. About 10 minutes on 2 cores.
"""

import json

import numpy as np

from core.dice import dice_score
from core.intracranial import enclosed_white, estimate_spacing_mm, intracranial_mask
from core.model_input import MODEL_SIZE, confine
from core.resize import resize_image
from core.slice_assessment import assess_slice
from core.windowing import window_stack
from experiments.export_floor import EXPORTS, figures, form_name, real_sets, sent_as
from experiments.served_pair import WORKERS, served_pair, study_arguments
from training.cards import MASK_THRESHOLD
from training.held_out_forms import FORMS
from training.measure_held_out import phantom_mix
from training.metrics import roc_auc
from training.phantom_data import TEST_SEED, build_arrays

INPUTS = ("as_trained", "white_kept")


def model_input(hu: np.ndarray, confinement: str, keep_white: bool) -> np.ndarray:
    """HU (H, W) at model size -> the window stack, confined as served, with the enclosed white kept or not."""
    confined = confine(hu, confinement)
    if keep_white:
        pixel_mm = estimate_spacing_mm(hu)
        white = enclosed_white(hu, intracranial_mask(hu, (pixel_mm, pixel_mm)))
        confined = np.where(white, hu, confined)
    return window_stack(confined)


def scores(classify, slices, confinement: str, keep_white: bool) -> np.ndarray:
    batch = np.stack([model_input(np.asarray(h, np.float32), confinement, keep_white) for h in slices])
    return np.concatenate([np.asarray(classify(batch[i : i + 32]))[:, 0] for i in range(0, len(batch), 32)])


def mask_figures(segment, hu_slices, truths, confinement: str) -> dict:
    """Bleeding slices: mean Dice of the masks confined to the intracranial space alone and as served now. Normal
    slices: the share with any mask pixel, each way."""
    bleeding, normal = [], []
    for hu, truth in zip(hu_slices, truths):
        hu = np.asarray(hu, np.float32)
        mask = np.asarray(segment(model_input(hu, confinement, False)[None]))[0, ..., 0] >= MASK_THRESHOLD
        assessment = assess_slice(hu, None)
        before, now = mask & assessment.intracranial, assessment.confine(mask)
        if truth.any():
            bleeding.append((dice_score(before, truth), dice_score(now, truth)))
        else:
            normal.append((before.any(), now.any()))
    dice_before, dice_now = np.mean(bleeding, axis=0)
    masked_before, masked_now = np.mean(normal, axis=0)
    return {
        "bleeding_slices": len(bleeding),
        "dice_intracranial_only": round(dice_before, 4),
        "dice_served": round(dice_now, 4),
        "normal_slices": len(normal),
        "normal_with_a_mask_intracranial_only": round(masked_before, 4),
        "normal_with_a_mask_served": round(masked_now, 4),
    }


def phantom_figures(pair, count: int) -> dict:
    report = {}
    for form, (share, exported) in FORMS.items():
        if share == 0:
            continue
        arrays = build_arrays(
            TEST_SEED,
            count,
            size=pair.spec.size,
            brain_window_fraction=share,
            workers=WORKERS,
            mix=phantom_mix(pair.classifier.card),
            hu_only=True,
            eight_bit_exports=exported,
        )
        labels = arrays.labels[:, 0] > 0.5
        for name in INPUTS:
            p = scores(pair.classify, arrays.images[..., 0], pair.spec.confinement, name == "white_kept")
            report[f"{form}, {name}"] = {
                "auc": round(roc_auc(labels, p), 4),
                "sensitivity": round(float(np.mean(p[labels] >= pair.threshold)), 4),
                "specificity": round(float(np.mean(p[~labels] < pair.threshold)), 4),
            }
        truths = arrays.masks[..., 0] > 0
        report[f"{form}, segmenter masks"] = mask_figures(
            pair.segment, arrays.images[..., 0], truths, pair.spec.confinement
        )
    return report


def real_figures(pair) -> dict:
    positives, assessed = real_sets()
    report = {}
    for export in EXPORTS[1:]:
        sets = [
            [sent_as(resize_image(h, MODEL_SIZE).astype(np.float32), export) for h in hs]
            for hs in (
                [p.hu for p in positives],
                assessed,
            )
        ]
        for name in INPUTS:
            positive, normal = (scores(pair.classify, s, pair.spec.confinement, name == "white_kept") for s in sets)
            report[f"{form_name(export)}, {name}"] = figures(positive, normal, pair.threshold)
    return report


def main() -> None:
    args = study_arguments(__doc__, 600, "held-out phantoms per 8-bit form").parse_args()
    pair = served_pair(args.store)
    report = {**pair.describe(), "confinement": pair.spec.confinement}
    report["phantoms"] = phantom_figures(pair, args.count)
    report["real_scan"] = real_figures(pair)
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
