"""What one training run is asked to do, typed: the data, the models and where the output goes.

Built once from the command line (training.cli); library code below the command line takes these,
never the parsed arguments.
"""

from dataclasses import dataclass
from pathlib import Path

from core.model_input import NO_CONFINEMENT, Confinement

LEARNING_RATE = 2e-3  # the peak of both models' cosine schedules, unless a run sets its own


@dataclass(frozen=True)
class DataConfig:
    dataset: str  # "phantoms" or a name in training.datasets.LOADERS
    root: Path | None  # the dataset's folder; None for phantoms
    split_file: Path | None  # a saved PatientSplit; drawn by patient when None
    split_seed: int
    train_count: int  # phantoms only, as are the counts and the mix below
    val_count: int
    test_count: int
    brain_window_fraction: float
    source_mix: dict[str, float]
    context_slices: int  # 2.5D: neighbouring slices each side
    augment: bool
    workers: int  # processes generating phantoms
    confinement: Confinement = NO_CONFINEMENT  # what of each slice the models see (core.model_input)


@dataclass(frozen=True)
class ModelConfig:
    models: tuple[str, ...]  # which of "classifier", "segmenter" to train
    classifier_epochs: int
    segmenter_epochs: int
    base_width: int  # ResUNet width at full resolution
    attention: bool  # attention gates on the ResUNet skips
    loss: str
    init_classifier: Path | None  # transfer learning sources
    init_segmenter: Path | None
    target_sensitivity: float  # the classifier's operating point, chosen on validation
    freeze_encoder: bool = False  # train only what follows the encoder started from init_*
    learning_rate: float = LEARNING_RATE


@dataclass(frozen=True)
class OutputConfig:
    store: Path  # SavedModels and cards
    version: int
    run_dir: Path  # shards, checkpoints and reports

    @property
    def shards(self) -> Path:
        return self.run_dir / "shards"

    @property
    def checkpoints(self) -> Path:
        return self.run_dir / "checkpoints"

    @property
    def report(self) -> Path:
        return self.run_dir / "report"


@dataclass(frozen=True)
class TrainConfig:
    data: DataConfig
    models: ModelConfig
    output: OutputConfig
