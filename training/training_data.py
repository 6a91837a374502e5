"""Turn the chosen data (phantoms, or a dataset in data/) into train and validation shards.

Phantom sets come from fixed seeds. A real dataset is split by patient (training.splits), the
split saved beside the shards, and its test patients are left for the held-out report.
"""

import argparse
from dataclasses import dataclass
from pathlib import Path

from training.datasets import LOADERS
from training.datasets.atlas_phantoms import ATLAS, PROCEDURAL, describe_mix
from training.phantom_data import TRAIN_SEED, VALIDATION_SEED, write_phantom_shards
from training.shards import Shards, ShardSpec, write_records
from training.splits import PatientSplit, patient_positives, select, split_patients

PHANTOMS = "phantoms"
# The package each phantom source of --source-mix comes from, named in the card.
PHANTOM_PACKAGES = {PROCEDURAL: "training.phantoms", ATLAS: "training.atlas"}


@dataclass(frozen=True)
class TrainingData:
    train: Shards
    validation: Shards
    description: dict  # for the model card
    split: PatientSplit | None = None  # real datasets only


def phantom_shards(args: argparse.Namespace, spec: ShardSpec, directory: Path) -> TrainingData:
    share, mix = args.brain_window_fraction, args.source_mix
    train = write_phantom_shards(TRAIN_SEED, args.train_count, directory, "train", spec, share, args.workers, mix)
    validation = write_phantom_shards(
        VALIDATION_SEED, args.val_count, directory, "validation", spec, share, args.workers, mix
    )
    description = {
        "source": f"synthetic head-CT phantoms ({', '.join(PHANTOM_PACKAGES[s] for s in mix)}); no patient data",
        "seeds": {"train": TRAIN_SEED, "validation": VALIDATION_SEED},
        "counts": {"train": train.count, "validation": validation.count},
        "brain_window_8bit_fraction": share,
    } | describe_mix(mix)
    return TrainingData(train, validation, description)


def load_records(args: argparse.Namespace):
    return LOADERS[args.dataset](args.data)


def dataset_shards(args: argparse.Namespace, spec: ShardSpec, directory: Path) -> TrainingData:
    if args.split is not None:
        split = PatientSplit.load(args.split)
    else:
        split = split_patients(patient_positives(load_records(args)), seed=args.split_seed)
    directory.mkdir(parents=True, exist_ok=True)
    split.save(directory / "split.json")
    train = write_records(select(load_records(args), split.train), directory, "train", spec)
    validation = write_records(select(load_records(args), split.validation), directory, "validation", spec)
    description = {
        "source": f"{args.dataset} dataset at {args.data}",
        "split": {"file": str(args.split or directory / "split.json"), "seed": args.split_seed},
        "patients": {"train": len(split.train), "validation": len(split.validation), "test": len(split.test)},
        "counts": {"train": train.count, "validation": validation.count},
    }
    return TrainingData(train, validation, description, split)


def prepare_training_data(args: argparse.Namespace, spec: ShardSpec, directory: Path) -> TrainingData:
    return (phantom_shards if args.dataset == PHANTOMS else dataset_shards)(args, spec, directory)
