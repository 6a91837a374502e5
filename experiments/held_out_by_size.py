"""Where is a classifier's held-out AUC on atlas phantoms lost: on small bleeds, on one subtype, or everywhere?

Fresh atlas phantoms of the test seed (3), fed as the card's input says, as HU and as 8-bit brain-window exports. The
positives are split into thirds by bleed area (pixels of the mask at model size; 0.5-1 mm² each at the atlas heads'
185-260 mm fields of view) and by subtype, and each group is ranked against all the negatives.

python -m experiments.held_out_by_size --versions 36 43 [--store model_store] [--count 600] [--json FILE]
Phantoms only; about 1.5 minutes per classifier on 2 cores.
"""

import itertools
import json

import numpy as np

from core.model_store import resolve
from experiments.served_pair import study_arguments
from training.evaluate import predict_in_batches
from training.evaluate_store import CLASSIFIER, load_saved_model
from training.metrics import roc_auc
from training.outputs import SUBTYPES
from training.phantom_data import TEST_SEED, build_arrays

FORMS = {"hu": 0.0, "brain_window_8bit": 1.0}  # the share of the set sent as 8-bit exports


def _against_negatives(scores: np.ndarray, group: np.ndarray, negatives: np.ndarray) -> dict:
    labels = np.r_[np.ones(group.sum()), np.zeros(negatives.sum())]
    return {"n": int(group.sum()), "auc": round(roc_auc(labels, np.r_[scores[group], scores[negatives]]), 3)}


def breakdown(scores: np.ndarray, labels: np.ndarray, areas: np.ndarray) -> dict:
    """AUC of all positives, of each third by area and of each subtype (5 or more), against every negative."""
    positive, negative = labels[:, 0] > 0.5, labels[:, 0] <= 0.5
    report = {"positives": int(positive.sum()), "negatives": int(negative.sum())}
    report["all"] = _against_negatives(scores, positive, negative)
    edges = np.quantile(areas[positive], [0, 1 / 3, 2 / 3, 1]).round().astype(int)
    for low, high in itertools.pairwise(edges):
        group = positive & (areas >= low) & (areas <= high)
        report[f"area {low}-{high} px"] = _against_negatives(scores, group, negative)
    for index, subtype in enumerate(SUBTYPES, start=1):
        group = positive & (labels[:, index] > 0.5)
        if group.sum() >= 5:
            report[subtype] = _against_negatives(scores, group, negative)
    return report


def main() -> None:
    parser = study_arguments(__doc__, count=600, count_help="atlas phantoms per form, about half bleeding")
    parser.add_argument("--versions", type=int, nargs="+", required=True, help="classifier versions in the store")
    args = parser.parse_args()
    report = {}
    for version in args.versions:
        model = resolve(args.store, CLASSIFIER, version)
        classify = load_saved_model(model.path)
        report[f"v{version}"] = {}
        for form, share in FORMS.items():
            data = build_arrays(
                TEST_SEED,
                args.count,
                model.card.input.size,
                brain_window_fraction=share,
                slices=2 * model.card.input.context_slices + 1,
                mix={"atlas": 1.0},
                confinement=model.card.input.confinement,
            )
            scores = predict_in_batches(classify, data.images)[:, 0]
            areas = data.masks.reshape(len(scores), -1).sum(axis=1)
            report[f"v{version}"][form] = breakdown(scores, data.labels, areas)
            print(f"v{version} {form}", json.dumps(report[f"v{version}"][form]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
