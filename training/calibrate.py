"""Calibrate the served classifier for one site: measure it on the site's labelled data, pick the site's threshold
for a stated sensitivity, and write a new classifier version with the same weights and a card saying so.

python -m training.calibrate --data /site/labelled --dataset-type folder --sensitivity 0.95 [--temperature]

Only the classifier gets a new version: the segmenter is unchanged, and the service pairs each model with the
other's highest version. The figures are measured on the same data the threshold is chosen on, as the card says.
"""

import argparse
import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.model_card import ModelCard
from core.model_store import CARD_FILE, StoreError, paired_input, resolve, write_card
from core.scan_decision import BY_INPUT_KEY
from training.calibrate_figures import site_figures
from training.datasets import LOADERS, DatasetError, SliceRecord
from training.datasets.phantoms import phantom_record
from training.evaluate_store import CLASSIFIER, SEGMENTER, load_saved_model
from training.phantom_data import BRAIN_WINDOW_FRACTION, TEST_SEED, TRAIN_SEED, VALIDATION_SEED, _forms
from training.phantoms.generator import phantom_seeds
from training.reporting.evaluation import by_patient
from training.site_scoring import score_volume

DATASET_TYPES = ("phantoms", *LOADERS)
DEFAULT_SENSITIVITY = 0.95
PHANTOM_SETS = {TRAIN_SEED: "training", VALIDATION_SEED: "validation", TEST_SEED: "test"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="the site's labelled data (not used for phantoms)")
    parser.add_argument("--dataset-type", choices=DATASET_TYPES, default="folder", help="its layout (default folder)")
    parser.add_argument("--count", type=int, default=400, help="phantoms: how many slices")
    parser.add_argument("--seed", type=int, default=2, help="phantoms: base seed (2 is the validation set's)")
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--classifier", default=CLASSIFIER, help="model name in the store")
    parser.add_argument("--segmenter", default=SEGMENTER, help="model name in the store")
    parser.add_argument("--from-version", type=int, help="classifier version to calibrate (default: the newest)")
    parser.add_argument("--version", type=int, help="the new classifier version (default: the next free one)")
    parser.add_argument(
        "--sensitivity", type=float, default=DEFAULT_SENSITIVITY, help="target sensitivity, for slices and for volumes"
    )
    parser.add_argument("--temperature", action="store_true", help="refit the temperature on the site's data too")
    parser.add_argument("--report", type=Path, help="also write the figures and the reliability diagram here")
    args = parser.parse_args(argv)
    if args.dataset_type != "phantoms":
        if args.data is None:
            parser.error(f"--data is required for --dataset-type {args.dataset_type}")
        if not args.data.is_dir():
            parser.error(f"--data {args.data} is not a folder")
    if not 0.0 < args.sensitivity <= 1.0:
        parser.error(f"--sensitivity {args.sensitivity} must be in (0, 1]")
    return args


@dataclass(frozen=True)
class CalibrationConfig:
    """One calibration, as asked on the command line (the fields are its options)."""

    data: Path | None
    dataset_type: str
    count: int
    seed: int
    store: Path
    classifier: str
    segmenter: str
    from_version: int | None
    version: int | None
    sensitivity: float
    temperature: bool
    report: Path | None


def next_version(store: Path, name: str) -> int:
    versions = [int(p.name) for p in (store / name).glob("*") if p.is_dir() and p.name.isdigit()]
    return max(versions, default=0) + 1


def phantom_set(count: int, seed: int) -> Iterator[SliceRecord]:
    """A phantom set exactly as training builds it (training.phantom_data.build_arrays): the same seeds, and the
    same half of them sent through the 8-bit brain-window export."""
    forms = _forms(seed, count, BRAIN_WINDOW_FRACTION)
    for index, (phantom_seed, png) in enumerate(zip(phantom_seeds(seed, count), forms)):
        yield phantom_record(phantom_seed, f"phantom-{seed}-{index:05d}", bool(png))


def describe_data(config: CalibrationConfig) -> str:
    if config.dataset_type == "phantoms":
        part = PHANTOM_SETS.get(config.seed, "unnamed")
        return f"phantoms seed {config.seed} (the {part} set), {config.count}, half 8-bit brain window"
    return config.data.resolve().name


def copy_weights(source: Path, target: Path) -> None:
    """Every file of the SavedModel byte for byte, the card aside: same weights, new card."""
    if target.exists():
        raise StoreError(f"{target} exists; model versions are immutable, pick a new --version")
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(CARD_FILE))


def new_card(card: dict, version: int, figures: dict, site: dict) -> dict:
    updated = {**card, "version": version, "threshold": figures["operating_point"]["threshold"]}
    updated["operating_point"] = figures["operating_point"]
    for key in ("calibration", "scan_rule"):
        if figures.get(key) is not None:
            updated[key] = figures[key]
    if figures.get("scan_rule") is not None:
        # The site's rule is chosen on the site's own series, whatever their form: it answers them all.
        updated.pop(BY_INPUT_KEY, None)
    updated["site_calibration"] = site
    return updated


def run(config: CalibrationConfig) -> tuple[Path, dict]:
    # Cards are read before any model loads, so a bad store fails in milliseconds.
    classifier = resolve(config.store, config.classifier, config.from_version)
    segmenter = resolve(config.store, config.segmenter)
    version = config.version if config.version is not None else next_version(config.store, config.classifier)
    target = config.store / config.classifier / str(version)
    if target.exists():
        raise StoreError(f"{target} exists; model versions are immutable, pick a new --version")
    feed = paired_input(classifier.card, segmenter.card)
    # Slices are assessed by the classifier card's limits, as serving assesses them.
    limits = classifier.card.assessment_limits
    if config.dataset_type == "phantoms":
        records = phantom_set(config.count, config.seed)
    else:
        records = LOADERS[config.dataset_type](config.data)
    classify, segment = load_saved_model(classifier.path), load_saved_model(segmenter.path)
    mask_threshold = segmenter.card.mask_threshold
    volumes = [
        score_volume(g, classify, segment, mask_threshold, feed.context_slices, limits, feed.confinement)
        for g in by_patient(records)
    ]
    data = describe_data(config)
    fitted_on = data if config.dataset_type == "phantoms" else f"site data {data}"
    card = classifier.card.as_dict()
    figures = site_figures(volumes, card, config.sensitivity, config.temperature, fitted_on, config.report)
    site = {
        "data": data,
        "dataset_type": config.dataset_type,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "previous_version": classifier.version,
        "segmenter_version": segmenter.version,
        "target_sensitivity": config.sensitivity,
        "temperature_refitted": config.temperature,
        **figures["site"],
    }
    card = ModelCard.model_validate(new_card(card, version, figures, site))  # refused before any file is copied
    copy_weights(classifier.path, target)
    write_card(target, card)
    return target, card.as_dict()


def main(argv=None) -> None:
    try:
        target, card = run(CalibrationConfig(**vars(parse_args(argv))))
    except (StoreError, DatasetError, ValueError) as e:
        sys.exit(f"error: {e}")
    print(json.dumps({"written": str(target), "threshold": card["threshold"], **card["site_calibration"]}, indent=1))


if __name__ == "__main__":
    main()
