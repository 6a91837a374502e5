"""Is the ResUNet's mask threshold (0.5, fixed by training.cards) where validation phantoms would put it?

python -m experiments.mask_threshold [--count 400] [--json experiments/results/mask_threshold_v9.json]
The served pair on validation phantoms (seed 2, the seed training chooses thresholds on), procedural and
procedural_ct, each input form: mean Dice of bleeding slices, painted and gated as the answer gives masks, and the
share of normal slices with any mask, at each mask threshold. About 12 minutes for 400 per form on 2 cores.
"""

import json

import numpy as np

from core.resize import resize_mask
from experiments.mask_gate import figures
from experiments.served_pair import served_pair, study_arguments
from training.evaluate import predict_in_batches
from training.held_out import FORMS
from training.phantom_data import VALIDATION_SEED

MASK_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def main() -> None:
    parser = study_arguments(__doc__, 400, "phantoms per source and input form")
    args = parser.parse_args()
    pair = served_pair(args.store)
    report = {"pair": pair.describe()}
    for source in ("procedural", "procedural_ct"):
        for form, (share, exported) in FORMS.items():
            arrays = pair.phantoms(VALIDATION_SEED, args.count, share, {source: 1.0}, exported)
            flagged = predict_in_batches(pair.classify, arrays.images)[:, 0] >= pair.threshold
            probabilities = predict_in_batches(pair.segment, arrays.images)[..., 0]
            positive = arrays.labels[:, 0] > 0
            row = {}
            for cut in MASK_THRESHOLDS:
                painted = [resize_mask(p, m.shape, cut) for p, m in zip(probabilities, arrays.native_masks)]
                gated = [mask if flag else np.zeros_like(mask) for mask, flag in zip(painted, flagged)]
                row[str(cut)] = {
                    "painted": figures(arrays.native_masks, painted, positive),
                    "gated": figures(arrays.native_masks, gated, positive),
                }
            report[f"{source} {form}"] = row
            print(source, form, json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
