"""How does a stored model pair do on held-out phantoms of any source mix, as training measures them? Used to ask
whether the procedural_ct phantoms fail the served models the way the real scan does.

python -m experiments.held_out_mix --mix procedural_ct=1.0 [--store model_store] [--classifier 9] [--segmenter 9]
    [--count 600] [--json experiments/results/held_out_mix_v9_procedural_ct.json]
Fresh test phantoms (seed 3), in both input forms, through the pair's own input (its card's confinement); the
classifier at its card's threshold. About 5 minutes for 600 per form on 2 cores.
"""

import argparse
import json
from pathlib import Path

from core.model_store import resolve
from training.datasets.atlas_phantoms import parse_source_mix
from training.evaluate import classifier_metrics, segmenter_metrics
from training.evaluate_store import CLASSIFIER, SEGMENTER, load_saved_model
from training.held_out import FORMS
from training.phantom_data import TEST_SEED, build_arrays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", type=parse_source_mix, required=True, help="e.g. procedural_ct=1.0")
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--classifier", type=int, help="version (default: the newest)")
    parser.add_argument("--segmenter", type=int, help="version (default: the newest)")
    parser.add_argument("--count", type=int, default=600, help="phantoms per input form")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    classifier, segmenter = (
        resolve(args.store, CLASSIFIER, args.classifier),
        resolve(args.store, SEGMENTER, args.segmenter),
    )
    classify, segment = load_saved_model(classifier.path), load_saved_model(segmenter.path)
    confinement, threshold = classifier.card.input.confinement, classifier.card.threshold
    report = {
        "pair": {"classifier": classifier.version, "segmenter": segmenter.version, "threshold": threshold},
        "mix": args.mix,
        "count_per_form": args.count,
        "confinement": confinement,
    }
    for form, share in FORMS:
        arrays = build_arrays(
            TEST_SEED, args.count, brain_window_fraction=share, keep_native=True, mix=args.mix, confinement=confinement
        )
        report[form] = {
            "classifier": classifier_metrics(classify, arrays, threshold),
            "segmenter": segmenter_metrics(segment, arrays),
        }
        print(form, json.dumps(report[form], default=float), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=float) + "\n")


if __name__ == "__main__":
    main()
