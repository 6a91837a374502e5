"""Bring the models of a `python -m training.fit_in_memory` run (trained elsewhere, e.g. on the GPU machine through
JAX) into the store: each .keras file exported as a SavedModel version, with a card measured here as
`python -m training` measures its own runs (threshold on validation phantoms for the target sensitivity, held-out
phantoms in both input forms), and the run's backend, devices, time and history.

python -m training.import_keras --run OUT --version N [--store model_store] [--val-count 400] [--test-count 600]
    [--sensitivity 0.95] [--workers 2]
"""

import argparse
import json
import shlex
import sys
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np

from core.model_store import StoreError
from training.array_batches import AUGMENTATIONS
from training.cards import classifier_sections, data_sections, segmenter_sections
from training.evaluate_store import CLASSIFIER, SEGMENTER
from training.export import export_model
from training.held_out import phantom_evaluation_data, phantom_held_out, validation_operating_point
from training.phantom_data import BRAIN_WINDOW_FRACTION
from training.shards import ShardSpec
from training.training_data import phantom_description

NAMES = {"classifier": CLASSIFIER, "segmenter": SEGMENTER}  # the store's names for a run's two models


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.import_keras", description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a fit_in_memory --out folder")
    parser.add_argument("--version", type=int, required=True)
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--val-count", type=int, default=400)
    parser.add_argument("--test-count", type=int, default=600)
    parser.add_argument("--sensitivity", type=float, default=0.95)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    args.command = f"{parser.prog} " + shlex.join(sys.argv[1:] if argv is None else argv)
    return args


def predictor(model: keras.Model):
    return lambda batch: np.asarray(model(batch, training=False))


def export_fraction(trained: dict) -> float:
    return trained.get("brain_window_fraction", BRAIN_WINDOW_FRACTION)  # runs before the option had the default


def shared_sections(run: dict, args: argparse.Namespace) -> tuple[dict, ShardSpec]:
    trained = run["arguments"]
    mix, size = trained["source_mix"], (trained["size"], trained["size"])
    spec = ShardSpec(size, 0, trained["confine"])
    description = phantom_description(mix, trained["train_count"], trained["val_count"], export_fraction(trained))
    augmentation = asdict(AUGMENTATIONS[trained.get("augment", "flips")])  # runs before --augment had flips only
    common = data_sections(description, augmentation, size, 0, spec.confinement)
    common["reproduce"] = f"{run['command']}; then {args.command}"
    return common, spec


def training_section(run: dict, name: str) -> dict:
    trained, fitted = run["arguments"], run["models"][name]
    record = {
        "epochs": len(fitted["history"]["loss"]),  # fewer than asked for where --time-limit ended training
        "epochs_asked": trained[f"{name}_epochs"],
        "seconds": round(fitted["seconds"]),
        "hardware": f"Keras {run['keras']} on {run['backend']}: {', '.join(run['devices'])}",
        "history": fitted["history"],
    }
    start = trained.get(f"init_{name}")
    return {"training": record | ({"transfer_learning": {"source": start, "fine_tuned": True}} if start else {})}


def run_import(args: argparse.Namespace) -> dict[str, Path]:
    run = json.loads((args.run / "run.json").read_text())
    models = {name: keras.saving.load_model(args.run / f"{name}.keras", compile=False) for name in run["models"]}
    for name in models:
        if (args.store / NAMES[name] / str(args.version)).exists():
            raise StoreError(f"{args.store / NAMES[name] / str(args.version)} exists; pick a new --version")
    common, spec = shared_sections(run, args)
    trained = run["arguments"]
    mix = trained["source_mix"]
    classify = predictor(models["classifier"]) if "classifier" in models else None
    segment = predictor(models["segmenter"]) if "segmenter" in models else None
    operating_point, threshold = {}, None
    if classify:
        fraction = export_fraction(trained)  # the validation shards' exports, as training chooses its threshold
        operating_point = validation_operating_point(
            classify, args.val_count, mix, spec, args.workers, args.sensitivity, fraction, simulated_exports=True
        )
        threshold = operating_point["threshold"]
    data = phantom_evaluation_data(args.test_count, mix, 0, spec.confinement, args.workers)
    classifier_held_out, segmenter_held_out = phantom_held_out(data, classify, segment, threshold, spec)
    architecture = SimpleNamespace(attention=False, base_width=16, loss=trained["loss"])
    cards = {}
    if classify:
        cards["classifier"] = classifier_sections(classifier_held_out, operating_point)
    if segment:
        cards["segmenter"] = segmenter_sections(segmenter_held_out, architecture)
    written = {}
    for name, card in cards.items():
        full = common | card | training_section(run, name)
        written[name] = export_model(models[name], args.store, NAMES[name], args.version, full)
    return written


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        written = run_import(args)
    except (StoreError, ValueError, FileExistsError) as e:
        sys.exit(f"error: {e}")
    print(json.dumps({name: str(path) for name, path in written.items()}, indent=1))


if __name__ == "__main__":
    main()
