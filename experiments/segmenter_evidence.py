"""Would the ResUNet's own evidence rank slices better than the classifier's P(any) alone? The segmenter outlines
blood pixel by pixel, so a small bleed the classifier scores low may still get a confident outline; its false
outlines on normal slices may be weak. Scores each slice by P(any), by the segmenter's output (its highest pixel
probability, the mean of its 20 highest, the area over the mask threshold), and by combinations of the two.

Chosen on phantoms, as the cards' figures are: the combinations' weights are fitted (a logistic regression) on
validation phantoms of the classifier's training mix (seed 2), half sent as HU and half as 8-bit exports drawn as
files arrive; every score is then measured on held-out phantoms of that mix (seed 3) in the cards' three forms. The
real-scan bench's sets (the normal scan's assessed slices and the 40 semi-real positives, as HU and through the
four 8-bit PNG windows) come last, ranked against the whole scan as the private set is judged: a yardstick only.

python -m experiments.segmenter_evidence [--store model_store] [--count 600] [--validation 400]
    [--json experiments/results/segmenter_evidence_v36_v79.json]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it. About 15 minutes on 2 cores.
"""

import json

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.realct.semi_real_eval import against_whole_scan
from experiments.export_floor import EXPORTS, form_name, model_input, real_sets
from experiments.served_pair import served_pair, study_arguments
from training.cards import MASK_THRESHOLD
from training.datasets.atlas_phantoms import parse_source_mix
from training.evaluate import predict_in_batches
from training.held_out import FORMS
from training.metrics import roc_auc
from training.phantom_data import BRAIN_WINDOW_FRACTION, TEST_SEED, VALIDATION_SEED

# Classifier v36's training mix (its card), which ResUNet v79 was fine-tuned on too.
MIX = parse_source_mix("atlas=0.5,procedural_ct=0.35,procedural=0.15")
TOP_PIXELS = 20
EPSILON = 1e-6


def evidence(pair, images: np.ndarray) -> dict[str, np.ndarray]:
    """Per slice: P(any), and what the segmenter's probability map says."""
    p_any = predict_in_batches(pair.classify, images)[:, 0]
    maps = predict_in_batches(pair.segment, images)[..., 0].reshape(len(images), -1)
    top = np.sort(maps, axis=1)[:, -TOP_PIXELS:]
    return {
        "p_any": p_any,
        "segmenter_peak": top[:, -1],
        "segmenter_top20": top.mean(axis=1),
        "segmenter_area": (maps >= MASK_THRESHOLD).sum(axis=1).astype(np.float32),
    }


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log((p + EPSILON) / (1 - p + EPSILON))


def features(scores: dict[str, np.ndarray]) -> np.ndarray:
    return np.stack(
        [_logit(scores["p_any"]), _logit(scores["segmenter_top20"]), np.log1p(scores["segmenter_area"])], axis=1
    )


def ranked(scores: dict[str, np.ndarray], fitted: LogisticRegression) -> dict[str, np.ndarray]:
    """Every score to rank slices by: the single ones and the combinations."""
    return {
        **scores,
        "mean_p_any_top20": (scores["p_any"] + scores["segmenter_top20"]) / 2,
        "fitted": fitted.decision_function(features(scores)),
    }


def main() -> None:
    parser = study_arguments(__doc__, count=600, count_help="held-out phantoms per form")
    parser.add_argument("--validation", type=int, default=400, help="validation phantoms for the fitted weights")
    args = parser.parse_args()
    pair = served_pair(args.store)

    validation = pair.phantoms(VALIDATION_SEED, args.validation, BRAIN_WINDOW_FRACTION, MIX, eight_bit_exports=True)
    fitted = LogisticRegression().fit(features(evidence(pair, validation.images)), validation.labels[:, 0] > 0.5)
    report = {
        **pair.describe(),
        "fitted_weights": {
            "features": ["logit p_any", "logit segmenter_top20", "log1p segmenter_area"],
            "coefficients": [round(float(c), 3) for c in fitted.coef_[0]],
            "intercept": round(float(fitted.intercept_[0]), 3),
        },
        "held_out_auc": {},
        "real_against_whole_scan": {},
    }
    print(json.dumps(report["fitted_weights"]), flush=True)

    for form, (share, exported) in FORMS.items():
        test = pair.phantoms(TEST_SEED, args.count, share, MIX, eight_bit_exports=exported)
        labels = test.labels[:, 0] > 0.5
        scores = ranked(evidence(pair, test.images), fitted)
        report["held_out_auc"][form] = {name: round(roc_auc(labels, s), 4) for name, s in scores.items()}
        print(form, json.dumps(report["held_out_auc"][form]), flush=True)

    positives, normal = real_sets()
    confinement = pair.spec.confinement
    for export in EXPORTS:
        sets = [
            np.stack([model_input(h, export, "served", confinement) for h in hus])
            for hus in ([p.hu for p in positives], normal)
        ]
        pos, neg = (ranked(evidence(pair, images), fitted) for images in sets)
        report["real_against_whole_scan"][form_name(export)] = {
            name: {k: round(v, 3) for k, v in against_whole_scan(pos[name].tolist(), neg[name].tolist()).items()}
            for name in pos
        }
        print(form_name(export), json.dumps(report["real_against_whole_scan"][form_name(export)]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
