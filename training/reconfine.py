"""Serve a stored model pair with another input confinement: the same weights as new versions whose cards say so.

python -m training.reconfine --confine cranium --classifier-from 3 --segmenter-from 2 --version 9

Both models are copied byte for byte. Their cards get the new `input`, held-out figures measured again with it on
fresh test phantoms in both input forms (training.held_out, as training measures them), and the classifier a
threshold chosen again on validation phantoms for --sensitivity (95 %, as for every shipped classifier). Nothing is
trained, and the real scan plays no part: its figures come afterwards from `python -m bench.realct --record-cards`.
"""

import argparse
import json
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

from core.model_card import ModelCard, input_spec
from core.model_input import CONFINEMENTS
from core.model_store import StoreError, paired_input, resolve, write_card
from training.calibrate import DEFAULT_SENSITIVITY, copy_weights, next_version
from training.datasets.atlas_phantoms import ALL_PROCEDURAL, parse_source_mix
from training.evaluate_store import CLASSIFIER, SEGMENTER, load_saved_model
from training.held_out import phantom_evaluation_data, phantom_held_out, validation_operating_point
from training.held_out_forms import held_out_metrics
from training.shards import ShardSpec


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.reconfine", description=__doc__.splitlines()[0])
    parser.add_argument("--confine", choices=CONFINEMENTS, required=True, help="what the models will see")
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--classifier-from", type=int, help="classifier version to copy (default: the newest)")
    parser.add_argument("--segmenter-from", type=int, help="segmenter version to copy (default: the newest)")
    parser.add_argument("--version", type=int, help="the new version of both (default: the next free one)")
    parser.add_argument(
        "--sensitivity", type=float, default=DEFAULT_SENSITIVITY, help="validation sensitivity the threshold keeps"
    )
    parser.add_argument("--val-count", type=int, default=400, help="validation phantoms for the threshold")
    parser.add_argument("--test-count", type=int, default=600, help="held-out phantoms per input form")
    parser.add_argument("--source-mix", type=parse_source_mix, default=ALL_PROCEDURAL, help="phantom sources")
    parser.add_argument("--workers", type=int, default=2, help="processes generating phantoms")
    args = parser.parse_args(argv)
    args.command = "python -m training.reconfine " + shlex.join(sys.argv[1:] if argv is None else argv)
    return args


def _new_card(card: dict, version: int, args: argparse.Namespace, held_out: dict, previous: int) -> dict:
    feed = card["input"]
    updated = {key: value for key, value in card.items() if key != "real_ct"}  # the bench records it anew
    updated |= {
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": input_spec(tuple(feed["shape"][1:3]), feed.get("context_slices", 0), args.confine).model_dump(
            mode="json", exclude_unset=True
        ),
        "metrics": held_out_metrics(held_out),
        "reproduce": args.command,
        "derived_from": {
            "version": previous,
            "weights": "copied byte for byte; only the input confinement, held-out figures and threshold are new",
            "held_out_phantoms": {"mix": args.source_mix, "per_form": args.test_count},
        },
    }
    return updated


def run(args: argparse.Namespace) -> dict[str, Path]:
    classifier = resolve(args.store, CLASSIFIER, args.classifier_from)
    segmenter = resolve(args.store, SEGMENTER, args.segmenter_from)
    feed = paired_input(classifier.card, segmenter.card)
    version = args.version or max(next_version(args.store, CLASSIFIER), next_version(args.store, SEGMENTER))
    targets = {name: args.store / name / str(version) for name in (CLASSIFIER, SEGMENTER)}
    for target in targets.values():
        if target.exists():
            raise StoreError(f"{target} exists; model versions are immutable, pick a new --version")
    classify, segment = load_saved_model(classifier.path), load_saved_model(segmenter.path)
    card = classifier.card.as_dict()
    spec = ShardSpec(feed.size, feed.context_slices, args.confine)
    operating_point = validation_operating_point(
        classify, args.val_count, args.source_mix, spec, args.workers, args.sensitivity
    )
    data = phantom_evaluation_data(
        args.test_count, args.source_mix, feed.context_slices, args.confine, args.workers, args.val_count
    )
    classifier_held_out, segmenter_held_out = phantom_held_out(
        data, classify, segment, operating_point["threshold"], spec
    )
    cards = {
        CLASSIFIER: _new_card(card, version, args, classifier_held_out, classifier.version)
        | {"threshold": operating_point["threshold"], "operating_point": operating_point},
        SEGMENTER: _new_card(segmenter.card.as_dict(), version, args, segmenter_held_out, segmenter.version),
    }
    valid = {name: ModelCard.model_validate(c) for name, c in cards.items()}  # refused before any file is copied
    for name, source in ((CLASSIFIER, classifier), (SEGMENTER, segmenter)):
        copy_weights(source.path, targets[name])
        write_card(targets[name], valid[name])
    return targets


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        targets = run(args)
    except (StoreError, ValueError) as e:
        sys.exit(f"error: {e}")
    summary = {name: json.loads((path / "model_card.json").read_text())["metrics"] for name, path in targets.items()}
    print(json.dumps({"written": {k: str(v) for k, v in targets.items()}, **summary}, indent=1, default=float))


if __name__ == "__main__":
    main()
