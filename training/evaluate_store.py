"""Evaluate a SavedModel pair from a model store on any supported dataset and write a report folder.

python -m training.evaluate_store --store model_store --dataset-type ctich-nifti --data data/ct-ich --out reports/ctich
"""

import argparse
import json
import shlex
import sys
from collections import Counter
from pathlib import Path

from training.datasets import LOADERS, load_phantoms
from training.export import CARD_FILE
from training.reporting.evaluation import TARGET_SENSITIVITY, VALIDATION_FRACTION, build_report, score_dataset
from training.reporting.writer import write_report
from training.splits import PatientSplit, select

DATASET_TYPES = ("phantoms", *LOADERS)
CLASSIFIER, SEGMENTER = "ich_classifier", "ich_segmenter"


class StoreError(Exception):
    """The model store does not hold what was asked for."""


def shared_context(*cards: dict) -> int:
    """The neighbouring slices each side that the models' cards take; both models must take the same."""
    contexts = {card.get("input", {}).get("context_slices", 0) for card in cards}
    if len(contexts) > 1:
        raise StoreError(
            f"the two models take different neighbouring slices ({sorted(contexts)}); pair 2.5D models alike"
        )
    return contexts.pop()


def model_dir(store: Path, name: str, version: int | None) -> Path:
    """model_store/NAME/VERSION, the newest numeric version when none is given."""
    if version is not None:
        path = store / name / str(version)
        if not path.is_dir():
            raise StoreError(f"{path} not found")
        return path
    versions = sorted(int(p.name) for p in (store / name).glob("*") if p.is_dir() and p.name.isdigit())
    if not versions:
        raise StoreError(f"{store / name}: no versions found")
    return store / name / str(versions[-1])


def read_card(path: Path) -> dict:
    card_path = path / CARD_FILE
    if not card_path.is_file():
        raise StoreError(f"{card_path} not found")
    card = json.loads(card_path.read_text())
    if "threshold" not in card:
        raise StoreError(f"{card_path} has no threshold")
    return card


def load_saved_model(path: Path):
    """SavedModel -> numpy predict function, through the same `serve` signature TF-Serving exposes."""
    import tensorflow as tf  # SavedModels need TensorFlow whatever Keras backend is configured

    model = tf.saved_model.load(str(path))
    return lambda batch: model.serve(tf.constant(batch, tf.float32)).numpy()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.evaluate_store", description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--classifier", default=CLASSIFIER, help="model name in the store; 'none' to skip")
    parser.add_argument("--segmenter", default=SEGMENTER, help="model name in the store; 'none' to skip")
    parser.add_argument("--version", type=int, help="model version (default: the newest of each)")
    parser.add_argument("--dataset-type", choices=DATASET_TYPES, required=True)
    parser.add_argument("--data", type=Path, help="dataset root (not used for phantoms)")
    parser.add_argument("--count", type=int, default=200, help="phantoms: how many slices")
    parser.add_argument("--seed", type=int, default=3, help="phantoms: base seed (3 is the training run's test seed)")
    parser.add_argument(
        "--brain-window", action="store_true", help="phantoms: send them through the 8-bit brain window"
    )
    parser.add_argument("--split", type=Path, help="a saved PatientSplit JSON; evaluate only its --part")
    parser.add_argument("--part", choices=("train", "validation", "test"), default="test")
    parser.add_argument("--target-sensitivity", type=float, default=TARGET_SENSITIVITY)
    parser.add_argument(
        "--validation-fraction",
        type=float,
        default=VALIDATION_FRACTION,
        help="patients held out to choose the threshold",
    )
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument(
        "--history", type=Path, help="JSON of training histories {name: {metric: [...]}} to plot as well"
    )
    parser.add_argument("--out", type=Path, required=True, help="report folder")
    args = parser.parse_args(argv)
    if args.dataset_type != "phantoms" and args.data is None:
        parser.error(f"--data is required for --dataset-type {args.dataset_type}")
    if args.data is not None and args.dataset_type != "phantoms" and not args.data.is_dir():
        parser.error(f"--data {args.data} is not a folder")
    return args


def records_of(args: argparse.Namespace):
    if args.dataset_type == "phantoms":
        records = load_phantoms(args.count, args.seed, brain_window=args.brain_window)
    else:
        records = LOADERS[args.dataset_type](args.data)
    if args.split is not None:
        records = select(records, getattr(PatientSplit.load(args.split), args.part))
    return records


def _find(args, name: str) -> tuple[Path, dict] | tuple[None, None]:
    if name.lower() == "none":
        return None, None
    path = model_dir(args.store, name, args.version)
    return path, read_card(path)


def _describe(card: dict | None, path: Path | None) -> dict | None:
    if card is None:
        return None
    return {"path": str(path), "name": card.get("name"), "version": card.get("version"), "threshold": card["threshold"]}


def run(args: argparse.Namespace) -> dict:
    # Both cards are checked before either model loads, so a bad store fails in milliseconds.
    classifier_path, classifier_card = _find(args, args.classifier)
    segmenter_path, segmenter_card = _find(args, args.segmenter)
    if classifier_path is None and segmenter_path is None:
        raise StoreError("nothing to evaluate: both --classifier and --segmenter are 'none'")
    classify = load_saved_model(classifier_path) if classifier_path else None
    segment = load_saved_model(segmenter_path) if segmenter_path else None
    mask_threshold = segmenter_card["threshold"] if segmenter_card else 0.5
    context = shared_context(*(card for card in (classifier_card, segmenter_card) if card))
    scored = score_dataset(records_of(args), classify, segment, mask_threshold, context=context)
    report, curves = build_report(
        scored,
        classifier_card["threshold"] if classifier_card else None,
        args.target_sensitivity,
        validation_fraction=args.validation_fraction,
        seed=args.split_seed,
    )
    histories = {}
    for label, card in (("classifier", classifier_card), ("segmenter", segmenter_card)):
        if card:
            histories[label] = card.get("training", {}).get("history", {})
    if args.history:
        histories.update(json.loads(args.history.read_text()))
    header = {
        "notice": "Research evaluation. Not for clinical use.",
        "command": "python -m training.evaluate_store " + shlex.join(sys.argv[1:]),
        "models": {
            "classifier": _describe(classifier_card, classifier_path),
            "segmenter": _describe(segmenter_card, segmenter_path),
        },
        "dataset": {
            "type": args.dataset_type,
            "path": None if args.data is None else str(args.data),
            "split": None if args.split is None else {"file": str(args.split), "part": args.part},
            "slices": len(scored.slices),
            "patients": len({r.patient_id for r in scored.slices}),
            "positive_slices": sum(r.positive for r in scored.slices),
            "input_forms": dict(Counter(r.form for r in scored.slices)),
        },
        "target_sensitivity": args.target_sensitivity,
    }
    return write_report(args.out, {**header, **report}, curves, scored, histories)


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        report = run(args)
    except StoreError as e:
        sys.exit(f"error: {e}")
    summary = {
        "detection_auc": report["detection"].get("auc"),
        "dice_per_slice_positive": report["segmentation"].get("dice_per_slice_positive"),
    }
    print(json.dumps(summary, indent=1))
    print(f"report written to {args.out}")


if __name__ == "__main__":
    main()
