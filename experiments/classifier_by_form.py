"""One classifier of a store, alone, on the real normal scan and the bench's 40 semi-real positives, each sent as HU
and through the bench's four 8-bit PNG windows: slices flagged at its threshold, sensitivity, and the ranking against
the whole scan (AUC, specificity at 90 % sensitivity). For a classifier the bench cannot run because no ResUNet of the
store takes its input (core.model_store.paired_input); each form is fed as the card's input says.

python -m experiments.classifier_by_form --version 40 [--store model_store] [--json FILE]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it. About 2 minutes.
"""

import json

import numpy as np

from core.model_input import MODEL_SIZE
from core.model_store import ModelVersion, resolve
from experiments.export_floor import EXPORTS, figures, form_name, p_any, real_sets
from experiments.served_pair import study_arguments
from training.evaluate_store import CLASSIFIER, load_saved_model


def scores_by_form(classifier: ModelVersion, positives: list[np.ndarray], assessed: list[np.ndarray]) -> dict:
    """{form: (the positives' P, the assessed normal slices' P)}, each form fed as the classifier's card says."""
    card = classifier.card
    if card.input.context_slices or card.input.size != MODEL_SIZE:
        raise SystemExit(f"classifier v{card.version}: one-slice classifiers at the model size only")
    classify = load_saved_model(classifier.path)
    return {
        form_name(export): tuple(p_any(classify, s, export, card.input.confinement) for s in (positives, assessed))
        for export in EXPORTS
    }


def main() -> None:
    parser = study_arguments(__doc__)
    parser.add_argument("--version", type=int, help="the classifier's version (default: the store's highest)")
    args = parser.parse_args()
    classifier = resolve(args.store, CLASSIFIER, args.version)
    card = classifier.card
    positives, assessed = real_sets()
    report = {"classifier": card.version, "threshold": card.threshold, "confinement": card.input.confinement}
    for form, scores in scores_by_form(classifier, [p.hu for p in positives], assessed).items():
        report[form] = figures(*scores, card.threshold)
        print(form, json.dumps(report[form]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
