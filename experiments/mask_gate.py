"""What does giving a mask only where the classifier flags the slice (the served answer) cost on held-out phantoms?

python -m experiments.mask_gate [--mixes procedural=1.0 procedural_ct=1.0] [--count 600]
    [--json experiments/results/mask_gate_v9.json]
The served pair on fresh test phantoms (seed 3) in both input forms, through its card's confinement, as
training.held_out measures the cards' figures: the segmenter's mask as it paints it, and the same mask emptied on
every slice whose P(any) is under the classifier card's threshold. About 5 minutes per mix for 600 per form on 2 cores.
"""

import json

import numpy as np

from core.dice import dice_score
from core.resize import resize_mask
from experiments.served_pair import served_pair, study_arguments
from training.cards import MASK_THRESHOLD
from training.datasets.atlas_phantoms import parse_source_mix
from training.evaluate import predict_in_batches
from training.held_out import FORMS
from training.phantom_data import TEST_SEED


def figures(native_masks, predicted, positive) -> dict:
    """Mean Dice over positive slices at each slice's own matrix; share of negatives with any mask pixel."""
    return {
        "mean_dice_positive_slices": float(
            np.mean([dice_score(p, m) for p, m, y in zip(predicted, native_masks, positive) if y])
        ),
        "negative_slices_with_mask": float(np.mean([p.any() for p, y in zip(predicted, positive) if not y])),
    }


def measure(arrays, classify, segment, threshold: float) -> dict:
    flagged = predict_in_batches(classify, arrays.images)[:, 0] >= threshold
    probabilities = predict_in_batches(segment, arrays.images)[..., 0]
    painted = [resize_mask(p, m.shape, MASK_THRESHOLD) for p, m in zip(probabilities, arrays.native_masks)]
    gated = [mask if flag else np.zeros_like(mask) for mask, flag in zip(painted, flagged)]
    positive = arrays.labels[:, 0] > 0
    return {
        "slices": len(positive),
        "positive_slices": int(positive.sum()),
        "classifier_sensitivity": float(flagged[positive].mean()),
        "painted": figures(arrays.native_masks, painted, positive),
        "gated": figures(arrays.native_masks, gated, positive),
    }


def main() -> None:
    parser = study_arguments(__doc__, 600, "phantoms per input form")
    parser.add_argument(
        "--mixes", type=parse_source_mix, nargs="+", default=[{"procedural": 1.0}, {"procedural_ct": 1.0}]
    )
    args = parser.parse_args()
    pair = served_pair(args.store)
    report = {"pair": pair.describe()}
    for mix in args.mixes:
        name = ",".join(f"{source}={share}" for source, share in mix.items())
        for form, (share, exported) in FORMS.items():
            arrays = pair.phantoms(TEST_SEED, args.count, share, mix, exported)
            report[f"{name} {form}"] = measure(arrays, pair.classify, pair.segment, pair.threshold)
            print(name, form, json.dumps(report[f"{name} {form}"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
