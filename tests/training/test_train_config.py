"""The command line becomes one typed, frozen TrainConfig; library code never sees the parsed arguments."""

import dataclasses
import subprocess
from pathlib import Path

import pytest

from training.cli import SMOKE, parse_args, train_config
from training.config import TrainConfig

ROOT = Path(__file__).resolve().parents[2]


def test_options_land_in_their_group():
    config = train_config(
        parse_args(
            ["--dataset", "ctich-nifti", "--data", "d", "--no-augment", "--models", "segmenter", "--attention"]
            + ["--context-slices", "1", "--store", "s", "--version", "4"]
        )
    )
    assert isinstance(config, TrainConfig)
    assert (config.data.dataset, config.data.root, config.data.augment) == ("ctich-nifti", Path("d"), False)
    assert config.data.context_slices == 1
    assert config.models.models == ("segmenter",) and config.models.attention is True
    assert (config.output.store, config.output.version) == (Path("s"), 4)
    assert config.output.shards == Path("runs/v4/shards")  # the run folder defaults to the version's


def test_smoke_sizes_reach_the_config():
    config = train_config(parse_args(["--smoke", "--run-dir", "r"]))
    assert (config.data.train_count, config.data.val_count, config.data.test_count) == (
        SMOKE["train_count"],
        SMOKE["val_count"],
        SMOKE["test_count"],
    )
    assert (config.models.classifier_epochs, config.models.segmenter_epochs) == (1, 1)
    assert config.output.checkpoints == Path("r/checkpoints")


def test_config_is_frozen():
    config = train_config(parse_args([]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.data.workers = 8


def test_only_command_lines_handle_parsed_arguments():
    found = subprocess.run(
        ["grep", "-rln", "--include=*.py", "Namespace", "training"], cwd=ROOT, capture_output=True, text=True
    )
    allowed = {
        "training/cli.py",
        "training/calibrate.py",
        "training/evaluate_store.py",
        "training/choose_scan_rule.py",
        "training/reconfine.py",
        "training/fit_in_memory.py",
        "training/import_keras.py",
        "training/measure_held_out.py",
    }
    assert set(found.stdout.split()) <= allowed


def test_freezing_an_encoder_reaches_the_config_and_needs_a_start():
    config = train_config(
        parse_args(["--models", "classifier", "--init-classifier", "model_store/ich_classifier/9", "--freeze-encoder"])
    )
    assert config.models.freeze_encoder is True
    assert train_config(parse_args(["--learning-rate", "2e-4"])).models.learning_rate == 2e-4
    assert train_config(parse_args([])).models.freeze_encoder is False
    with pytest.raises(SystemExit):  # the segmenter is trained too and has no start
        parse_args(["--init-classifier", "model_store/ich_classifier/9", "--freeze-encoder"])
