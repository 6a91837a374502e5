"""Do two ResUNets segment held-out phantoms differently, on the same phantoms? A card's held-out figures are drawn
from its own training mix, so two segmenters trained on different mixes cannot be compared from their cards. This
scores each segmenter named on one fresh test set (seed TEST_SEED) per mix asked for, in the cards' three forms
(training.held_out_forms): mean Dice on the bleeding slices and the share of normal slices with any mask pixel, at
model resolution and at each slice's own matrix (training.evaluate's mask_metrics, as the cards measure it; no
classifier gate, no answer confinement). With --classifier, also as the answer gives masks, only on the slices that
classifier flags at its card's threshold (a missed bleed scores 0): `gated`, with the mean false mask area per
normal slice (pixels at model resolution) beside it, gated and not.

python -m experiments.segmenter_held_out --store STORE --versions 9 79 [--classifier 36] \
    --mix v36=atlas=0.5,procedural_ct=0.35,procedural=0.15 --mix procedural=procedural=1.0 [--count 600] [--json FILE]
About 4 minutes per mix and segmenter on 2 cores.
"""

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from core.dice import dice_score
from core.model_store import paired_input, resolve
from training.cards import MASK_THRESHOLD
from training.datasets.atlas_phantoms import parse_source_mix
from training.evaluate import mask_metrics, predict_in_batches
from training.evaluate_store import CLASSIFIER, SEGMENTER, load_saved_model
from training.held_out import held_out_arrays, phantom_evaluation_data
from training.shards import ShardSpec

WORKERS = 2


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.segmenter_held_out", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--versions", type=int, nargs="+", required=True, help="segmenter versions in the store")
    parser.add_argument("--classifier", type=int, help="gate the masks by this classifier's flags, as answers are")
    parser.add_argument("--mix", action="append", required=True, help="NAME=SOURCE=SHARE,...: a test mix and its name")
    parser.add_argument("--count", type=int, default=600, help="held-out phantoms per form and mix")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.mix = dict(_named_mix(text) for text in args.mix)
    return args


def _named_mix(text: str) -> tuple[str, dict[str, float]]:
    name, _, spec = text.partition("=")
    return name, parse_source_mix(spec)


def compare(store: Path, versions: list[int], mixes: dict, count: int, classifier: int | None = None) -> dict:
    segmenters = [resolve(store, SEGMENTER, version) for version in versions]
    gate = resolve(store, CLASSIFIER, classifier) if classifier is not None else None
    cards = [segmenter.card for segmenter in segmenters] + ([gate.card] if gate else [])
    feed = paired_input(*cards)  # one test set must feed them all
    spec = ShardSpec(feed.size, feed.context_slices, feed.confinement)
    models = {segmenter.version: load_saved_model(segmenter.path) for segmenter in segmenters}
    classify = load_saved_model(gate.path) if gate else None
    figures = {}
    for name, mix in mixes.items():
        data = phantom_evaluation_data(count, mix, spec.context, spec.confinement, WORKERS)
        tests = held_out_arrays(data, spec)
        flags = {
            form: predict_in_batches(classify, arrays.images)[:, 0] >= gate.card.threshold
            for form, arrays in tests.items()
            if classify
        }
        figures[name] = {
            "mix": mix,
            "by_segmenter": {
                f"v{version}": {form: scored(segment, arrays, flags.get(form)) for form, arrays in tests.items()}
                for version, segment in models.items()
            },
        }
    gated_by = {"classifier": gate.version, "threshold": gate.card.threshold} if gate else None
    return {"count": count, "input": asdict(spec), "gated_by": gated_by, "mixes": figures}


def scored(segment, data, flagged: np.ndarray | None) -> dict:
    """One ResUNet's figures on one form's phantoms, from a single prediction."""
    probabilities = predict_in_batches(segment, data.images)[..., 0]
    return mask_metrics(probabilities, data) | gated_metrics(probabilities, data, flagged)


def gated_metrics(probabilities: np.ndarray, data, flagged: np.ndarray | None) -> dict:
    """The false mask area per normal slice, and with `flagged` the masks as an answer gives them: Dice on the
    bleeding slices (0 where not flagged), normal slices with any mask and their false area, all at model size."""
    predicted = probabilities >= MASK_THRESHOLD
    positive = data.labels[:, 0] > 0
    area = predicted.reshape(len(predicted), -1).sum(axis=1)
    result = {"mean_false_pixels_per_negative_slice": float(area[~positive].mean())}
    if flagged is None:
        return result
    gated = predicted & flagged[:, None, None]
    dice = [dice_score(p, m[..., 0]) for p, m in zip(gated[positive], data.masks[positive])]
    return result | {
        "gated": {
            "mean_dice_positive_slices_model_resolution": float(np.mean(dice)),
            "negative_slices_with_mask": float(gated[~positive].any(axis=(1, 2)).mean()),
            "mean_false_pixels_per_negative_slice": float((area * flagged)[~positive].mean()),
            "flagged_positive": float(flagged[positive].mean()),
            "flagged_negative": float(flagged[~positive].mean()),
        }
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    result = compare(args.store, args.versions, args.mix, args.count, args.classifier)
    text = json.dumps(result, indent=1, default=float)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
