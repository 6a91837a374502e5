"""How far does a scanner's calibration move the served classifier? Scanners differ in the HU they give the same
brain by a few HU, and drift between calibrations. Held-out phantoms of the classifier's training mix (seed 3, as
HU) are shifted by a constant offset, then sent as HU and as a lossless 8-bit 40/80 export and confined as the
service does; AUC, and sensitivity and specificity at the card's threshold, per offset. Training drew each atlas
head's brain within +-3 HU and augmented with +-4 HU, so offsets past that are off the training distribution. Then,
as a yardstick, the real normal scan's assessed slices shifted the same way: how many the card's threshold flags.

python -m experiments.calibration_offset [--store model_store] [--count 600]
    [--json experiments/results/calibration_offset_v36.json]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it. About 6 minutes on 2 cores.
"""

import json

import numpy as np

from core.model_input import confine
from core.windowing import as_brain_window_export, window_stack
from experiments.export_floor import EXPORTS, form_name, model_input, real_sets
from experiments.served_pair import served_pair, study_arguments
from training.evaluate import predict_in_batches
from training.metrics import roc_auc, sensitivity_specificity
from training.phantom_data import TEST_SEED

OFFSETS_HU = (-10.0, -5.0, -2.5, 0.0, 2.5, 5.0, 10.0)
SENT_AS = {"hu": lambda hu: hu, "brain_window_8bit": as_brain_window_export}


def figures(labels: np.ndarray, p: np.ndarray, threshold: float) -> dict:
    sensitivity, specificity = sensitivity_specificity(labels, p, threshold)
    return {
        "auc": round(roc_auc(labels, p), 4),
        "sensitivity": round(sensitivity, 3),
        "specificity": round(specificity, 3),
    }


def real_flags(pair) -> dict:
    """{form: {offset: flagged}} over the real normal scan's assessed slices, each sent as the form makes it."""
    _, normal = real_sets()
    flags = {"assessed_slices": len(normal)}
    for export in EXPORTS:
        flags[form_name(export)] = {}
        for offset in OFFSETS_HU:
            inputs = np.stack([model_input(hu + offset, export, "served", pair.spec.confinement) for hu in normal])
            p = predict_in_batches(pair.classify, inputs)[:, 0]
            flags[form_name(export)][offset] = int((p >= pair.threshold).sum())
    return flags


def main() -> None:
    args = study_arguments(__doc__, count=600, count_help="held-out phantoms").parse_args()
    pair = served_pair(args.store)
    mix = pair.classifier.card.training_data["source_mix"]
    # Unconfined HU at model size: each offset is confined afterwards, as the service confines what it is sent.
    hus, labels = pair.hu_phantoms(TEST_SEED, args.count, 0.0, mix, confined=False)
    report = {**pair.describe(), "mix": mix, "phantoms": len(labels), "offsets_hu": {}}
    for offset in OFFSETS_HU:
        report["offsets_hu"][offset] = {}
        for form, sent in SENT_AS.items():
            inputs = np.stack([window_stack(confine(sent(hu + offset), pair.spec.confinement)) for hu in hus])
            p = predict_in_batches(pair.classify, inputs)[:, 0]
            report["offsets_hu"][offset][form] = figures(labels, p, pair.threshold)
        print(offset, json.dumps(report["offsets_hu"][offset]), flush=True)
    report["real_normal_flagged"] = real_flags(pair)
    print("real normal scan, assessed slices flagged", json.dumps(report["real_normal_flagged"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
