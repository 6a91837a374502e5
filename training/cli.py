"""The training command line. `python -m training --help` lists the options."""

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

import keras

from core.model_input import MODEL_SIZE
from training.evaluate import choose_threshold, classifier_metrics, segmenter_metrics
from training.export import export_model, input_spec
from training.fit import fit_classifier, fit_segmenter
from training.models.classifier import OUTPUT_NAMES
from training.phantom_data import BRAIN_WINDOW_FRACTION, TEST_SEED, TRAIN_SEED, VALIDATION_SEED, build_arrays

CLASSIFIER_NAME, SEGMENTER_NAME = "ich_classifier", "ich_segmenter"
HARDWARE = f"CPU, {os.cpu_count()} cores, no GPU"
SMOKE = {"train_count": 48, "val_count": 24, "test_count": 24, "classifier_epochs": 1, "segmenter_epochs": 1}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__)
    parser.add_argument("--store", type=Path, default=Path("model_store"), help="where SavedModels are written")
    parser.add_argument("--version", type=int, default=1)
    parser.add_argument("--train-count", type=int, default=4000)
    parser.add_argument("--val-count", type=int, default=400)
    parser.add_argument("--test-count", type=int, default=600)
    parser.add_argument("--classifier-epochs", type=int, default=8)
    parser.add_argument("--segmenter-epochs", type=int, default=10)
    parser.add_argument("--base-width", type=int, default=16, help="ResUNet width at full resolution")
    parser.add_argument("--loss", choices=["dice", "dice_bce"], default="dice")
    parser.add_argument("--target-sensitivity", type=float, default=0.95)
    parser.add_argument("--workers", type=int, default=2, help="processes generating phantoms")
    parser.add_argument("--smoke", action="store_true", help="tiny run to check the pipeline, minutes not hours")
    args = parser.parse_args(argv)
    if args.smoke:
        for key, value in SMOKE.items():
            setattr(args, key, value)
    return args


def log(message: str) -> None:
    print(f"[training] {message}", flush=True)


def run(args: argparse.Namespace) -> dict:
    keras.utils.set_random_seed(0)
    log(f"generating phantoms: {args.train_count} train, {args.val_count} validation, {args.test_count} test")
    train = build_arrays(TRAIN_SEED, args.train_count, workers=args.workers)
    validation = build_arrays(VALIDATION_SEED, args.val_count, workers=args.workers)
    tests = {
        form: build_arrays(TEST_SEED, args.test_count, brain_window_fraction=fraction, workers=args.workers, keep_native=True)
        for form, fraction in (("hu", 0.0), ("brain_window_8bit", 1.0))
    }

    log("training the classifier")
    classifier, classifier_history, classifier_seconds = fit_classifier(train, validation, args.classifier_epochs)
    log("training the ResUNet segmenter")
    segmenter, segmenter_history, segmenter_seconds = fit_segmenter(
        train, validation, args.segmenter_epochs, base_width=args.base_width, loss=args.loss
    )

    log("evaluating on held-out phantoms")
    classify = lambda x: classifier(x, training=False)  # noqa: E731
    segment = lambda x: segmenter(x, training=False)  # noqa: E731
    operating_point = choose_threshold(classify, validation, args.target_sensitivity)
    classifier_held_out = {form: classifier_metrics(classify, data, operating_point["threshold"]) for form, data in tests.items()}
    segmenter_held_out = {form: segmenter_metrics(segment, data) for form, data in tests.items()}

    command = "python -m training " + shlex.join(sys.argv[1:])
    training_data = {
        "source": "synthetic head-CT phantoms (training.phantoms); no patient data",
        "seeds": {"train": TRAIN_SEED, "validation": VALIDATION_SEED, "test": TEST_SEED},
        "counts": {"train": args.train_count, "validation": args.val_count, "test": args.test_count},
        "brain_window_8bit_fraction": BRAIN_WINDOW_FRACTION,
    }
    common = {"training_data": training_data, "input": input_spec(MODEL_SIZE), "reproduce": command}
    classifier_card = {
        **common,
        "task": "slice classification: P(any intracranial hemorrhage) and P(each subtype)",
        "output": {"name": "probabilities", "columns": list(OUTPUT_NAMES)},
        "threshold": operating_point["threshold"],
        "operating_point": operating_point,
        "metrics": {"held_out": classifier_held_out},
        "training": {"epochs": args.classifier_epochs, "seconds": round(classifier_seconds), "hardware": HARDWARE, "history": classifier_history},
    }
    segmenter_card = {
        **common,
        "task": "hemorrhage segmentation: P(hemorrhage) per pixel, mask = P >= 0.5",
        "architecture": {"name": "ResUNet", "base_width": args.base_width, "loss": args.loss},
        "output": {"name": "mask", "mask_threshold": 0.5},
        "threshold": 0.5,
        "metrics": {"held_out": segmenter_held_out},
        "training": {"epochs": args.segmenter_epochs, "seconds": round(segmenter_seconds), "hardware": HARDWARE, "history": segmenter_history},
    }
    for name, model, card in ((CLASSIFIER_NAME, classifier, classifier_card), (SEGMENTER_NAME, segmenter, segmenter_card)):
        path = export_model(model, args.store, name, args.version, card)
        log(f"exported {path}")
    summary = {"classifier": classifier_held_out, "segmenter": segmenter_held_out, "operating_point": operating_point}
    log(json.dumps(summary, indent=1, default=float))
    return summary


def main(argv=None) -> None:
    run(parse_args(argv))
