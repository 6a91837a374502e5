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

from core.model_store import paired_input, resolve
from training.datasets.atlas_phantoms import parse_source_mix
from training.evaluate_store import CLASSIFIER, SEGMENTER, load_saved_model
from training.held_out import phantom_evaluation_data, phantom_held_out
from training.shards import ShardSpec


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
    feed, threshold = paired_input(classifier.card, segmenter.card), classifier.card.threshold
    data = phantom_evaluation_data(args.count, args.mix, feed.context_slices, feed.confinement, workers=2)
    spec = ShardSpec(feed.size, feed.context_slices, feed.confinement)
    # training.held_out's own measurement: the same figures a training run writes into its cards.
    classifier_figures, segmenter_figures = phantom_held_out(data, classify, segment, threshold, spec)
    report = {
        "pair": {"classifier": classifier.version, "segmenter": segmenter.version, "threshold": threshold},
        "mix": args.mix,
        "count_per_form": args.count,
        "confinement": feed.confinement,
    }
    for form in classifier_figures:
        report[form] = {"classifier": classifier_figures[form], "segmenter": segmenter_figures[form]}
        print(form, json.dumps(report[form], default=float), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=float) + "\n")


if __name__ == "__main__":
    main()
