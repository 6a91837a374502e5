"""experiments.train_variant: its one-off settings reach the training run, and the rest of the command passes through."""

import sys

import pytest

from experiments import train_variant
from training import losses


def test_tversky_weight_is_set_before_training_and_the_training_arguments_pass_through(monkeypatch):
    seen = {}

    def fake_main(argv):
        seen["argv"] = argv
        seen["weight"] = losses.TVERSKY_FALSE_POSITIVE_WEIGHT

    monkeypatch.setattr(train_variant.cli, "main", fake_main)
    monkeypatch.setattr(losses, "TVERSKY_FALSE_POSITIVE_WEIGHT", losses.TVERSKY_FALSE_POSITIVE_WEIGHT)
    argv = ["train_variant.py", "--tversky-weight", "0.6", "--", "--version", "86", "--loss", "tversky"]
    monkeypatch.setattr(sys, "argv", argv)
    train_variant.main()
    assert seen == {"argv": ["--version", "86", "--loss", "tversky"], "weight": pytest.approx(0.6)}
