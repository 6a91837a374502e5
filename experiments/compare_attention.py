"""Held-out Dice of the ResUNet with and without attention gates, trained alike on the same shards.

    python -m experiments.compare_attention --shards runs/v2/shards --out experiments/results/attention_comparison.json

Both variants get the same seed, data, augmentation, epochs and steps; only the gates differ.
The figures go to a JSON file that experiments/README.md and docs/training.md quote.
"""

import argparse
import json
import sys
from pathlib import Path

import keras
import tensorflow as tf

from core.model_input import MODEL_SIZE
from training.augment import Augmentation
from training.evaluate import segmenter_metrics
from training.fit import FitPlan, fit_segmenter
from training.held_out import FORMS
from training.phantom_data import TEST_SEED, build_arrays
from training.shards import ShardSpec, tally_shards


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.compare_attention", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--shards", type=Path, required=True, help="a run's shards folder (train-*, validation-*)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--steps", type=int, default=120, help="batches of 16 crops per epoch")
    parser.add_argument("--test-count", type=int, default=300)
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    spec = ShardSpec(MODEL_SIZE, 0)
    train = tally_shards(sorted(args.shards.glob("train-*.tfrecord")), spec)
    validation = tally_shards(sorted(args.shards.glob("validation-*.tfrecord")), spec)
    tests = {
        form: build_arrays(
            TEST_SEED, args.test_count, brain_window_fraction=share, keep_native=True, eight_bit_exports=exported
        )
        for form, (share, exported) in FORMS.items()
    }
    results = {}
    for attention in (False, True):
        keras.utils.set_random_seed(0)
        plan = FitPlan(
            spec,
            Augmentation(),
            Path("runs") / "compare_attention" / str(attention),
            tf.distribute.get_strategy(),
            steps_per_epoch=args.steps,
        )
        fitted = fit_segmenter(train, validation, plan, args.epochs, attention=attention)
        model = fitted.model
        results["attention" if attention else "plain"] = {
            "parameters": fitted.model.count_params(),
            "training_seconds": round(fitted.seconds),
            "held_out": {
                form: segmenter_metrics(lambda x, m=model: m(x, training=False), data) for form, data in tests.items()
            },
        }
        print(json.dumps(results, indent=1), flush=True)
    summary = {
        "command": "python -m experiments.compare_attention " + " ".join(sys.argv[1:]),
        "budget": {
            "epochs": args.epochs,
            "steps_per_epoch": args.steps,
            "crops_per_step": 16,
            "train_slices": train.count,
        },
        "test": {"seed": TEST_SEED, "slices_per_form": args.test_count},
        "results": results,
    }
    args.out.write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
