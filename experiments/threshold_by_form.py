"""Would one slice threshold per input form, each chosen by the card's rule (95 % sensitivity on validation phantoms),
serve HU and 8-bit exports better than the card's one threshold, chosen on a half-and-half mix?

python -m experiments.threshold_by_form [--count 400] [--json experiments/results/threshold_by_form_v9.json]
The served classifier on validation phantoms (seed 2) of each form alone, then on test phantoms (seed 3) at the
card's threshold and at the form's own. About 5 minutes on 2 cores.
"""

import json

from experiments.served_pair import WORKERS, served_pair, study_arguments
from training.evaluate import choose_threshold
from training.held_out import FORMS, phantom_scores
from training.metrics import sensitivity_specificity
from training.phantom_data import TEST_SEED, VALIDATION_SEED

TARGET_SENSITIVITY = 0.95
PROCEDURAL = {"procedural": 1.0}  # the training phantoms of cards older than the source mix


def figures(labels, p, threshold: float) -> dict:
    sensitivity, specificity = sensitivity_specificity(labels, p, threshold)
    return {"threshold": threshold, "sensitivity": sensitivity, "specificity": specificity}


def main() -> None:
    parser = study_arguments(__doc__, 400, "validation phantoms per form; test: 1.5 times as many")
    args = parser.parse_args()
    pair = served_pair(args.store)
    classify, spec = pair.classify, pair.spec
    mix = pair.classifier.card.training_data.get("source_mix", PROCEDURAL)  # the served classifier's own phantoms
    report = {"classifier": pair.classifier.version, "card_threshold": pair.threshold, "mix": mix}
    for form, (share, exported) in FORMS.items():
        drawn = {"eight_bit_exports": exported}
        validation = phantom_scores(classify, VALIDATION_SEED, args.count, mix, spec, WORKERS, share, **drawn)
        own = choose_threshold(*validation, TARGET_SENSITIVITY)
        labels, p = phantom_scores(classify, TEST_SEED, args.count * 3 // 2, mix, spec, WORKERS, share, **drawn)
        report[form] = {
            "validation": own,
            "test_at_card_threshold": figures(labels, p, pair.threshold),
            "test_at_own_threshold": figures(labels, p, own["threshold"]),
        }
        print(form, json.dumps(report[form]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
