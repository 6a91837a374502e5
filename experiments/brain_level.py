"""Would bringing each slice's brain to the phantoms' level before the served classifier, at test time, undo the
calibration sensitivity that `calibration_offset` measures? The brain's level is the median of the 15-45 HU pixels
inside the skull; the phantoms' level is its median over normal validation phantoms of the classifier's mix (seed 2,
as HU); each slice's intracranial space is shifted by the difference (at most 10 HU; an 8-bit export is clipped
back to its 0-80 HU), its skull and the rest left as they are.

Chosen on phantoms: held-out phantoms of the mix (seed 3) in the cards' three forms, AUC with and without. Then the
real-scan bench's sets as a yardstick: the semi-real positives ranked against the whole normal scan, and the normal
slices flagged at the card's threshold, as HU and through the four 8-bit PNG windows.

python -m experiments.brain_level [--store model_store] [--count 600] [--json experiments/results/brain_level_v36.json]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it. About 8 minutes on 2 cores.
"""

import json

import numpy as np

from bench.realct.semi_real_eval import against_whole_scan
from core.intracranial import is_brain_window_export
from core.model_input import MODEL_SIZE, confine, confinement_mask
from core.resize import resize_image
from core.windowing import BRAIN, window_stack
from experiments.export_floor import EXPORTS, form_name, real_sets, sent_as
from experiments.served_pair import served_pair, study_arguments
from training.evaluate import predict_in_batches
from training.held_out import FORMS
from training.metrics import roc_auc
from training.phantom_data import TEST_SEED, VALIDATION_SEED

BRAIN_HU = (15.0, 45.0)
MIN_BRAIN_PIXELS = 500
MAX_SHIFT_HU = 10.0


def brain_level(hu: np.ndarray) -> tuple[float | None, np.ndarray]:
    """(median HU of the brain inside the skull, or None when too little brain shows; the intracranial mask)."""
    inside = confinement_mask(hu, "intracranial")
    brain = hu[inside & (hu >= BRAIN_HU[0]) & (hu <= BRAIN_HU[1])]
    return (float(np.median(brain)) if brain.size >= MIN_BRAIN_PIXELS else None), inside


def levelled(hu: np.ndarray, reference: float) -> np.ndarray:
    level, inside = brain_level(hu)
    if level is None:
        return hu
    out = np.where(inside, hu + np.clip(reference - level, -MAX_SHIFT_HU, MAX_SHIFT_HU), hu)
    return np.clip(out, BRAIN.low, BRAIN.high) if is_brain_window_export(hu) else out


def median_level(hus) -> float:
    """The median brain level over the slices that show enough brain."""
    return float(np.median([level for hu in hus if (level := brain_level(hu)[0]) is not None]))


def scores(pair, hus: list[np.ndarray], reference: float | None) -> np.ndarray:
    """P(any) of confined HU slices at model size, levelled to `reference` first unless it is None."""
    fed = hus if reference is None else [levelled(hu, reference) for hu in hus]
    return predict_in_batches(pair.classify, np.stack([window_stack(hu) for hu in fed]))[:, 0]


def as_sent(hu: np.ndarray, export, confinement: str) -> np.ndarray:
    """A real slice as the service confines it, sent as HU or through the 8-bit `export`, before windowing."""
    return confine(sent_as(resize_image(hu, MODEL_SIZE).astype(np.float32), export), confinement)


def main() -> None:
    args = study_arguments(__doc__, count=600, count_help="held-out phantoms per form").parse_args()
    pair = served_pair(args.store)
    mix = pair.classifier.card.training_data["source_mix"]

    hus, labels = pair.hu_phantoms(VALIDATION_SEED, args.count, 0.0, mix)
    reference = median_level(hu for hu, positive in zip(hus, labels) if not positive)
    variants = {"plain": None, "levelled": reference}
    report = {**pair.describe(), "reference_hu": reference, "held_out_auc": {}, "real": {}}
    print("phantoms' brain level", reference, flush=True)
    for form, (share, exported) in FORMS.items():
        hus, labels = pair.hu_phantoms(TEST_SEED, args.count, share, mix, eight_bit_exports=exported)
        report["held_out_auc"][form] = {
            name: round(roc_auc(labels, scores(pair, hus, ref)), 4) for name, ref in variants.items()
        }
        print(form, json.dumps(report["held_out_auc"][form]), flush=True)

    positives, normal = real_sets()
    for export in EXPORTS:
        sets = [
            [as_sent(hu, export, pair.spec.confinement) for hu in hus] for hus in ([p.hu for p in positives], normal)
        ]
        form = form_name(export)
        report["real"][form] = {"normal_brain_level": round(median_level(sets[1]), 1)}
        for name, ref in variants.items():
            positive, negative = (scores(pair, hus, ref) for hus in sets)
            ranked = against_whole_scan(positive.tolist(), negative.tolist())
            report["real"][form][name] = {
                "auc_against_whole_scan": round(ranked["auc"], 3),
                "specificity_at_90_sensitivity": round(ranked["specificity_at_90_sensitivity"], 3),
                "normal_flagged": int((negative >= pair.threshold).sum()),
                "normal_assessed": len(negative),
            }
        print(form, json.dumps(report["real"][form]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
