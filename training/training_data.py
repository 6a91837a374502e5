"""Turn the chosen data (phantoms, or a dataset in data/) into train and validation shards.

Phantom sets come from fixed seeds. A real dataset is split by patient (training.splits) from its
labels alone, the split saved beside the shards, and each part's patients are decoded once: train
and validation here, test for the held-out report.
"""

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from training.config import DataConfig
from training.datasets import LOADERS, POSITIVES, SliceRecord
from training.datasets.atlas_phantoms import (
    ATLAS,
    ATLAS_ALL_AGES,
    ATLAS_SINUS,
    PROCEDURAL,
    PROCEDURAL_CT,
    describe_mix,
)
from training.phantom_data import TRAIN_SEED, VALIDATION_SEED, write_phantom_shards
from training.shards import Shards, ShardSpec, write_records
from training.splits import PatientSplit, split_patients

PHANTOMS = "phantoms"
# The package each phantom source of --source-mix comes from, named in the card.
PHANTOM_PACKAGES = {
    PROCEDURAL: "training.phantoms",
    ATLAS: "training.atlas",
    ATLAS_ALL_AGES: "training.atlas, with its younger anatomy variants",
    ATLAS_SINUS: "training.atlas, with the front of the skull closed and a frontal sinus (training.atlas.frontal)",
    PROCEDURAL_CT: "training.phantoms with training.phantoms.skull and training.scanner",
}


@dataclass(frozen=True)
class TrainingData:
    train: Shards
    validation: Shards
    description: dict  # for the model card
    split: PatientSplit | None = None  # real datasets only


def phantom_shards(data: DataConfig, spec: ShardSpec, directory: Path) -> TrainingData:
    share, mix = data.brain_window_fraction, data.source_mix
    train = write_phantom_shards(TRAIN_SEED, data.train_count, directory, "train", spec, share, data.workers, mix)
    validation = write_phantom_shards(
        VALIDATION_SEED, data.val_count, directory, "validation", spec, share, data.workers, mix
    )
    return TrainingData(train, validation, phantom_description(mix, train.count, validation.count, share))


def phantom_description(mix: dict[str, float], train: int, validation: int, share: float) -> dict:
    """The card's training_data for a phantom run: sources, seeds, counts, the share sent as 8-bit exports."""
    return {
        "source": f"synthetic head-CT phantoms ({', '.join(PHANTOM_PACKAGES[s] for s in mix)}); no patient data",
        "seeds": {"train": TRAIN_SEED, "validation": VALIDATION_SEED},
        "counts": {"train": train, "validation": validation},
        "brain_window_8bit_fraction": share,
    } | describe_mix(mix)


def load_records(data: DataConfig, patients: Collection[str]) -> Iterator[SliceRecord]:
    """The records of `patients` only: the loader decodes no one else's images."""
    return LOADERS[data.dataset](data.root, patients=set(patients))


def dataset_shards(data: DataConfig, spec: ShardSpec, directory: Path) -> TrainingData:
    if data.split_file is not None:
        split = PatientSplit.load(data.split_file)
    else:
        split = split_patients(POSITIVES[data.dataset](data.root), seed=data.split_seed)
    directory.mkdir(parents=True, exist_ok=True)
    split.save(directory / "split.json")
    train = write_records(load_records(data, split.train), directory, "train", spec)
    validation = write_records(load_records(data, split.validation), directory, "validation", spec)
    description = {
        "source": f"{data.dataset} dataset at {data.root}",
        "split": {"file": str(data.split_file or directory / "split.json"), "seed": data.split_seed},
        "patients": {"train": len(split.train), "validation": len(split.validation), "test": len(split.test)},
        "counts": {"train": train.count, "validation": validation.count},
    }
    return TrainingData(train, validation, description, split)


def prepare_training_data(data: DataConfig, spec: ShardSpec, directory: Path) -> TrainingData:
    return (phantom_shards if data.dataset == PHANTOMS else dataset_shards)(data, spec, directory)
