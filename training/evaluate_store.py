"""Evaluate a SavedModel pair from a model store on any supported dataset and write a report folder.

python -m training.evaluate_store --store model_store --dataset-type ctich-nifti --data data/ct-ich --out reports/ctich
"""

import argparse
import json
import shlex
import sys
from collections import Counter
from pathlib import Path

from core.model_store import ModelVersion, StoreError, paired_input, resolve
from training.datasets import LOADERS, load_phantoms
from training.reporting.evaluation import TARGET_SENSITIVITY, VALIDATION_FRACTION, build_report, score_dataset
from training.reporting.writer import write_report
from training.splits import PatientSplit, select

DATASET_TYPES = ("phantoms", *LOADERS)
CLASSIFIER, SEGMENTER = "ich_classifier", "ich_segmenter"
MASK_THRESHOLD_UNUSED = 0.5  # without a segmenter no mask is thresholded


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
    """The records asked for; a dataset loader decodes only the split part's patients."""
    part = None if args.split is None else set(getattr(PatientSplit.load(args.split), args.part))
    if args.dataset_type != "phantoms":
        return LOADERS[args.dataset_type](args.data, patients=part)
    records = load_phantoms(args.count, args.seed, brain_window=args.brain_window)
    return records if part is None else select(records, part)


def _find(args, name: str) -> ModelVersion | None:
    return None if name.lower() == "none" else resolve(args.store, name, args.version)


def _describe(model: ModelVersion | None) -> dict | None:
    if model is None:
        return None
    return {"path": str(model.path), "name": model.name, "version": model.version, "threshold": model.card.threshold}


def run(args: argparse.Namespace) -> dict:
    # Both cards are checked before either model loads, so a bad store fails in milliseconds.
    classifier, segmenter = _find(args, args.classifier), _find(args, args.segmenter)
    models = [model for model in (classifier, segmenter) if model is not None]
    if not models:
        raise StoreError("nothing to evaluate: both --classifier and --segmenter are 'none'")
    feed = paired_input(*(model.card for model in models))
    classify = load_saved_model(classifier.path) if classifier else None
    segment = load_saved_model(segmenter.path) if segmenter else None
    mask_threshold = segmenter.card.mask_threshold if segmenter else MASK_THRESHOLD_UNUSED
    scored = score_dataset(
        records_of(args), classify, segment, mask_threshold, context=feed.context_slices, confinement=feed.confinement
    )
    report, curves = build_report(
        scored,
        classifier.card.threshold if classifier else None,
        args.target_sensitivity,
        validation_fraction=args.validation_fraction,
        seed=args.split_seed,
    )
    histories = {}
    for label, model in (("classifier", classifier), ("segmenter", segmenter)):
        if model:
            histories[label] = model.card.training.get("history", {})
    if args.history:
        histories.update(json.loads(args.history.read_text()))
    header = {
        "notice": "Research evaluation. Not for clinical use.",
        "command": "python -m training.evaluate_store " + shlex.join(sys.argv[1:]),
        "models": {
            "classifier": _describe(classifier),
            "segmenter": _describe(segmenter),
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
