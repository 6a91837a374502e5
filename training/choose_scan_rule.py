"""Choose the scan-level rule of a trained model version on whole atlas head volumes, and write it into that
version's classifier card, where serving reads it (core.scan_decision.ScanRule.from_card).

python -m training.choose_scan_rule --store model_store --version 4 [--volumes 24] [--seed 77] [--sensitivity 0.95]
    [--input hu|brain_window_8bit]

`--input hu` (the default) chooses the card's `scan_rule`, which answers DICOM, NIfTI and 16-bit series;
`--input brain_window_8bit` chooses the rule for series of 8-bit exports (`scan_rule_by_input`) on the same heads,
each exported at its own brain window (training.scanner.export.export_series_8bit) and sent without a spacing, as
exports arrive.

The volumes are scored the way the service answers (training.site_scoring: slice assessment, masks confined to the
intracranial space, the card's calibration and threshold); the rule is the most specific one reaching the target
sensitivity (training.scan_rule_choice), reported beside the old "maximum over slices" rule on the same volumes.
"""

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from core.calibration import apply_temperature
from core.model_card import InputSpec
from core.model_store import (
    CARD_FILE,
    ModelVersion,
    StoreError,
    available_versions,
    paired_input,
    resolve,
    write_card,
)
from core.raster import BRAIN_WINDOW_FORM, HU_FORM
from core.scan_decision import BY_INPUT_KEY, decide
from core.slice_assessment import AssessmentLimits
from training.atlas import HeadVolume, generate_volume
from training.atlas.volume import THICKNESS_MM
from training.calibrate_figures import scan_rule
from training.datasets.records import SliceRecord
from training.evaluate_store import CLASSIFIER, SEGMENTER, load_saved_model
from training.models.classifier import OUTPUT_NAMES
from training.phantom_data import TEST_SEED, TRAIN_SEED, VALIDATION_SEED
from training.phantoms.generator import phantom_seeds
from training.scan_rule_choice import MAX_OVER_SLICES
from training.scanner.export import export_series_8bit
from training.site_scoring import ScoredVolume, score_volume

COMMAND = "python -m training.choose_scan_rule"
# Training's phantom sets use base seeds 1, 2 and 3; any other base gives volumes drawn from disjoint seed streams.
TRAINING_SEEDS = (TRAIN_SEED, VALIDATION_SEED, TEST_SEED)
DEFAULT_SEED = 77
DEFAULT_VOLUMES = 24
DEFAULT_SENSITIVITY = 0.95
MATRIX = 256  # a CT's usual 512 matrix is resized to the model's 256 anyway
EXPORT_STREAM = 8  # the export window's random stream, apart from the volume's own


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--version", type=int, required=True, help="the classifier version whose card gets the rule")
    parser.add_argument("--classifier", default=CLASSIFIER, help="model name in the store")
    parser.add_argument(
        "--segmenter", default=SEGMENTER, help="model name (the same version if present, else the newest)"
    )
    parser.add_argument("--volumes", type=int, default=DEFAULT_VOLUMES, help="atlas head volumes, half with a bleed")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"base seed, not one of training's {TRAINING_SEEDS}"
    )
    parser.add_argument(
        "--sensitivity", type=float, default=DEFAULT_SENSITIVITY, help="target volume-level sensitivity"
    )
    parser.add_argument("--matrix", type=int, default=MATRIX, help="pixels across each slice")
    parser.add_argument(
        "--input",
        choices=(HU_FORM, BRAIN_WINDOW_FORM),
        default=HU_FORM,
        help="the input form the rule answers: HU series, or series of 8-bit exports",
    )
    parser.add_argument("--slice-mm", type=float, help=f"one thickness for all (default: drawn in {THICKNESS_MM} mm)")
    parser.add_argument("--dry-run", action="store_true", help="print the rule; leave the card as it is")
    parser.add_argument("--report", type=Path, help="also write each volume's scan answer under the old rule here")
    args = parser.parse_args(argv)
    if args.seed in TRAINING_SEEDS:
        parser.error(f"--seed {args.seed} is a training phantom set's base seed; choose another")
    if args.volumes < 2:
        parser.error(f"--volumes {args.volumes}: a rule needs at least one volume with a bleed and one without")
    if not 0.0 < args.sensitivity <= 1.0:
        parser.error(f"--sensitivity {args.sensitivity} must be in (0, 1]")
    return args


def volume_records(volume: HeadVolume, patient_id: str) -> list[SliceRecord]:
    """A head volume as one patient's stack, slice 0 most inferior."""
    return [
        SliceRecord(
            hu=volume.hu[i],
            mask=volume.mask[i],
            labels={name: bool(value) for name, value in zip(OUTPUT_NAMES, volume.labels[i])},
            patient_id=patient_id,
            slice_index=i,
            spacing_mm=volume.spacing_mm,
            extra=volume.extra,
        )
        for i in range(len(volume.hu))
    ]


def atlas_volumes(seed: int, count: int, matrix: int, slice_mm: float | None) -> Iterator[list[SliceRecord]]:
    """Volume i depends only on (seed, i); even ones hold a bleed. One at a time, so a set is never all in memory."""
    for index, volume_seed in enumerate(phantom_seeds(seed, count)):
        volume = generate_volume(volume_seed, matrix=matrix, slice_mm=slice_mm, positive=index % 2 == 0)
        yield volume_records(volume, f"atlas-volume-{seed}-{index:03d}")


def as_8bit_export(records: list[SliceRecord], rng: np.random.Generator) -> list[SliceRecord]:
    """The volume as a viewer's 8-bit export series reaches the service: its pixels through one brain window, and no
    spacing, which PNG and JPEG files do not carry (so no bleed volume, and slices sized as the service sizes them)."""
    hu, _ = export_series_8bit(np.stack([r.hu for r in records]), rng)
    return [dataclasses.replace(r, hu=h, spacing_mm=None) for r, h in zip(records, hu)]


def paired_segmenter(store: Path, name: str, version: int | None) -> ModelVersion:
    """The segmenter of the asked version when the store has one, else the newest."""
    return resolve(store, name, version if version in available_versions(store, name) else None)


def describe(args: argparse.Namespace, volumes: list[ScoredVolume], thicknesses: list[float], segmenter: str) -> str:
    positives = sum(v.label for v in volumes)
    drawn = f"one thickness {args.slice_mm:g} mm" if args.slice_mm else f"thickness drawn in {THICKNESS_MM} mm"
    exported = ""
    if args.input == BRAIN_WINDOW_FORM:
        exported = (
            ", each exported as a lossless 8-bit series at one brain window (level 20-60, width 60-200; now and then "
            "a display gamma) and read as the service reads 8-bit files, without a spacing, as exports arrive (so "
            "no volume arm)"
        )
    return (
        f"{COMMAND} --seed {args.seed} --volumes {args.volumes} --sensitivity {args.sensitivity:g} "
        f"--input {args.input}: "
        f"{len(volumes)} atlas head volumes (training.atlas.generate_volume, seeds SeedSequence([{args.seed}, i]) "
        f"for i < {args.volumes}; {positives} with a bleed, {len(volumes) - positives} without){exported}, "
        f"{sum(len(v.raw) for v in volumes)} slices ({sum(int(v.assessed.sum()) for v in volumes)} assessed), "
        f"{drawn} (these {min(thicknesses):.2f}-{max(thicknesses):.2f} mm), matrix {args.matrix}, segmenter {segmenter}"
    )


def volume_rows(volumes: list[ScoredVolume], thicknesses: list[float], temperature: float, threshold: float):
    """Why each volume is called what it is: its flagged run and predicted volume, per volume."""
    rows = []
    for volume, thickness in zip(volumes, thicknesses):
        served = apply_temperature(volume.raw, temperature)
        answer = decide(served, volume.assessed, volume.volume_ml, threshold, MAX_OVER_SLICES)
        rows.append(
            {
                "patient_id": volume.patient_id,
                "bleed": volume.label,
                "bleed_on_assessed_slices": bool((volume.labels & volume.assessed).any()),
                "slice_mm": round(thickness, 2),
                "slices": len(volume.raw),
                "assessed": answer.assessed_slices,
                "flagged": len(answer.flagged_slices),
                "longest_run": answer.longest_run,
                "volume_ml": None if answer.volume_ml is None else round(answer.volume_ml, 2),
                "max_probability": round(answer.probability, 4),
            }
        )
    return rows


def volume_scorer(
    classifier: Path, segmenter: Path, mask_threshold: float, feed: InputSpec, limits: AssessmentLimits
) -> Callable[[list[SliceRecord]], ScoredVolume]:
    """The pair loaded once -> a function scoring one volume's records as the service answers them."""
    classify, segment = load_saved_model(classifier), load_saved_model(segmenter)

    def score(records: list[SliceRecord]) -> ScoredVolume:
        return score_volume(records, classify, segment, mask_threshold, feed.context_slices, limits, feed.confinement)

    return score


def score_volumes(
    args: argparse.Namespace,
    classifier: Path,
    segmenter: Path,
    mask_threshold: float,
    feed: InputSpec,
    limits: AssessmentLimits,
):
    score = volume_scorer(classifier, segmenter, mask_threshold, feed, limits)
    volumes, thicknesses, started = [], [], time.monotonic()
    for index, records in enumerate(atlas_volumes(args.seed, args.volumes, args.matrix, args.slice_mm)):
        thicknesses.append(records[0].spacing_mm[2])
        if args.input == BRAIN_WINDOW_FORM:
            records = as_8bit_export(records, np.random.default_rng([args.seed, index, EXPORT_STREAM]))
        volumes.append(score(records))
        done = f"volume {index + 1}/{args.volumes}: {len(records)} slices of {thicknesses[-1]:.2f} mm"
        print(f"{done}, {time.monotonic() - started:.0f} s so far", file=sys.stderr, flush=True)
    return volumes, thicknesses


def card_with_rule(card: dict, rule: dict, form: str) -> dict:
    """HU series are answered by the card's `scan_rule`; other forms by their own entry, when they have one."""
    if form == HU_FORM:
        return card | {"scan_rule": rule}
    return card | {BY_INPUT_KEY: (card.get(BY_INPUT_KEY) or {}) | {form: rule}}


def run(args: argparse.Namespace) -> dict:
    # Cards are read before any model loads or volume is drawn, so a bad store fails in milliseconds.
    classifier = resolve(args.store, args.classifier, args.version)
    segmenter = paired_segmenter(args.store, args.segmenter, args.version)
    card = classifier.card
    feed = paired_input(card, segmenter.card)
    started = time.monotonic()
    # Slices are assessed by the classifier card's limits, as serving assesses them.
    volumes, thicknesses = score_volumes(
        args, classifier.path, segmenter.path, segmenter.card.mask_threshold, feed, card.assessment_limits
    )
    segmenter_name = f"{args.segmenter} v{segmenter.version}"
    temperature = card.calibration_map.temperature if card.calibration_map else 1.0
    rule, status = scan_rule(
        volumes,
        temperature,
        card.threshold,
        args.sensitivity,
        describe(args, volumes, thicknesses, segmenter_name),
    )
    if rule is None:
        raise ValueError(status)
    if args.report:
        rows = volume_rows(volumes, thicknesses, temperature, card.threshold)
        args.report.write_text(json.dumps({"scan_rule": rule, "volumes": rows}, indent=1) + "\n")
    if not args.dry_run:
        # Read again: the other input's choice for this version may have run alongside and written its rule meanwhile.
        current = resolve(args.store, args.classifier, args.version).card
        write_card(classifier.path, card_with_rule(current.as_dict(), rule, args.input))
    return {
        "card": str(classifier.path / CARD_FILE),
        "written": not args.dry_run,
        "seconds": round(time.monotonic() - started, 1),
        "positive_volumes_bleeding_only_on_unassessed_slices": sum(
            int(v.label and not (v.labels & v.assessed).any()) for v in volumes
        ),
        "scan_rule": rule,
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        summary = run(args)
    except (StoreError, ValueError) as e:
        sys.exit(f"error: {e}")
    print(json.dumps(summary, indent=1))
    if not summary["scan_rule"]["met_target"]:
        print(f"warning: no rule reached sensitivity {args.sensitivity:g}; the most sensitive one was chosen")


if __name__ == "__main__":
    main()
